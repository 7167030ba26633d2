/**
 * Organization mode end to end, through the synthesized bundles on Node 24: `cdk synth` of the
 * central stack, then three member accounts in two Regions on the local endpoint (STS, SSM per
 * account and Region, Organizations, SQS), the events that reach the central bus, the planner and
 * two rounds of the sweep workers. One event is lost, one delivered twice, one account has no
 * read role in one Region, and one account's SSM throttles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONTEXT, runOrgDemo } from '../scripts/demo-org';
import {
  type DeployedFunction,
  deployedFunctions,
  type Invocation,
  invokeBundle,
  resolveEnvironment,
  stackTemplates,
} from '../tools/lambda-runner/bundle';
import { synthesize } from '../tools/lambda-runner/synth';
import {
  LocalAws,
  type LocalDynamo,
  LocalOrganizations,
  memberAccountId,
  memberReadRole,
  type SeededTarget,
  seedOrganization,
  startDynamo,
} from '../tools/local-aws';

const REGIONS = DEMO_CONTEXT.regions.split(',');
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitorOrg-AlertTopic';
const [A, B, D] = [memberAccountId(1), memberAccountId(2), memberAccountId(3)];

let fake: LocalAws;
let dynamo: LocalDynamo;
let assembly: string;
let report: DeployedFunction;
let worker: DeployedFunction;
let planner: DeployedFunction;
let targets: SeededTarget[];
let environment: Record<string, string>;
let queueUrl: string;
const rounds: { events?: Invocation; plan?: Invocation; sweeps: Invocation[] } = { sweeps: [] };

function target(accountId: string, region: string): SeededTarget {
  const found = targets.find((t) => t.accountId === accountId && t.region === region);
  if (!found) throw new Error(`No seeded target ${accountId}/${region}`);
  return found;
}

/** One warm container of `fn` handling `events` in turn. */
async function warmContainer(fn: DeployedFunction, events: unknown[], extra: Record<string, string> = {}) {
  return invokeBundle({
    fn,
    event: { batch: events.map((event, i) => ({ event, requestId: `${fn.handler}-${i}` })) },
    endpoint: fake.endpoint,
    environment: { ...resolveEnvironment(fn, { ...environment, ...extra }) },
  });
}

function sqsEvent(body: string, messageId: string) {
  return { Records: [{ messageId, body, eventSource: 'aws:sqs', attributes: {}, messageAttributes: {} }] };
}

beforeAll(async () => {
  // The context of the README's deploy command, as `npm run demo:org` synthesizes it.
  assembly = await synthesize(DEMO_CONTEXT);
  const functions = deployedFunctions(assembly);
  const byHandler = (handler: string) => {
    const fn = functions.find((candidate) => candidate.handler === handler);
    if (!fn) throw new Error(`No ${handler} in the central stack`);
    return fn;
  };
  report = byHandler('index.handler');
  worker = byHandler('index.sweepAccount');
  planner = byHandler('index.plan');

  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  queueUrl = fake.queueUrl('sweep');
  fake.addQueue(queueUrl);
  dynamo = await startDynamo();
  fake.forwardDynamoDb(dynamo.endpoint);
  const ledgerTable = await dynamo.createLedgerTable();
  environment = {
    ALERT_TOPIC_ARN: TOPIC_ARN,
    LEDGER_TABLE_NAME: ledgerTable,
    CENTRAL_ACCOUNT_ID: fake.centralAccountId,
    SWEEP_QUEUE_URL: queueUrl,
    // The runs ended a second ago: without this the sweep would leave them to their events for
    // the 15 minutes of grace it gives them in production.
    SWEEP_GRACE_MINUTES: '0',
  };
  // The runs end after the ledger exists (the sweep looks no further back than its creation).
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  targets = seedOrganization(fake, { accounts: 3, regions: REGIONS, endTime: new Date(Date.now() - 1_000) });
  // The central account is a member too (the StackSet reaches it): its read roles exist, no runs.
  for (const region of REGIONS)
    fake.addRole(fake.centralAccountId, memberReadRole(region), { regions: [region] });
  fake.removeRole(D, memberReadRole('eu-west-1'));
  // A's us-east-1 SSM throttles every third call; the SDK's retries absorb it.
  fake.failEveryNth({ service: 'ssm', everyNth: 3, accountId: A, region: 'us-east-1' });

  // 1. The events that reach the central bus: B/eu-west-1's is lost, A/eu-west-1's comes twice
  //    (with two IDs, as a cross-Region forward gives it), D/eu-west-1's cannot be read.
  const delivered = targets.filter((t) => !(t.accountId === B && t.region === 'eu-west-1'));
  const duplicate = { ...target(A, 'eu-west-1').event, id: '0a0a0a0a-0000-4000-8000-00000000d0b1' };
  rounds.events = await warmContainer(report, [...delivered.map((t) => t.event), duplicate]);

  // 2. The planner queues the accounts; 3. the workers sweep them, twice.
  rounds.plan = await warmContainer(planner, [{}]);
  for (let round = 0; round < 2; round++) {
    const messages = fake.sqsMessages.splice(0);
    rounds.sweeps.push(
      await warmContainer(
        worker,
        messages.map((message) => sqsEvent(message.body, message.messageId)),
      ),
    );
    if (round === 0) rounds.plan = await warmContainer(planner, [{}]);
  }
}, 300_000);

afterAll(async () => {
  await fake?.stop();
  await dynamo?.stop();
});

type Outcome = { ok: boolean; result?: unknown; error?: { name: string; message: string } };
const outcomes = (invocation: Invocation | undefined) => (invocation?.result ?? []) as Outcome[];

describe('Organization mode, three accounts in two Regions', () => {
  it('reports each delivered event once, through the member account, on Node 24', () => {
    const results = outcomes(rounds.events);

    expect(rounds.events?.nodeVersion).toMatch(/^v24\./);
    expect(results.map((outcome) => outcome.ok)).toEqual([true, true, true, true, false, true]);
    expect(results[4]?.error?.name).toBe('TargetUnreachableError');
    // The second copy of A/eu-west-1's event, with its own ID, is the same run: not reported again.
    expect(results[5]?.result).toEqual({ duplicate: true });
  });

  it('alerts once for every run of the five readable targets, naming account and Region', () => {
    const subjects = fake.published.map((message) => message.subject);
    const readable = targets.filter((t) => !(t.accountId === D && t.region === 'eu-west-1'));

    expect(subjects.sort()).toEqual(
      readable
        .map(
          (t) =>
            `Window patch-${t.accountName}-${t.region} in ${t.accountId}/${t.region}: ${t.failed} failed, 0 timed out of ${20 + t.failed} targets`,
        )
        .sort(),
    );
    for (const message of fake.published) {
      const t = readable.find((candidate) =>
        message.subject?.includes(`${candidate.accountId}/${candidate.region}`),
      );
      expect(message.deliveredAttributes).toMatchObject({
        account_id: { DataType: 'String', StringValue: t?.accountId },
        region: { DataType: 'String', StringValue: t?.region },
      });
      expect(message.message).toContain(`?region=${t?.region}`);
    }
  });

  it('reports the run whose event was lost through the first sweep, and nothing in the second', () => {
    const swept = (round: number) =>
      (rounds.sweeps[round]?.logs ?? [])
        .filter((log) => log.message === 'Swept the account')
        .map((log) => [log.accountId, log.reported]);

    // The central account and the three members, each message handled without a retry.
    expect(rounds.sweeps.map((sweep) => outcomes(sweep).map((outcome) => outcome.ok))).toEqual([
      [true, true, true, true],
      [true, true, true, true],
    ]);
    expect(swept(0)).toEqual(
      expect.arrayContaining([
        [fake.centralAccountId, 0],
        [A, 0],
        [B, 1],
        [D, 0],
      ]),
    );
    expect(swept(1).map(([, reported]) => reported)).toEqual([0, 0, 0, 0]);
    expect(fake.published.filter((message) => message.subject?.includes(`${B}/eu-west-1`))).toHaveLength(1);
  });

  it('names the account whose role is missing, counts it, and never blocks the others', () => {
    const unreachable = fake.metricData.filter((datum) => datum.name === 'UnreachableTargets');
    const logged = [rounds.events, ...rounds.sweeps].flatMap((run) =>
      (run?.logs ?? []).filter((log) => log.level === 'ERROR' && String(log.target) === `${D}/eu-west-1`),
    );

    // Once from the event, once from each sweep.
    expect(unreachable.map((datum) => datum.value)).toEqual([1, 1, 1]);
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(fake.published.some((message) => message.subject?.includes(`${D}/us-east-1`))).toBe(true);
  });

  it('reads members only as their read roles, once per account and Region per container, STS signed in the central Region', () => {
    const memberReads = fake.calls.filter((call) => call.service === 'ssm');
    const containers = 1 + rounds.sweeps.length;

    expect(memberReads.length).toBeGreaterThan(0);
    for (const call of memberReads) {
      expect(call.roleName).toBe(memberReadRole(call.region));
    }
    expect(new Set(fake.assumedRoles.map((role) => role.signedRegion))).toEqual(new Set(['us-east-1']));
    const perTarget = new Map<string, number>();
    for (const role of fake.assumedRoles) {
      const key = `${role.accountId}/${role.roleName}`;
      perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
    }
    for (const count of perTarget.values()) expect(count).toBeLessThanOrEqual(containers);
    // CloudWatch, SNS, DynamoDB and SQS: central credentials only.
    for (const call of fake.calls.filter((c) =>
      ['monitoring', 'sns', 'dynamodb', 'sqs'].includes(c.service),
    )) {
      expect(call.accountId).toBe(fake.centralAccountId);
    }
  });

  it('absorbs the throttling of one account: its runs are reported like the others', () => {
    const throttled = fake.calls.filter(
      (call) => call.accountId === A && call.errorCode === 'ThrottlingException',
    );

    expect(throttled.length).toBeGreaterThan(0);
    expect(fake.published.filter((message) => message.subject?.includes(`${A}/us-east-1`))).toHaveLength(1);
  });

  it('calls in member accounts exactly what the member read role allows, and centrally only what the central roles allow', () => {
    const central = stackTemplates(assembly).find((template) =>
      JSON.stringify(template).includes('AWS::CloudFormation::StackSet'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const stackSet = Object.values(central.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    const member = JSON.parse(String(stackSet?.Properties.TemplateBody)) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const readRoleActions = new Set<string>();
    for (const resource of Object.values(member.Resources)) {
      const policies = (resource.Properties.Policies ?? []) as {
        PolicyDocument: { Statement: { Action: string | string[] }[] };
      }[];
      const named = JSON.stringify(resource.Properties.RoleName ?? '');
      if (resource.Type !== 'AWS::IAM::Role' || !named.includes('-Read-')) continue;
      for (const policy of policies)
        for (const statement of policy.PolicyDocument.Statement)
          for (const action of [statement.Action].flat()) readRoleActions.add(action);
    }
    for (const resource of Object.values(member.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] };
      const roles = JSON.stringify(resource.Properties.Roles);
      if (!roles.includes('Read')) continue;
      for (const statement of document.Statement)
        for (const action of [statement.Action].flat()) readRoleActions.add(action);
    }

    const memberActions = new Set(
      fake.calls.filter((call) => call.service === 'ssm').map((call) => call.action),
    );
    expect([...memberActions].sort()).toEqual([...readRoleActions].sort());

    const allowed = new Set([report, worker, planner].flatMap((fn) => fn.allowedActions));
    for (const call of fake.calls.filter((c) => c.service !== 'ssm')) {
      expect(allowed.has(call.action), call.action).toBe(true);
    }
    // The central roles read no SSM themselves: every read goes through a member's read role.
    expect(
      [report, worker, planner].flatMap((fn) => fn.allowedActions).filter((a) => a.startsWith('ssm:')),
    ).toEqual([]);
  });
});

describe("Organization mode's deploy-time lookup", () => {
  it("answers CloudFormation with how to call StackSets and the Organization's root, which the StackSet then uses", async () => {
    const request = (RequestType: string) => ({
      RequestType,
      ResponseURL: `${fake.endpoint}/cloudformation-response/root-${RequestType}`,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/MaintenanceWindowMonitorOrg/1',
      RequestId: `request-${RequestType}`,
      LogicalResourceId: 'MonitorOrganizationRoot',
      ResourceType: 'Custom::OrganizationRoot',
      ResourceProperties: { OrganizationId: DEMO_CONTEXT.organizationId, LookUpRoot: 'true' },
    });

    const run = await warmContainer(planner, [
      request('Create'),
      { ...request('Delete'), PhysicalResourceId: 'x' },
    ]);

    expect(outcomes(run).map((outcome) => outcome.ok)).toEqual([true, true]);
    const answers = Object.fromEntries(
      fake.cloudFormationResponses.map((r) => [r.path.split('-').at(-1), r.body]),
    );
    // The local central account is the Organization's management account.
    expect(answers.Create).toMatchObject({
      Status: 'SUCCESS',
      Data: { CallAs: 'SELF', RootId: LocalOrganizations.ROOT_ID },
    });
    expect(answers.Delete).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'x' });
    const template = stackTemplates(assembly).find((t) =>
      JSON.stringify(t).includes('Custom::OrganizationRoot'),
    );
    expect(JSON.stringify(template)).toContain('"OrganizationalUnitIds":[{"Fn::GetAtt":[');
    expect(JSON.stringify(template)).toMatch(/"CallAs":\{"Fn::GetAtt":\["\w+","CallAs"\]\}/);
  });
});

describe('npm run demo:org', () => {
  it('prints what each account and Region gave, the calls per account, the metrics and an alert', async () => {
    const output = await runOrgDemo(assembly);

    expect(output).toContain('replayed through the synthesized bundles on Node v24.');
    expect(output).toContain(
      `  ${B}/eu-west-1   4 of 24 targets failed, alerted once, reported by the sweep`,
    );
    expect(output).toContain(
      `  ${A}/us-east-1   1 of 21 targets failed, alerted once, reported by its event`,
    );
    expect(output).toMatch(new RegExp(`  ${D}/eu-west-1 +UNREACHABLE, named in [1-9]\\d* error logs`));
    expect(output).toMatch(/UnreachableTargets +\(fleet-wide\) +2/);
    expect(output).toMatch(new RegExp(`FailedInvocations +AccountId=${A} +3`));
    expect(output).toContain('role assumptions, all signed for us-east-1');
    expect(output).toContain(`account_id=${A}, region=us-east-1`);
    expect(output).not.toContain('hunter2');
  });
});

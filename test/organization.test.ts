/**
 * Organization mode end to end, through the synthesized bundles on Node 24: `cdk synth` of the
 * central stack, then three member accounts in two Regions on the local endpoint (STS, SSM per
 * account and Region, Organizations, SQS), the events that reach the central bus, the planner and
 * two rounds of the sweep workers. One event is lost, one delivered twice, one account has no
 * read role in one Region, and one account's SSM throttles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playScenario } from '../scripts/demo';
import { DEMO_CONTEXT, organization } from '../scripts/demo/scenarios/organization';
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
    expect(results.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true, true]);
    expect(results[4]?.result).toMatchObject({ unreachable: `${D}/eu-west-1`, cause: 'assume-refused' });
    // The second copy of A/eu-west-1's event, with its own ID, is the same run: not reported again.
    expect(results[5]?.result).toEqual({ duplicate: true });
  });

  it('alerts once for every run of the five readable targets, naming account and Region', () => {
    const runAlerts = fake.published.filter((message) => message.subject?.startsWith('Window '));
    const subjects = runAlerts.map((message) => message.subject);
    const readable = targets.filter((t) => !(t.accountId === D && t.region === 'eu-west-1'));

    expect(subjects.sort()).toEqual(
      readable
        .map(
          (t) =>
            `Window patch-${t.accountName}-${t.region} in ${t.accountId}/${t.region}: ${t.failed} failed, 0 timed out of ${20 + t.failed} targets`,
        )
        .sort(),
    );
    for (const message of runAlerts) {
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
    const output = await playScenario(organization, assembly);

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

describe('Organization mode, targets it cannot read', () => {
  // A is a member missing its eu-west-1 read role from the start; B loses its us-east-1 one later;
  // M is the management account, where StackSets deploy nothing and nobody deployed the member stack.
  const M = memberAccountId(9);
  let local: LocalAws;
  let db: LocalDynamo;
  let env: Record<string, string>;
  let seeded: SeededTarget[];
  const seen: { event?: Invocation; replay?: Invocation; sweeps: Invocation[] } = { sweeps: [] };
  /** What each step published and counted, in order: the event, then each sweep, then the replay. */
  const steps: { published: typeof fake.published; unreachable: number[]; failedInA: number[] }[] = [];

  const run = (fn: DeployedFunction, events: unknown[]) =>
    invokeBundle({
      fn,
      event: { batch: events.map((event, i) => ({ event, requestId: `${fn.handler}-reach-${i}` })) },
      endpoint: local.endpoint,
      environment: resolveEnvironment(fn, env),
    });
  const step = () => {
    const data = local.metricData.splice(0);
    steps.push({
      published: local.published.splice(0),
      unreachable: data.filter((datum) => datum.name === 'UnreachableTargets').map((datum) => datum.value),
      failedInA: data
        .filter((datum) => datum.name === 'FailedInvocations' && datum.dimensions === `AccountId=${A}`)
        .map((datum) => datum.value),
    });
  };
  const sweepRound = async () => {
    const plan = await run(planner, [{}]);
    expect(outcomes(plan).map((outcome) => outcome.ok)).toEqual([true]);
    const messages = local.sqsMessages.splice(0);
    seen.sweeps.push(
      await run(
        worker,
        messages.map((m) => sqsEvent(m.body, m.messageId)),
      ),
    );
    step();
  };
  const seededAt = (accountId: string, region: string) => {
    const found = seeded.find((t) => t.accountId === accountId && t.region === region);
    if (!found) throw new Error(`No seeded target ${accountId}/${region}`);
    return found;
  };
  const subjects = (index: number) => (steps[index]?.published ?? []).map((message) => message.subject);

  beforeAll(async () => {
    local = await LocalAws.start();
    local.addTopic(TOPIC_ARN);
    const sweepQueue = local.queueUrl('sweep');
    local.addQueue(sweepQueue);
    db = await startDynamo();
    local.forwardDynamoDb(db.endpoint);
    env = {
      ALERT_TOPIC_ARN: TOPIC_ARN,
      LEDGER_TABLE_NAME: await db.createLedgerTable(),
      CENTRAL_ACCOUNT_ID: local.centralAccountId,
      SWEEP_QUEUE_URL: sweepQueue,
      SWEEP_GRACE_MINUTES: '0',
    };
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    seeded = seedOrganization(local, {
      accounts: 2,
      regions: REGIONS,
      endTime: new Date(Date.now() - 1_000),
    });
    for (const region of REGIONS)
      local.addRole(local.centralAccountId, memberReadRole(region), { regions: [region] });
    local.addAccount({ accountId: M, name: 'management' });
    local.setManagementAccount(M);
    local.registerDelegatedAdministrator(
      local.centralAccountId,
      'member.org.stacksets.cloudformation.amazonaws.com',
    );
    local.removeRole(A, memberReadRole('eu-west-1'));
    local.clearCalls();

    // 0. A/eu-west-1's event, which cannot be read.
    seen.event = await run(report, [seededAt(A, 'eu-west-1').event]);
    step();
    // 1. A sweep: A/eu-west-1 still unreachable, M without its member stack.
    await sweepRound();
    // 2. B/us-east-1 loses its role while A/eu-west-1 is still unreachable.
    local.removeRole(B, memberReadRole('us-east-1'));
    await sweepRound();
    // 3. A/eu-west-1's role is deployed.
    local.addRole(A, memberReadRole('eu-west-1'), { regions: ['eu-west-1'] });
    await sweepRound();
    // 4. Nothing changed.
    await sweepRound();
    // 5. The event of step 0, replayed from its log line after the sweep reported its run.
    const logged = seen.event.logs.find((log) => log.replay !== undefined);
    seen.replay = await run(report, [logged?.replay]);
    step();
  }, 300_000);

  afterAll(async () => {
    await local?.stop();
    await db?.stop();
  });

  it("answers an unreadable target's event with success, counts it once, announces it once, and logs it for a replay", () => {
    expect(outcomes(seen.event)).toMatchObject([
      {
        ok: true,
        result: { unreachable: `${A}/eu-west-1`, cause: 'assume-refused', announced: true },
      },
    ]);
    expect(steps[0]?.unreachable).toEqual([1]);
    expect(subjects(0)).toEqual([`Cannot read ${A} in eu-west-1: read role missing or refused`]);
    const message = steps[0]?.published[0];
    expect(message?.message).toContain(`Region:   eu-west-1`);
    expect(message?.message).toContain(`the read role ${memberReadRole('eu-west-1')} does not exist there`);
    expect(message?.deliveredAttributes).toMatchObject({
      account_id: { DataType: 'String', StringValue: A },
      region: { DataType: 'String.Array', StringValue: '["eu-west-1"]' },
      status: { DataType: 'String', StringValue: 'UNREACHABLE' },
    });
    expect(seen.event?.logs.find((log) => log.replay !== undefined)?.replay).toEqual(
      seededAt(A, 'eu-west-1').event,
    );
  });

  it('does not announce a target again at the next sweeps while it stays unreachable, but counts it', () => {
    expect(subjects(1).filter((subject) => subject?.includes(`${A} in eu-west-1`))).toEqual([]);
    expect(subjects(2).filter((subject) => subject?.includes(`${A} in eu-west-1`))).toEqual([]);
    // Each sweep counts A/eu-west-1 (and from the second, B/us-east-1): never the management account.
    const total = (values: number[] | undefined) => (values ?? []).reduce((sum, value) => sum + value, 0);
    expect(steps.slice(1, 5).map((s) => total(s.unreachable))).toEqual([1, 2, 1, 1]);
  });

  it('announces a second target that becomes unreachable while the first still is, once', () => {
    const second = `Cannot read ${B} in us-east-1: read role missing or refused`;

    expect(subjects(2)).toEqual([second]);
    expect(steps.flatMap((s) => s.published).filter((m) => m.subject === second)).toHaveLength(1);
  });

  it('gives the management account without a member stack one notice with the deploy command, and no count', () => {
    const notices = steps.flatMap((s) => s.published).filter((m) => m.subject?.includes(M));

    expect(notices.map((m) => m.subject)).toEqual([
      `Management account ${M} not covered in eu-west-1, us-east-1: member stack not deployed`,
    ]);
    expect(notices[0]?.message).toContain(
      `AWS_REGION=eu-west-1 npx cdk deploy MaintenanceWindowMonitorMember -c organizationId=${DEMO_CONTEXT.organizationId} -c centralAccountId=${local.centralAccountId} -c centralRegion=us-east-1`,
    );
    expect(notices[0]?.message).toContain('It is counted in no');
    const warned = seen.sweeps[0]?.logs.filter((log) => log.target === `${M}/us-east-1`);
    expect(warned?.map((log) => log.level)).toEqual(['WARN']);
  });

  it('reports the run the event could not, exactly once, when the role appears, and notes the recovery once', () => {
    const run = seededAt(A, 'eu-west-1');
    const alert = `Window patch-member-1-eu-west-1 in ${A}/eu-west-1: ${run.failed} failed, 0 timed out of ${20 + run.failed} targets`;
    const all = steps.flatMap((s) => s.published.map((m) => m.subject));

    expect(subjects(3).sort()).toEqual([alert, `Can read ${A} in eu-west-1 again`].sort());
    expect(all.filter((subject) => subject === alert)).toHaveLength(1);
    expect(all.filter((subject) => subject?.startsWith(`Can read ${A}`))).toHaveLength(1);
    // Its metrics once: the sweep that reported it, nothing before or after.
    expect(steps.map((s) => s.failedInA)).toEqual([
      [],
      [seededAt(A, 'us-east-1').failed],
      [],
      [run.failed],
      [],
      [],
    ]);
    // The sweep after that, and the replay of the logged event, add nothing.
    expect(subjects(4)).toEqual([]);
    expect(outcomes(seen.replay)).toMatchObject([{ ok: true, result: { duplicate: true } }]);
    expect(steps[5]?.published).toEqual([]);
    expect(steps[5]?.unreachable).toEqual([]);
  });
});

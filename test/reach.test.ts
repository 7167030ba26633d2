/**
 * Reading an Organization: the report function, the planner and the sweep workers of the central
 * stack (the bundles `cdk synth` produced, on Node 24) reading member accounts through their read
 * roles on the local endpoint. What each account-Region gives, the one that cannot be read (named,
 * counted, announced once, never blocking the others), the Organization's deploy-time lookup,
 * and that the member read role and the central roles allow exactly the calls
 * made. What the report and the sweep do with a run is test/report.test.ts's and test/sweep.test.ts's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  memberAccountId,
  memberReadRole,
  ORGANIZATION_CONTEXT,
  type SeededAccountRegion,
  seedOrganization,
} from '../tools/fixtures';
import type { DeployedFunction, Invocation } from '../tools/lambda-runner/bundle';
import { LocalOrganizations } from '../tools/local-aws';
import { templatesOf } from './support/deployed';
import { useLocalAws } from './support/local-aws';
import { readRoleActions as readRoleActionsOf } from './support/member-template';
import {
  A,
  B,
  centralEnvironment,
  centralFunctions,
  D,
  ORGANIZATION_TOPIC_ARN,
  outcomes,
  REGIONS,
  sqsEvent,
  useOrganizationRun,
  warmContainer,
} from './support/organization-run';

const { report, worker, planner } = centralFunctions();

describe('Organization mode', () => {
  const org = useOrganizationRun();

  describe('an Organization of three members in two Regions, end to end', () => {
    it('reports each delivered event once, through the member account, on Node 24', () => {
      const results = outcomes(org.events);

      expect(org.events?.nodeVersion).toMatch(/^v24\./);
      expect(results.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true, true]);
      expect(results[4]?.result).toMatchObject({ unreachable: `${D}/eu-west-1`, cause: 'assume-refused' });
      // The second copy of A/eu-west-1's event, with its own ID, is the same run: not reported again.
      expect(results[5]?.result).toEqual({ duplicate: true });
    });

    it('alerts once for every run of the five readable targets, naming account and Region', () => {
      const runAlerts = org.aws.fake.published.filter((message) => message.subject?.startsWith('Window '));
      const subjects = runAlerts.map((message) => message.subject);
      const readable = org.seeded.filter((t) => !(t.accountId === D && t.region === 'eu-west-1'));

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
        (org.sweeps[round]?.logs ?? [])
          .filter((log) => log.message === 'Swept the account')
          .map((log) => [log.accountId, log.reported]);

      // The central account and the three members, each message handled without a retry.
      expect(org.sweeps.map((sweep) => outcomes(sweep).map((outcome) => outcome.ok))).toEqual([
        [true, true, true, true],
        [true, true, true, true],
      ]);
      expect(swept(0)).toEqual(
        expect.arrayContaining([
          [org.aws.fake.centralAccountId, 0],
          [A, 0],
          [B, 1],
          [D, 0],
        ]),
      );
      expect(swept(1).map(([, reported]) => reported)).toEqual([0, 0, 0, 0]);
      expect(
        org.aws.fake.published.filter((message) => message.subject?.includes(`${B}/eu-west-1`)),
      ).toHaveLength(1);
    });

    it('names the account whose role is missing, counts it, and never blocks the others', () => {
      const unreachable = org.aws.fake.metricData.filter((datum) => datum.name === 'UnreachableTargets');
      const logged = [org.events, ...org.sweeps].flatMap((run) =>
        (run?.logs ?? []).filter((log) => log.level === 'ERROR' && String(log.target) === `${D}/eu-west-1`),
      );

      // Once from the event, once from each sweep.
      expect(unreachable.map((datum) => datum.value)).toEqual([1, 1, 1]);
      expect(logged.length).toBeGreaterThanOrEqual(3);
      expect(org.aws.fake.published.some((message) => message.subject?.includes(`${D}/us-east-1`))).toBe(
        true,
      );
    });

    it('reads members only as their read roles, once per account and Region per container, STS signed in the central Region', () => {
      const memberReads = org.aws.fake.calls.filter((call) => call.service === 'ssm');
      const containers = 1 + org.sweeps.length;

      expect(memberReads.length).toBeGreaterThan(0);
      for (const call of memberReads) {
        expect(call.roleName).toBe(memberReadRole(call.region));
      }
      expect(new Set(org.aws.fake.assumedRoles.map((role) => role.signedRegion))).toEqual(
        new Set(['us-east-1']),
      );
      const perTarget = new Map<string, number>();
      for (const role of org.aws.fake.assumedRoles) {
        const key = `${role.accountId}/${role.roleName}`;
        perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
      }
      for (const count of perTarget.values()) expect(count).toBeLessThanOrEqual(containers);
      // CloudWatch, SNS, DynamoDB and SQS: central credentials only.
      for (const call of org.aws.fake.calls.filter((c) =>
        ['monitoring', 'sns', 'dynamodb', 'sqs'].includes(c.service),
      )) {
        expect(call.accountId).toBe(org.aws.fake.centralAccountId);
      }
    });

    it('absorbs the throttling of one account: its runs are reported like the others', () => {
      const throttled = org.aws.fake.calls.filter(
        (call) => call.accountId === A && call.errorCode === 'ThrottlingException',
      );

      expect(throttled.length).toBeGreaterThan(0);
      expect(
        org.aws.fake.published.filter((message) => message.subject?.includes(`${A}/us-east-1`)),
      ).toHaveLength(1);
    });

    it('calls in member accounts exactly what the member read role allows, and centrally only what the central roles allow', () => {
      const readRoleActions = readRoleActionsOf('organization');

      // SSM and Step Functions: the services a read role reads (Step Functions only for causes).
      const memberActions = new Set(
        org.aws.fake.calls
          .filter((call) => call.service === 'ssm' || call.service === 'states')
          .map((call) => call.action),
      );
      expect([...memberActions].sort()).toEqual([...readRoleActions].sort());

      const allowed = new Set([report, worker, planner].flatMap((fn) => fn.allowedActions));
      for (const call of org.aws.fake.calls.filter((c) => c.service !== 'ssm')) {
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
        ResponseURL: `${org.aws.fake.endpoint}/cloudformation-response/root-${RequestType}`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/MaintenanceWindowMonitorOrg/1',
        RequestId: `request-${RequestType}`,
        LogicalResourceId: 'MonitorOrganizationRoot',
        ResourceType: 'Custom::OrganizationRoot',
        ResourceProperties: { OrganizationId: ORGANIZATION_CONTEXT.organizationId, LookUpRoot: 'true' },
      });

      const run = await warmContainer(
        org.aws,
        planner,
        [request('Create'), { ...request('Delete'), PhysicalResourceId: 'x' }],
        await centralEnvironment(org.aws),
      );

      expect(outcomes(run).map((outcome) => outcome.ok)).toEqual([true, true]);
      const answers = Object.fromEntries(
        org.aws.fake.cloudFormationResponses.map((r) => [r.path.split('-').at(-1), r.body]),
      );
      // The local central account is the Organization's management account.
      expect(answers.Create).toMatchObject({
        Status: 'SUCCESS',
        Data: { CallAs: 'SELF', RootId: LocalOrganizations.ROOT_ID },
      });
      expect(answers.Delete).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'x' });
      const template = templatesOf('organization').find((t) =>
        JSON.stringify(t).includes('Custom::OrganizationRoot'),
      );
      expect(JSON.stringify(template)).toContain('"OrganizationalUnitIds":[{"Fn::GetAtt":[');
      expect(JSON.stringify(template)).toMatch(/"CallAs":\{"Fn::GetAtt":\["\w+","CallAs"\]\}/);
    });
  });
});

describe('Organization mode, targets it cannot read', () => {
  // A is a member missing its eu-west-1 read role from the start; B loses its us-east-1 one later;
  // M is the management account, where StackSets deploy nothing and nobody deployed the member stack.
  const M = memberAccountId(9);
  const aws = useLocalAws({ topics: [ORGANIZATION_TOPIC_ARN], queues: ['sweep'] });
  let env: Record<string, string>;
  let seeded: SeededAccountRegion[];
  const seen: { event?: Invocation; replay?: Invocation; sweeps: Invocation[] } = { sweeps: [] };
  /** What each step published and counted, in order: the event, then each sweep, then the replay. */
  const steps: { published: typeof aws.fake.published; unreachable: number[]; failedInA: number[] }[] = [];

  const run = (fn: DeployedFunction, events: unknown[]) => warmContainer(aws, fn, events, env, '-reach');
  const step = () => {
    const data = aws.fake.metricData.splice(0);
    steps.push({
      published: aws.fake.published.splice(0),
      unreachable: data.filter((datum) => datum.name === 'UnreachableTargets').map((datum) => datum.value),
      failedInA: data
        .filter((datum) => datum.name === 'FailedInvocations' && datum.dimensions === `AccountId=${A}`)
        .map((datum) => datum.value),
    });
  };
  const sweepRound = async () => {
    const plan = await run(planner, [{}]);
    expect(outcomes(plan).map((outcome) => outcome.ok)).toEqual([true]);
    const messages = aws.fake.sqsMessages.splice(0);
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
    const local = aws.fake;
    env = await centralEnvironment(aws);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    seeded = seedOrganization(local, {
      accounts: 2,
      regions: REGIONS,
      endTime: new Date(Date.now() - 1_000),
    });
    for (const region of REGIONS)
      local.addRole(aws.fake.centralAccountId, memberReadRole(region), { regions: [region] });
    local.addAccount({ accountId: M, name: 'management' });
    local.setManagementAccount(M);
    local.registerDelegatedAdministrator(
      aws.fake.centralAccountId,
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
      `AWS_REGION=eu-west-1 npx cdk deploy MaintenanceWindowMonitorMember -c organizationId=${ORGANIZATION_CONTEXT.organizationId} -c centralAccountId=${aws.fake.centralAccountId} -c centralRegion=us-east-1`,
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

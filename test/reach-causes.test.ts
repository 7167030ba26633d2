/**
 * Failure causes in an Organization, through the synthesized central stacks' bundles on the local
 * endpoint: opted in (`failureCauses=summary`), each member run's causes read in its own
 * account-Region as the member's read role, by the report function and the sweep alike, and the
 * member read role allowing exactly the calls made; a member whose (older) read role may not read
 * causes reported once all the same; opted out (the default), no cause read at all.
 * What the causes are and how they are grouped is test/causes.test.ts's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CAUSE_READ_ACTIONS, MEMBER_READ_ACTIONS } from '../contract';
import {
  cycle,
  dpkgLock,
  executionTimedOut,
  launchInstanceUnauthorized,
  memberExecutionEvent,
  memberReadRole,
  noSpaceLeft,
  RAN_AND_FAILED,
  runCommandStepFailed,
  seedAutomationOutcomes,
  seedCommandOutcomes,
  seedStepFunctionsOutcomes,
  stateMachineTaskFailed,
  stdoutTruncated,
  taskExecution,
  windowExecution,
  windowId,
} from '../tools/fixtures';
import type { Invocation } from '../tools/lambda-runner/bundle';
import type { FakeTaskExecution, MetricDatum, PublishedMessage, RecordedCall } from '../tools/local-aws';
import { useLocalAws } from './support/local-aws';
import { readRoleActions } from './support/member-template';
import {
  A,
  B,
  centralEnvironment,
  centralFunctions,
  ORGANIZATION_TOPIC_ARN,
  outcomes,
  REGIONS,
  sqsEvent,
  warmContainer,
} from './support/organization-run';

const optedIn = centralFunctions('organization-causes');
const optedOut = centralFunctions('organization');
const RAN = { invocationDetails: RAN_AND_FAILED };
const CAUSE_ACTIONS = new Set<string>(CAUSE_READ_ACTIONS);

/** What one deployment did: its invocations, and every call, message and data point they made. */
interface Played {
  readonly invocations: Invocation[];
  readonly calls: RecordedCall[];
  readonly published: PublishedMessage[];
  readonly metricData: MetricDatum[];
}

/** A member account-Region with one run, and the event its end sends to the central bus. */
interface MemberRun {
  readonly accountId: string;
  readonly region: string;
  readonly event: Record<string, unknown>;
}

/** The alert's "Causes" section: from its heading to the first blank line. */
function causesOf(message: PublishedMessage | undefined): string[] {
  const lines = (message?.message ?? '').split('\n');
  const start = lines.findIndex((line) => line.startsWith('Causes ('));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

const groupsOf = (message: PublishedMessage | undefined) =>
  causesOf(message).filter((line) => /^ +\d+ targets? /.test(line));

describe('Organization mode, failure causes', () => {
  const aws = useLocalAws({ topics: [ORGANIZATION_TOPIC_ARN], queues: ['sweep'] });
  const played: { in?: Played; out?: Played } = {};
  const runs = {} as Record<'delivered' | 'swept' | 'denied', MemberRun>;

  const alertOf = (p: Played | undefined, run: MemberRun) => {
    const alerts = (p?.published ?? []).filter((m) => m.subject?.includes(`${run.accountId}/${run.region}`));
    expect(alerts).toHaveLength(1);
    return alerts[0];
  };
  /** Takes what the endpoint recorded since the last take. */
  const take = (invocations: Invocation[]): Played => {
    const calls = [...aws.fake.calls];
    aws.fake.calls.length = 0;
    return {
      invocations,
      calls,
      published: aws.fake.published.splice(0),
      metricData: aws.fake.metricData.splice(0),
    };
  };

  beforeAll(async () => {
    const fake = aws.fake;
    const environment = await centralEnvironment(aws);
    // The runs end once the ledger exists (the sweep looks no further back than its creation), and
    // before the sweep starts (its grace is 0): both by the one clock, to the millisecond.
    const endTime = new Date();
    const timing = { startTime: new Date(endTime.getTime() - 30 * 60_000), endTime };
    for (const [accountId, name] of [
      [A, 'member-1'],
      [B, 'member-2'],
      [fake.centralAccountId, undefined],
    ] as const) {
      if (name) fake.addAccount({ accountId, name });
      for (const region of REGIONS) fake.addRole(accountId, memberReadRole(region), { regions: [region] });
    }
    let windows = 0;
    const seedRun = (accountId: string, region: string, tasks: FakeTaskExecution[]): MemberRun => {
      const execution = windowExecution(tasks, windowId(0x2000 + windows++), timing);
      fake.addWindow(
        { windowId: execution.windowId, name: `patch-${accountId}-${region}` },
        { accountId, region },
      );
      fake.addWindowExecution(execution, { accountId, region });
      return {
        accountId,
        region,
        event: memberExecutionEvent(execution, 'SUCCESS', { accountId, region, endTime }),
      };
    };
    /** A Run Command, an Automation and a Step Functions task with failed targets, their causes kept in `accountId`/`region`. */
    const everyKind = (
      accountId: string,
      region: string,
      pick = cycle(dpkgLock, noSpaceLeft, stdoutTruncated),
    ) => {
      const target = { accountId, region };
      const command = taskExecution('RUN_COMMAND', { SUCCESS: 20, FAILED: 6, TIMED_OUT: 1 }, RAN);
      seedCommandOutcomes(
        fake,
        command,
        (i, k) => (i.Status === 'TIMED_OUT' ? executionTimedOut(i) : pick(i, k)),
        target,
      );
      const runbook = taskExecution('AUTOMATION', { SUCCESS: 5, FAILED: 2 }, RAN);
      seedAutomationOutcomes(fake, runbook, cycle(launchInstanceUnauthorized, runCommandStepFailed), target);
      const stateMachine = taskExecution('STEP_FUNCTIONS', { SUCCESS: 3, FAILED: 1 }, { ...RAN, ...target });
      seedStepFunctionsOutcomes(fake, stateMachine, stateMachineTaskFailed, target);
      return [command, runbook, stateMachine];
    };
    runs.delivered = seedRun(A, 'us-east-1', everyKind(A, 'us-east-1'));
    const lost = taskExecution('RUN_COMMAND', { SUCCESS: 10, FAILED: 2 }, RAN);
    seedCommandOutcomes(fake, lost, dpkgLock, { accountId: A, region: 'eu-west-1' });
    runs.swept = seedRun(A, 'eu-west-1', [lost]);
    runs.denied = seedRun(B, 'eu-west-1', everyKind(B, 'eu-west-1', dpkgLock));
    // B deployed its member stack before it opted in: its read role may not read causes.
    for (const action of CAUSE_READ_ACTIONS) fake.deny({ action, accountId: B, region: 'eu-west-1' });

    // Opted in: the events of the delivered and the denied runs (the denied one twice), then the
    // planner and one round of the sweep workers, which find the run whose event was lost.
    const events = await warmContainer(
      aws,
      optedIn.report,
      [runs.delivered.event, runs.denied.event, runs.denied.event],
      environment,
    );
    const plan = await warmContainer(aws, optedIn.planner, [{}], environment);
    const messages = fake.sqsMessages.splice(0);
    const sweep = await warmContainer(
      aws,
      optedIn.worker,
      messages.map((message) => sqsEvent(message.body, message.messageId)),
      environment,
    );
    played.in = take([events, plan, sweep]);

    // Opted out, with a ledger of its own: the same two events.
    const out = await warmContainer(
      aws,
      optedOut.report,
      [runs.delivered.event, runs.denied.event],
      await centralEnvironment(aws),
    );
    played.out = take([out]);
  }, 300_000);

  it('alerts once for each run, naming its account and Region, with its causes grouped as in one account', () => {
    expect(played.in?.invocations.map((invocation) => outcomes(invocation).map((o) => o.ok))).toEqual([
      [true, true, true],
      [true],
      [true, true, true],
    ]);
    // The sweep reports the run whose event was lost, and only it.
    const sweeps = (played.in?.invocations[2]?.logs ?? []).filter(
      (log) => log.message === 'Swept the account',
    );
    expect(sweeps.map((log) => [log.accountId, log.reported]).sort()).toEqual(
      [
        [aws.fake.centralAccountId, 0],
        [A, 1],
        [B, 0],
      ].sort(),
    );
    const alert = alertOf(played.in, runs.delivered);
    expect(alert?.subject).toContain(`${A}/us-east-1`);
    expect(causesOf(alert)[0]).toBe('Causes (10 targets did not succeed; all examined):');
    expect(alert?.message).toMatch(new RegExp(`^Account: +${A}\nRegion: +us-east-1$`, 'm'));
    // Largest first, each cause once, whichever service ran the target.
    const groups = groupsOf(alert);
    expect(groups.slice(0, 2)).toEqual([
      expect.stringMatching(/^ {2}3 targets +E: Unable to acquire the dpkg frontend lock/),
      expect.stringMatching(/^ {2}2 targets +output truncated before the error/),
    ]);
    const ones = [
      /timed out/,
      /No space left on device/,
      /Error Code: Unauthori/,
      /States\.TaskFailed/,
      /runCommand/,
    ];
    expect(groups.slice(2)).toHaveLength(ones.length);
    for (const cause of ones)
      expect(groups.slice(2).filter((line) => /^ {2}1 target /.test(line) && cause.test(line))).toHaveLength(
        1,
      );

    const swept = alertOf(played.in, runs.swept);
    expect(groupsOf(swept)).toEqual([expect.stringMatching(/^ +2 targets +.*dpkg frontend lock/)]);
  });

  it('reads every cause in the run’s own account-Region as the read role there, never as a central role', () => {
    const causeReads = (played.in?.calls ?? []).filter((call) => CAUSE_ACTIONS.has(call.action));

    expect(new Set(causeReads.map((call) => call.action))).toEqual(CAUSE_ACTIONS);
    expect(new Set(causeReads.map((call) => `${call.accountId}/${call.region}`))).toEqual(
      new Set([`${A}/us-east-1`, `${A}/eu-west-1`, `${B}/eu-west-1`]),
    );
    for (const call of causeReads) expect(call.roleName).toBe(memberReadRole(call.region));
    // Every read of the delivered and swept runs found what it looked for.
    expect(causeReads.filter((call) => call.accountId === A && call.statusCode !== 200)).toEqual([]);
  });

  it('calls in member accounts exactly what the opted-in member read role allows: its reads and the cause reads', () => {
    const memberCalls = (played.in?.calls ?? []).filter(
      (call) => call.service === 'ssm' || call.service === 'states',
    );
    const allowed = readRoleActions('organization-causes');

    for (const call of memberCalls) expect(call.roleName, call.action).toBe(memberReadRole(call.region));
    expect([...new Set(memberCalls.map((call) => call.action))].sort()).toEqual([...allowed].sort());
    expect([...allowed].sort()).toEqual([...MEMBER_READ_ACTIONS, ...CAUSE_READ_ACTIONS].sort());
  });

  it('reports once the run of a member whose read role may not read causes, saying so, and counts the targets', () => {
    const alert = alertOf(played.in, runs.denied);
    const causes = causesOf(alert).join('\n');
    const unavailable = (played.in?.metricData ?? []).filter((datum) => datum.name === 'CausesUnavailable');

    expect(outcomes(played.in?.invocations[0]).slice(1)).toMatchObject([
      { ok: true, result: expect.not.objectContaining({ duplicate: true }) },
      { ok: true, result: { duplicate: true } },
    ]);
    expect(causes).toMatch(/10 targets .*access denied/);
    expect(causes).not.toContain('dpkg');
    expect(unavailable.map((datum) => [datum.dimensions, datum.value])).toEqual([['Reason=Denied', 10]]);
    // Denied by the member's role, not unreachable: no notice, no count.
    expect((played.in?.published ?? []).filter((m) => m.subject?.startsWith('Cannot read'))).toEqual([]);
    expect((played.in?.metricData ?? []).filter((datum) => datum.name === 'UnreachableTargets')).toEqual([]);
  });

  it('opted out, reads no cause at all and alerts without causes', () => {
    const memberActions = new Set(
      (played.out?.calls ?? [])
        .filter((c) => c.service === 'ssm' || c.service === 'states')
        .map((c) => c.action),
    );

    expect(outcomes(played.out?.invocations[0]).map((o) => o.ok)).toEqual([true, true]);
    expect((played.out?.calls ?? []).filter((call) => CAUSE_ACTIONS.has(call.action))).toEqual([]);
    expect(
      [...memberActions].filter((action) => !(MEMBER_READ_ACTIONS as readonly string[]).includes(action)),
    ).toEqual([]);
    expect(readRoleActions('organization')).toEqual(new Set(MEMBER_READ_ACTIONS));
    for (const run of [runs.delivered, runs.denied]) expect(causesOf(alertOf(played.out, run))).toEqual([]);
    expect((played.out?.metricData ?? []).filter((datum) => datum.name === 'CausesUnavailable')).toEqual([]);
  });
});

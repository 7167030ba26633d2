/**
 * The reconciliation sweep with real SDK clients: SSM, STS, CloudWatch and SNS on the local AWS
 * endpoint, the ledger on dynalite. What a sweep of one account-Region does is tested once over
 * both reaches: the home account-Region, read with the function's own client, and a member's
 * account-Region, read through its read role for an Organization. What only a sweep of an
 * assignment's Regions does follows, in an Organization seeded for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ledgerKey } from '../../../lambda/adapters/ledger';
import type { AccountRegion } from '../../../lambda/core/account-region';
import { type ReportDeps, reportEvent } from '../../../lambda/core/report-event';
import {
  SweepIncompleteError,
  type SweepOptions,
  sweepAccount,
  sweepAccountRegion,
} from '../../../lambda/core/sweep';
import {
  memberAccountId,
  memberReadRole,
  type SeededAccountRegion,
  seedOrganization,
  taskExecution,
  windowExecution,
} from '../../../tools/fixtures';
import type { FakeWindowExecution } from '../../../tools/local-aws';
import {
  accountOptions,
  createdAt,
  deps,
  fake,
  logs,
  nextWindowId,
  options,
  orgDeps,
  ROLE_PREFIX,
  ran,
  useLocalReport,
} from '../../support/local-report';
import { HOME } from '../../support/records';

useLocalReport();

/** A member account-Region no seeded Organization holds: the only one its reach reads. */
const MEMBER: AccountRegion = { accountId: memberAccountId(7), region: 'eu-west-1' };

interface SweepReach {
  readonly reach: string;
  /** The dependencies a sweep of this reach runs with. */
  readonly deps: () => ReportDeps;
  /** The account-Region swept. */
  readonly accountRegion: AccountRegion;
  /** Where its runs are seeded: the home one is what the function's own client reads. */
  readonly seededAt?: AccountRegion;
  /** The scope of its ledger keys (none at home, so an upgrade from one account reports nothing twice). */
  readonly scope?: string;
  /** How the sweep's summary names it in the log (at home, it does not). */
  readonly label?: string;
  /** How an alert's subject names a window without a name. */
  readonly windowTitle: (windowId: string) => string;
  /** Sets up its account-Region before each test. */
  readonly prepare: () => void;
}

const REACHES: SweepReach[] = [
  {
    reach: 'the home account-Region',
    deps: () => deps,
    accountRegion: HOME,
    windowTitle: (windowId) => `Maintenance window ${windowId}`,
    prepare: () => undefined,
  },
  {
    reach: "a member's account-Region",
    deps: () => orgDeps,
    accountRegion: MEMBER,
    seededAt: MEMBER,
    scope: `${MEMBER.accountId}:${MEMBER.region}`,
    label: `${MEMBER.accountId}/${MEMBER.region}`,
    windowTitle: (windowId) => `Window ${windowId} in ${MEMBER.accountId}/${MEMBER.region}`,
    prepare: () => {
      fake.addAccount({ accountId: MEMBER.accountId, name: 'member-7' });
      fake.addRole(MEMBER.accountId, memberReadRole(MEMBER.region, ROLE_PREFIX), {
        regions: [MEMBER.region],
      });
    },
  },
];

describe.each(REACHES)('sweepAccountRegion, in $reach', (reach) => {
  const sweep = (overrides: Partial<SweepOptions> = {}) =>
    sweepAccountRegion(reach.deps(), options({ accountRegion: reach.accountRegion, ...overrides }));
  const runAt = (startOffset: number, status?: FakeWindowExecution['status']) =>
    ran(startOffset, status, undefined, reach.seededAt);
  const add = (execution: FakeWindowExecution) => fake.addWindowExecution(execution, reach.seededAt ?? {});
  const key = (execution: FakeWindowExecution, taskExecutionId?: string) =>
    ledgerKey(execution.windowExecutionId, taskExecutionId, reach.scope);
  /** The alerts sent for the execution's window. */
  const alerts = (execution: FakeWindowExecution) =>
    fake.published.filter((message) => message.attributes.window_id?.StringValue === execution.windowId);

  beforeEach(() => {
    reach.prepare();
  });

  it('reports terminal executions that have no record, and leaves the rest alone', async () => {
    // Prepare
    const missed = runAt(1_000);
    const eventReported = runAt(2_000);
    const running = runAt(3_000, 'IN_PROGRESS');
    const tooRecent = runAt(50_000);
    await reportEvent(
      {
        kind: 'execution',
        windowId: eventReported.windowId,
        windowExecutionId: eventReported.windowExecutionId,
        status: 'SUCCESS',
        endTime: new Date(createdAt + 3_000),
        accountRegion: reach.accountRegion,
      },
      {
        ...reach.deps(),
        delivery: { owner: 'event-request', leaseMs: () => 60_000, deadline: () => Date.now() + 55_000 },
      },
    );
    fake.clearCalls();

    // Act
    const report = await sweep({
      windowIds: [missed, eventReported, running, tooRecent].map((e) => e.windowId),
      graceMs: 15_000,
    });

    // Assess
    expect(report).toMatchObject({
      windows: 4,
      candidates: 2,
      alreadyReported: 1,
      inProgress: [],
      deferred: [],
      unreached: [],
    });
    expect(report.reported).toEqual([key(missed)]);
    expect(report.reportedRuns).toEqual([missed.windowExecutionId]);
    expect(fake.published.map((message) => message.attributes.window_id?.StringValue)).toEqual([
      missed.windowId,
    ]);
    for (const other of [eventReported, running, tooRecent]) expect(alerts(other)).toHaveLength(0);
  });

  it('lists every window of the account-Region when none are configured, and never reports twice', async () => {
    // Prepare
    const missed = runAt(1_000);

    // Act
    const first = await sweep();
    const second = await sweep();

    // Assess
    expect(first.reported).toEqual([key(missed)]);
    expect(second.reported).toEqual([]);
    expect(second.alreadyReported).toBe(1);
    expect(alerts(missed)).toHaveLength(1);
    expect(fake.callsTo('ssm', 'DescribeMaintenanceWindows')).toHaveLength(2);
    const summary = logs.find((log) => log.message === 'Sweep finished');
    expect(summary?.extra.target).toBe(reach.label);
  });

  it('ignores executions that ended before the monitor existed or outside the look-back', async () => {
    // Prepare
    const beforeMonitor = runAt(-10_000);
    const recent = runAt(40_000);

    // Act
    const report = await sweep({ windowIds: [beforeMonitor.windowId, recent.windowId], lookbackMs: 30_000 });

    // Assess: look-back starts at now - 30 s = creation + 30 s; SSM is asked from a day earlier
    expect(report.reported).toEqual([key(recent)]);
    const after = fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutions')[0]?.input.Filters;
    // In whole seconds: the only form the API documents (2024-11-04T05:00:00Z).
    const from = Math.floor((createdAt + 30_000 - 24 * 3_600_000) / 1000) * 1000;
    expect(after).toEqual([
      { Key: 'ExecutedAfter', Values: [new Date(from).toISOString().replace('.000Z', 'Z')] },
    ]);
  });

  it('reports a run that started before the look-back but ended inside it', async () => {
    // Prepare: look-back from creation + 30 s; this run started at + 10 s and ended at + 40 s
    const execution = windowExecution([taskExecution('RUN_COMMAND', { FAILED: 1 })], nextWindowId(), {
      startTime: new Date(createdAt + 10_000),
      endTime: new Date(createdAt + 40_000),
    });
    add(execution);

    // Act
    const report = await sweep({ windowIds: [execution.windowId], lookbackMs: 30_000 });

    // Assess
    expect(report.reported).toEqual([key(execution)]);
  });

  it('reports each terminal task when reporting per task, and the run once', async () => {
    // Prepare
    const execution = windowExecution(
      [
        taskExecution('RUN_COMMAND', { FAILED: 1 }),
        taskExecution('LAMBDA', { SUCCESS: 2 }, { status: 'IN_PROGRESS' }),
      ],
      nextWindowId(),
      { startTime: new Date(createdAt + 1_000), endTime: new Date(createdAt + 2_000) },
    );
    add(execution);

    // Act
    const report = await sweep({ windowIds: [execution.windowId], reporting: 'task' });

    // Assess
    expect(report.reported).toEqual([key(execution, execution.tasks[0]?.taskExecutionId)]);
    expect(report.reportedRuns).toEqual([execution.windowExecutionId]);
  });

  it('says what it could not reach when SSM is down, and the next sweep picks it up', async () => {
    // Prepare
    const missed = runAt(1_000);
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutions',
      error: { code: 'InternalServerError', statusCode: 500 },
    });

    // Act
    const down = sweep({ windowIds: [missed.windowId] });

    // Assess
    await expect(down).rejects.toBeInstanceOf(SweepIncompleteError);
    await expect(down).rejects.toThrow(
      `The sweep could not reach window ${missed.windowId}; the next sweep tries again`,
    );
    const summary = logs.find((log) => log.message === 'Sweep finished');
    expect(summary?.extra.unreached).toEqual([
      { what: `window ${missed.windowId}`, error: expect.stringContaining('InternalServerError') },
    ]);
    expect(alerts(missed)).toHaveLength(0);

    fake.failEveryNth(undefined);
    const next = await sweep({ windowIds: [missed.windowId] });
    expect(next.reported).toEqual([key(missed)]);
  });

  it('says so when the list of windows cannot be read', async () => {
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindows',
      error: { code: 'InternalServerError', statusCode: 500 },
    });
    await expect(sweep()).rejects.toThrow('The sweep could not reach the list of maintenance windows');
  });

  it('leaves an execution another delivery is reporting to that delivery', async () => {
    // Prepare
    const busy = runAt(1_000);
    await reach.deps().ledger.claim(key(busy), 'event-request', 60_000, {});

    // Act
    const report = await sweep({ windowIds: [busy.windowId] });

    // Assess
    expect(report.inProgress).toEqual([key(busy)]);
    expect(alerts(busy)).toHaveLength(0);
  });

  it('defers what it has no time left for to the next sweep', async () => {
    const late = runAt(1_000);
    const report = await sweep({ windowIds: [late.windowId], deadline: Date.now() - 1 });
    expect(report.deferred).toEqual([key(late)]);
    expect(alerts(late)).toHaveLength(0);
  });

  it('lists every execution it could not report, without stopping at the first', async () => {
    // Prepare: SSM lists the executions but answers DoesNotExist for their tasks
    const gone = windowExecution([], nextWindowId(), {
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    add(gone);
    const fine = runAt(1_500);
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutionTasks',
      error: { code: 'DoesNotExistException', statusCode: 400 },
    });

    // Act
    const run = sweep({ windowIds: [gone.windowId, fine.windowId] });

    // Assess
    await expect(run).rejects.toThrow(`could not reach ${key(gone)}, ${key(fine)}`);
  });

  it('reports a terminal run the API lists without an end time, by its start time', async () => {
    // Prepare: a skipped run as the API may list it, without EndTime
    const skipped = windowExecution([], nextWindowId(), {
      status: 'SKIPPED_OVERLAPPING',
      startTime: new Date(createdAt + 1_000),
    });
    add(skipped);

    // Act
    const report = await sweep({ windowIds: [skipped.windowId] });

    // Assess
    expect(report.reported).toEqual([key(skipped)]);
    expect(alerts(skipped).map((message) => message.subject)).toEqual([
      `${reach.windowTitle(skipped.windowId)}: run skipped (overlapped)`,
    ]);
  });
});
describe("sweepAccount, an assignment's Regions", () => {
  let targets: SeededAccountRegion[];
  let org: ReportDeps;
  beforeEach(() => {
    // Every seeded run started before the ledger existed and ended just after: the sweep reports it.
    targets = seedOrganization(fake, {
      accounts: 2,
      regions: ['us-east-1', 'eu-west-1'],
      endTime: new Date(createdAt + 1_000),
    });
    org = orgDeps;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("reports every Region's runs of the account through its read roles, then nothing the second time", async () => {
    const [first, second] = targets.filter((target) => target.accountId === memberAccountId(1));

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), accountName: 'member-1', regions: ['us-east-1', 'eu-west-1'] },
      org,
      accountOptions(),
    );
    const again = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['us-east-1', 'eu-west-1'] },
      org,
      accountOptions(),
    );

    expect(outcome).toMatchObject({ reported: 2, unreachable: [], failed: [], eventPathBroken: [] });
    expect(outcome.swept.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(again.reported).toBe(0);
    expect(fake.published.map((message) => message.subject).sort()).toEqual(
      [first, second]
        .map(
          (target) =>
            `Window patch-member-1-${target?.region} in ${memberAccountId(1)}/${target?.region}: ${target?.failed} failed, 0 timed out of ${20 + (target?.failed ?? 0)} targets`,
        )
        .sort(),
    );
    expect(fake.published[0]?.message).toContain(`Account:           member-1 (${memberAccountId(1)})`);
    // Every member read was signed with that member's role, once per Region.
    const memberReads = fake.calls.filter((call) => call.service === 'ssm');
    expect(memberReads.every((call) => call.accountId === memberAccountId(1))).toBe(true);
    expect(fake.assumedRoles.map((role) => `${role.roleName}@${role.signedRegion}`).sort()).toEqual([
      `${ROLE_PREFIX}-Read-eu-west-1@us-east-1`,
      `${ROLE_PREFIX}-Read-us-east-1@us-east-1`,
    ]);
  });

  it('names and counts a Region whose role is missing, and sweeps the others', async () => {
    fake.removeRole(memberAccountId(2), `${ROLE_PREFIX}-Read-eu-west-1`);

    const outcome = await sweepAccount(
      { accountId: memberAccountId(2), regions: ['us-east-1', 'eu-west-1'] },
      org,
      accountOptions(),
    );

    expect(outcome).toMatchObject({ swept: ['us-east-1'], reported: 1, failed: [] });
    expect(outcome.unreachable).toEqual([
      {
        region: 'eu-west-1',
        cause: 'assume-refused',
        reason: expect.stringContaining(
          `AccountRegionUnreachableError: Cannot read ${memberAccountId(2)}/eu-west-1: could not assume arn:aws:iam::${memberAccountId(2)}:role/${ROLE_PREFIX}-Read-eu-west-1`,
        ),
      },
    ]);
    const counted = fake.metricData.filter((datum) => datum.name === 'UnreachableTargets');
    expect(counted.map((datum) => [datum.value, datum.dimensions])).toEqual([[1, '']]);
    expect(logs.find((log) => log.message.startsWith('Cannot read a member account'))?.extra).toMatchObject({
      target: `${memberAccountId(2)}/eu-west-1`,
    });
  });

  it('counts a Region that is not enabled as unreachable', async () => {
    fake.disableRegion(memberAccountId(1), 'eu-west-1');

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['eu-west-1'] },
      org,
      accountOptions(),
    );

    expect(outcome.unreachable.map((target) => target.region)).toEqual(['eu-west-1']);
    expect(outcome.failed).toEqual([]);
  });

  it('fails the Region (so the message is delivered again) when its SSM throttles past the retries', async () => {
    fake.failEveryNth({ service: 'ssm', everyNth: 1, accountId: memberAccountId(1), region: 'eu-west-1' });

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['us-east-1', 'eu-west-1'] },
      org,
      accountOptions(),
    );

    expect(outcome.swept).toEqual(['us-east-1']);
    expect(outcome.failed.map((failure) => failure.region)).toEqual(['eu-west-1']);
    expect(outcome.unreachable).toEqual([]);
  });

  it('reports the runs, naming the account by ID, when its name cannot be recorded', async () => {
    // Prepare
    vi.spyOn(org.ledger, 'recordAccountName').mockRejectedValueOnce(new Error('AccessDenied'));

    // Act
    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), accountName: 'member-1', regions: ['us-east-1'] },
      org,
      accountOptions(),
    );

    // Assess
    expect(outcome.reported).toBe(1);
    expect(logs.map((log) => log.message)).toContain(
      'Could not record the account name; alerts name the account by ID',
    );
    expect(fake.published[0]?.message).toContain(`Account:           ${memberAccountId(1)}\n`);
  });
});

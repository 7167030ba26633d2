/**
 * The reconciliation sweep of one account-Region with real SDK clients: SSM, CloudWatch and SNS
 * on the local AWS endpoint, the ledger on dynalite.
 */
import { describe, expect, it } from 'vitest';
import { ledgerKey } from '../../../lambda/adapters/ledger';
import { reportEvent } from '../../../lambda/core/report-event';
import { SweepIncompleteError, sweepAccountRegion } from '../../../lambda/core/sweep';
import { taskExecution, windowExecution } from '../../../tools/local-aws';
import {
  createdAt,
  deps,
  fake,
  logs,
  nextWindowId,
  options,
  published,
  ran,
  useLocalReport,
} from '../../support/local-report';
import { HOME } from '../../support/records';

useLocalReport();

describe('sweep', () => {
  it('reports terminal executions that have no record, and leaves the rest alone', async () => {
    // Prepare
    const missed = ran(1_000);
    const eventReported = ran(2_000);
    const running = ran(3_000, 'IN_PROGRESS');
    const tooRecent = ran(50_000);
    await reportEvent(
      {
        kind: 'execution',
        windowId: eventReported.windowId,
        windowExecutionId: eventReported.windowExecutionId,
        status: 'SUCCESS',
        endTime: new Date(createdAt + 3_000),
        accountRegion: HOME,
      },
      {
        ...deps,
        delivery: { owner: 'event-request', leaseMs: () => 60_000, deadline: () => Date.now() + 55_000 },
      },
    );
    fake.clearCalls();

    // Act
    const report = await sweepAccountRegion(
      deps,
      options({
        windowIds: [missed, eventReported, running, tooRecent].map((e) => e.windowId),
        graceMs: 15_000,
      }),
    );

    // Assess
    expect(report).toMatchObject({
      windows: 4,
      candidates: 2,
      alreadyReported: 1,
      inProgress: [],
      deferred: [],
      unreached: [],
    });
    expect(report.reported).toEqual([ledgerKey(missed.windowExecutionId)]);
    expect(published(missed)).toHaveLength(1);
    expect(fake.published.map((message) => message.attributes.window_id?.StringValue)).toEqual([
      missed.windowId,
    ]);
    for (const other of [eventReported, running, tooRecent]) expect(published(other)).toHaveLength(0);
  });

  it('lists every window of the account when none are configured, and never reports twice', async () => {
    // Prepare
    const missed = ran(1_000);

    // Act
    const first = await sweepAccountRegion(deps, options());
    const second = await sweepAccountRegion(deps, options());

    // Assess
    expect(first.reported).toContain(ledgerKey(missed.windowExecutionId));
    expect(second.reported).toEqual([]);
    expect(second.alreadyReported).toBe(1);
    expect(published(missed)).toHaveLength(1);
    expect(fake.callsTo('ssm', 'DescribeMaintenanceWindows')).toHaveLength(2);
  });

  it('ignores executions that ended before the monitor existed or outside the look-back', async () => {
    // Prepare
    const beforeMonitor = ran(-10_000);
    const recent = ran(40_000);

    // Act
    const report = await sweepAccountRegion(
      deps,
      options({ windowIds: [beforeMonitor.windowId, recent.windowId], lookbackMs: 30_000 }),
    );

    // Assess: look-back starts at now - 30 s = creation + 30 s; SSM is asked from a day earlier
    expect(report.reported).toEqual([ledgerKey(recent.windowExecutionId)]);
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
    fake.addWindowExecution(execution);

    // Act
    const report = await sweepAccountRegion(
      deps,
      options({ windowIds: [execution.windowId], lookbackMs: 30_000 }),
    );

    // Assess
    expect(report.reported).toEqual([ledgerKey(execution.windowExecutionId)]);
  });

  it('reports each terminal task when reporting per task', async () => {
    // Prepare
    const execution = windowExecution(
      [
        taskExecution('RUN_COMMAND', { FAILED: 1 }),
        taskExecution('LAMBDA', { SUCCESS: 2 }, { status: 'IN_PROGRESS' }),
      ],
      nextWindowId(),
      { startTime: new Date(createdAt + 1_000), endTime: new Date(createdAt + 2_000) },
    );
    fake.addWindowExecution(execution);

    // Act
    const report = await sweepAccountRegion(
      deps,
      options({ windowIds: [execution.windowId], reporting: 'task' }),
    );

    // Assess
    expect(report.reported).toEqual([
      ledgerKey(execution.windowExecutionId, execution.tasks[0]?.taskExecutionId),
    ]);
  });

  it('says what it could not reach when SSM is down, and the next sweep picks it up', async () => {
    // Prepare
    const missed = ran(1_000);
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutions',
      error: { code: 'InternalServerError', statusCode: 500 },
    });

    // Act
    const down = sweepAccountRegion(deps, options({ windowIds: [missed.windowId] }));

    // Assess
    await expect(down).rejects.toBeInstanceOf(SweepIncompleteError);
    await expect(down).rejects.toThrow(
      `The sweep could not reach window ${missed.windowId}; the next sweep tries again`,
    );
    const summary = logs.find((log) => log.message === 'Sweep finished');
    expect(summary?.extra.unreached).toEqual([
      { what: `window ${missed.windowId}`, error: expect.stringContaining('InternalServerError') },
    ]);
    expect(published(missed)).toHaveLength(0);

    fake.failEveryNth(undefined);
    const next = await sweepAccountRegion(deps, options({ windowIds: [missed.windowId] }));
    expect(next.reported).toEqual([ledgerKey(missed.windowExecutionId)]);
  });

  it('says so when the list of windows cannot be read', async () => {
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindows',
      error: { code: 'InternalServerError', statusCode: 500 },
    });
    await expect(sweepAccountRegion(deps, options())).rejects.toThrow(
      'The sweep could not reach the list of maintenance windows',
    );
  });

  it('leaves an execution another delivery is reporting to that delivery', async () => {
    // Prepare
    const busy = ran(1_000);
    await deps.ledger.claim(ledgerKey(busy.windowExecutionId), 'event-request', 60_000, {});

    // Act
    const report = await sweepAccountRegion(deps, options({ windowIds: [busy.windowId] }));

    // Assess
    expect(report.inProgress).toEqual([ledgerKey(busy.windowExecutionId)]);
    expect(published(busy)).toHaveLength(0);
  });

  it('defers what it has no time left for to the next sweep', async () => {
    const late = ran(1_000);
    const report = await sweepAccountRegion(
      deps,
      options({ windowIds: [late.windowId], deadline: Date.now() - 1 }),
    );
    expect(report.deferred).toEqual([ledgerKey(late.windowExecutionId)]);
    expect(published(late)).toHaveLength(0);
  });

  it('lists every execution it could not report, without stopping at the first', async () => {
    // Prepare: SSM lists the executions but answers DoesNotExist for their tasks
    const gone = windowExecution([], nextWindowId(), {
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(gone);
    const fine = ran(1_500);
    fake.failEveryNth({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutionTasks',
      error: { code: 'DoesNotExistException', statusCode: 400 },
    });

    // Act
    const run = sweepAccountRegion(deps, options({ windowIds: [gone.windowId, fine.windowId] }));

    // Assess
    await expect(run).rejects.toThrow(
      `could not reach ${ledgerKey(gone.windowExecutionId)}, ${ledgerKey(fine.windowExecutionId)}`,
    );
  });
});

describe('sweep, with what the API leaves out', () => {
  it('reports a terminal run that has no end time, by its start time', async () => {
    // Prepare: a skipped run as the API may list it, without EndTime
    const skipped = windowExecution([], nextWindowId(), {
      status: 'SKIPPED_OVERLAPPING',
      startTime: new Date(createdAt + 1_000),
    });
    fake.addWindowExecution(skipped);

    // Act
    const report = await sweepAccountRegion(deps, options({ windowIds: [skipped.windowId] }));

    // Assess
    expect(report.reported).toEqual([ledgerKey(skipped.windowExecutionId)]);
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Maintenance window ${skipped.windowId}: run skipped (overlapped)`,
    ]);
  });
});

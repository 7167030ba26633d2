/**
 * The reconciliation sweep with real SDK clients: SSM, CloudWatch and SNS on the local AWS
 * endpoint, the ledger on dynalite.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HomeReader } from '../../../lambda/adapters/ssm-reader';
import { type ReportDeps, reportEvent } from '../../../lambda/core/report-event';
import { SweepIncompleteError, type SweepOptions, sweepAccountRegion } from '../../../lambda/core/sweep';
import { Ledger, ledgerKey } from '../../../lambda/ledger';
import {
  type FakeWindowExecution,
  LocalAws,
  type LocalDynamo,
  type StatusCounts,
  startDynamo,
  taskExecution,
  windowExecution,
  windowId,
} from '../../../tools/local-aws';
import { type TestClock, testClock } from '../../support/clock';
import { HOME, ONE_ACCOUNT } from '../../support/records';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
let fake: LocalAws;
let dynamo: LocalDynamo;
let deps: ReportDeps;
let logs: { message: string; extra: Record<string, unknown> }[];
let createdAt: number;
let table: string;

function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

beforeAll(async () => {
  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  dynamo = await startDynamo();
});
afterAll(async () => {
  await fake.stop();
  await dynamo.stop();
});

beforeEach(async () => {
  // Each test sees only its own executions, so counts are exact.
  fake.reset();
  table = await dynamo.createLedgerTable();
  const ledger = new Ledger(dynamo.client, table, 17 * 86_400);
  createdAt = (await ledger.createdAt()).getTime();
  logs = [];
  const log = (message: string, ...extra: Record<string, unknown>[]) =>
    logs.push({ message, extra: Object.assign({}, ...extra) });
  const ssm = new SSMClient(clientConfig());
  deps = {
    clients: {
      ssm,
      cloudWatch: new CloudWatchClient(clientConfig()),
      sns: new SNSClient(clientConfig()),
    },
    config: {
      alertTopicArn: TOPIC_ARN,
      metricNamespace: 'MaintenanceWindowMonitor',
      partition: 'aws',
    },
    logger: { info: log, warn: log, error: log },
    ledger,
    reach: ONE_ACCOUNT,
    reader: new HomeReader(ssm),
    delivery: { owner: 'sweep-request', leaseMs: () => 60_000, deadline: () => Date.now() + 55_000 },
  };
});

let nextWindow = 0x500;

/** An execution of a new window that ran `startOffset` ms after the ledger table was created. */
function ran(
  startOffset: number,
  status: FakeWindowExecution['status'] = 'SUCCESS',
  counts: StatusCounts = { SUCCESS: 8, FAILED: 2 },
): FakeWindowExecution {
  const execution = windowExecution([taskExecution('RUN_COMMAND', counts)], windowId(++nextWindow), {
    status,
    startTime: new Date(createdAt + startOffset),
    endTime: new Date(createdAt + startOffset + 1_000),
  });
  fake.addWindowExecution(execution);
  return execution;
}

function options(overrides: Partial<SweepOptions> = {}): SweepOptions {
  const now = createdAt + 60_000;
  return {
    lookbackMs: 86_400_000,
    graceMs: 0,
    reporting: 'execution',
    deadline: Date.now() + 60_000,
    now,
    accountRegion: HOME,
    ...overrides,
  };
}

function published(execution: FakeWindowExecution) {
  return fake
    .callsTo('monitoring', 'PutMetricData')
    .filter((call) => JSON.stringify(call.input).includes(execution.windowId));
}

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
    const execution = windowExecution([taskExecution('RUN_COMMAND', { FAILED: 1 })], windowId(++nextWindow), {
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
      windowId(++nextWindow),
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
    const gone = windowExecution([], windowId(++nextWindow), {
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
    const skipped = windowExecution([], windowId(++nextWindow), {
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

describe('reportEvent', () => {
  const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:chat';

  function eventOf(
    execution: FakeWindowExecution,
    status: 'SUCCESS' | 'TIMED_OUT' | 'CANCELLED' = 'SUCCESS',
  ) {
    return {
      kind: 'execution' as const,
      windowId: execution.windowId,
      windowExecutionId: execution.windowExecutionId,
      status,
      endTime: new Date(createdAt + 2_000),
      accountRegion: HOME,
    };
  }

  function metricValues(call: { input: Record<string, unknown> } | undefined): Record<string, number> {
    const data = (call?.input.MetricData ?? []) as {
      MetricName: string;
      Dimensions: unknown[];
      Value: number;
    }[];
    return Object.fromEntries(
      data
        .filter((datum) => datum.Dimensions.length === 0 || datum.MetricName === 'ExecutionsCompleted')
        .map((datum) => [datum.MetricName, datum.Value]),
    );
  }

  it('counts what finished of a run cut off with invocations still running, and the rest once they finish', async () => {
    // Prepare: the run timed out while 3 of its 10 targets were still being patched
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 5, FAILED: 2, IN_PROGRESS: 2, PENDING: 1 });
    const execution = windowExecution([task], windowId(++nextWindow), {
      status: 'TIMED_OUT',
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(execution);
    const key = ledgerKey(execution.windowExecutionId);

    // Act: the event arrives; later the 3 finish (1 more failure); then two sweeps run
    const first = await reportEvent(eventOf(execution, 'TIMED_OUT'), deps);
    const finished = task.invocations.map((invocation, i) =>
      invocation.Status === 'IN_PROGRESS' || invocation.Status === 'PENDING'
        ? { ...invocation, Status: i % 2 === 0 ? ('FAILED' as const) : ('SUCCESS' as const) }
        : invocation,
    );
    const failedLater = finished.filter((i) => i.Status === 'FAILED').length - 2;
    fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });
    const swept = await sweepAccountRegion(deps, options({ windowIds: [execution.windowId] }));
    const sweptAgain = await sweepAccountRegion(deps, options({ windowIds: [execution.windowId] }));

    // Assess
    expect(first).toEqual({
      total: 7,
      failed: 2,
      timedOut: 0,
      cancelled: 0,
      tasks: 1,
      running: 3,
      alertMessageId: expect.any(String),
    });
    expect(swept.reported).toEqual([key]);
    expect(sweptAgain).toMatchObject({ reported: [], alreadyReported: 1 });
    const [whatFinished, theRest, ...more] = published(execution);
    expect(more).toEqual([]);
    expect(metricValues(whatFinished)).toEqual({
      FailedInvocations: 2,
      TimedOutInvocations: 0,
      CancelledInvocations: 0,
      Invocations: 7,
      ExecutionsCompleted: 1,
    });
    // Only what finished since: the heartbeat and the first 7 are not published again.
    expect(metricValues(theRest)).toEqual({
      FailedInvocations: failedLater,
      TimedOutInvocations: 0,
      CancelledInvocations: 0,
      Invocations: 3,
    });
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Maintenance window ${execution.windowId}: 2 failed, 0 timed out of 7 targets`,
      `Update: maintenance window ${execution.windowId}: ${2 + failedLater} failed, 0 timed out of 10 targets`,
    ]);
    expect(fake.published[0]?.message).toContain('Still running:     3');
  });

  it('leaves a run whose last invocations finished cleanly without an update alert', async () => {
    // Prepare: alerted for 1 failure while 2 invocations still ran; both then succeed
    const task = taskExecution('AUTOMATION', { FAILED: 1, IN_PROGRESS: 2 });
    const execution = windowExecution([task], windowId(++nextWindow), {
      status: 'CANCELLED',
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(execution);
    await reportEvent(eventOf(execution, 'CANCELLED'), deps);
    const finished = task.invocations.map((i) =>
      i.Status === 'IN_PROGRESS' ? { ...i, Status: 'SUCCESS' as const } : i,
    );
    fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });

    // Act
    const swept = await sweepAccountRegion(deps, options({ windowIds: [execution.windowId] }));

    // Assess
    expect(swept.reported).toEqual([ledgerKey(execution.windowExecutionId)]);
    expect(fake.published).toHaveLength(1);
    expect(published(execution)).toHaveLength(2);
  });

  it('sends the alert as text with attributes subscribers receive, and the chat card to the chat topic', async () => {
    // Prepare
    fake.addTopic(CHAT_TOPIC_ARN);
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 3, TIMED_OUT: 1 });
    const chatDeps = { ...deps, config: { ...deps.config, chatTopicArn: CHAT_TOPIC_ARN } };

    // Act
    const result = await reportEvent(eventOf(execution), chatDeps);
    const again = await reportEvent(eventOf(execution), chatDeps);

    // Assess
    expect(again).toEqual({ duplicate: true });
    const [alert, card, ...more] = fake.published;
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      topicArn: TOPIC_ARN,
      messageId: (result as { alertMessageId: string }).alertMessageId,
    });
    expect(alert?.variants).toBeUndefined();
    expect(alert?.deliveredAttributes).toEqual({
      window_id: { DataType: 'String', StringValue: execution.windowId },
      status: { DataType: 'String', StringValue: 'TIMED_OUT' },
      execution_status: { DataType: 'String', StringValue: 'SUCCESS' },
    });
    expect(card?.topicArn).toBe(CHAT_TOPIC_ARN);
    expect(JSON.parse(card?.message ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: alert?.subject },
    });
  });

  it('resumes a delivery that died after the alert and before completing, sending nothing again', async () => {
    // Prepare: the first delivery's completion fails (a crash between the last step and the end)
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 2 });
    const crashing: Ledger = Object.create(deps.ledger);
    crashing.complete = async () => {
      throw new Error('the function timed out');
    };

    // Act
    const first = reportEvent(eventOf(execution), { ...deps, ledger: crashing });
    await expect(first).rejects.toThrow('the function timed out');
    const retry = await reportEvent(eventOf(execution), deps);

    // Assess
    expect(retry).toMatchObject({ failed: 2 });
    expect(published(execution)).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
    expect(logs.map((log) => log.message)).toEqual(
      expect.arrayContaining([
        'Metrics were published by an earlier attempt; not publishing them again',
        'The alert was sent by an earlier attempt; not sending it again',
      ]),
    );
    expect(await deps.ledger.completed([ledgerKey(execution.windowExecutionId)])).toEqual(
      new Set([ledgerKey(execution.windowExecutionId)]),
    );
  });

  it('still fails with the first error when the lease cannot be given back, which then expires by itself', async () => {
    // Prepare: SNS refuses the alert, and the ledger refuses to release the lease
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 2 });
    const stuck: Ledger = Object.create(deps.ledger);
    stuck.release = async () => {
      throw new Error('DynamoDB is unavailable');
    };
    fake.failEveryNth({ everyNth: 1, service: 'sns', error: { code: 'InternalError', statusCode: 500 } });

    // Act
    const delivery = reportEvent(eventOf(execution), { ...deps, ledger: stuck });

    // Assess
    await expect(delivery).rejects.toMatchObject({ name: 'InternalErrorException' });
    expect(logs).toContainEqual({
      message: 'Could not release the lease; it expires by itself',
      extra: { error: 'Error: DynamoDB is unavailable' },
    });
  });

  describe('when the ledger fails right after a publish', () => {
    let flaky: ReportDeps;
    let clock: TestClock;

    beforeEach(() => {
      // The ledger's DynamoDB calls go through the local endpoint, which can fail them on cue.
      fake.forwardDynamoDb(dynamo.endpoint);
      clock = testClock();
      flaky = {
        ...deps,
        ledger: new Ledger(new DynamoDBClient(clientConfig()), table, 17 * 86_400),
        clock,
      };
    });

    it.each([
      ['the metrics', { service: 'monitoring' as const, operation: 'PutMetricData' }],
      ['the alert', { service: 'sns' as const, operation: 'Publish' }],
    ])(
      'keeps trying to record %s while the lease lasts, so a retry does not publish it again',
      async (what, after) => {
        // Prepare: DynamoDB fails 4 calls in a row right after the publish
        const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
        fake.failAfter({ after, service: 'dynamodb', calls: 4 });

        // Act
        const result = await reportEvent(eventOf(execution), flaky);
        const retry = await reportEvent(eventOf(execution), flaky);

        // Assess
        expect(result).toMatchObject({ failed: 1 });
        expect(retry).toEqual({ duplicate: true });
        expect(published(execution)).toHaveLength(1);
        expect(fake.published).toHaveLength(1);
        expect(clock.waits).toEqual([250, 500, 1_000, 2_000]);
        expect(
          logs.filter((log) => log.message.startsWith(`Published ${what}, but could not record it yet`)),
        ).toHaveLength(4);
      },
    );

    it('does not retry a refusal that will not go away, and says what a retry will repeat', async () => {
      // Prepare: the ledger's role lost its DynamoDB access right after the publish
      const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
      fake.failAfter({
        after: { service: 'monitoring', operation: 'PutMetricData' },
        service: 'dynamodb',
        calls: 1,
        error: { code: 'AccessDeniedException', statusCode: 400 },
      });

      // Act
      const failed = reportEvent(eventOf(execution), flaky);

      // Assess
      await expect(failed).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(clock.waits).toEqual([]);
      expect(logs.map((log) => log.message)).toContain(
        'Published the metrics, but the ledger refused to record it: a retry of this event will publish the metrics again',
      );
    });

    it('gives up when the lease runs out, saying loudly what a retry will repeat', async () => {
      // Prepare: no time left in the lease
      const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
      fake.failAfter({
        after: { service: 'monitoring', operation: 'PutMetricData' },
        service: 'dynamodb',
        calls: 2,
      });
      const late = { ...flaky, delivery: { ...flaky.delivery, deadline: () => Date.now() } };

      // Act
      const failed = reportEvent(eventOf(execution), late);

      // Assess
      await expect(failed).rejects.toMatchObject({ name: 'InternalServerError' });
      expect(logs.map((log) => log.message)).toContain(
        'Published the metrics, but could not record it in the ledger while the lease lasted: a retry of this event will publish the metrics again',
      );
      expect(fake.published).toHaveLength(0);
    });
  });
});

/**
 * The reconciliation sweep with real SDK clients: SSM, CloudWatch and SNS on the local AWS
 * endpoint, the ledger on dynalite.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../lambda/config';
import { Ledger, ledgerKey } from '../../lambda/ledger';
import { type MonitorDeps, reportEvent } from '../../lambda/monitor';
import { SweepIncompleteError, type SweepOptions, sweep } from '../../lambda/sweep';
import { type LocalDynamo, startDynamo } from '../support/dynamo';
import { FakeAws, type FakeWindowExecution } from '../support/fake-aws';
import { taskExecution, windowExecution, windowId } from '../support/fixtures';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
let fake: FakeAws;
let dynamo: LocalDynamo;
let deps: MonitorDeps;
let logs: { message: string; extra: Record<string, unknown> }[];
let createdAt: number;

function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

beforeAll(async () => {
  fake = await FakeAws.start();
  fake.addTopic(TOPIC_ARN);
  dynamo = await startDynamo();
});
afterAll(async () => {
  await fake.stop();
  await dynamo.stop();
});

beforeEach(async () => {
  fake.clearCalls();
  const table = await dynamo.createLedgerTable();
  const ledger = new Ledger(dynamo.client, table, 8 * 86_400);
  createdAt = (await ledger.createdAt()).getTime();
  logs = [];
  const log = (message: string, ...extra: Record<string, unknown>[]) =>
    logs.push({ message, extra: Object.assign({}, ...extra) });
  deps = {
    clients: {
      ssm: new SSMClient(clientConfig()),
      cloudWatch: new CloudWatchClient(clientConfig()),
      sns: new SNSClient(clientConfig()),
    },
    config: {
      alertTopicArn: TOPIC_ARN,
      metricNamespace: 'MaintenanceWindowMonitor',
      region: 'us-east-1',
      partition: 'aws',
    } as Config,
    logger: { info: log, warn: log },
    ledger,
    delivery: { owner: 'sweep-request', leaseMs: () => 60_000 },
  };
});

let nextWindow = 0x500;

/** An execution of a new window that ran `startOffset` ms after the ledger table was created. */
function ran(
  startOffset: number,
  status: FakeWindowExecution['status'] = 'SUCCESS',
  counts = { SUCCESS: 8, FAILED: 2 },
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
      },
      { ...deps, delivery: { owner: 'event-request', leaseMs: () => 60_000 } },
    );
    fake.clearCalls();

    // Act
    const report = await sweep(
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
    const first = await sweep(deps, options());
    const second = await sweep(deps, options());

    // Assess
    expect(first.reported).toContain(ledgerKey(missed.windowExecutionId));
    expect(second.reported).toEqual([]);
    expect(second.alreadyReported).toBeGreaterThanOrEqual(1);
    expect(published(missed)).toHaveLength(1);
    expect(fake.callsTo('ssm', 'DescribeMaintenanceWindows').length).toBeGreaterThanOrEqual(2);
  });

  it('ignores executions that ended before the monitor existed or outside the look-back', async () => {
    // Prepare
    const beforeMonitor = ran(-10_000);
    const recent = ran(40_000);

    // Act
    const report = await sweep(
      deps,
      options({ windowIds: [beforeMonitor.windowId, recent.windowId], lookbackMs: 30_000 }),
    );

    // Assess: look-back starts at now - 30 s = creation + 30 s; SSM is asked from a day earlier
    expect(report.reported).toEqual([ledgerKey(recent.windowExecutionId)]);
    const after = fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutions')[0]?.input.Filters;
    expect(after).toEqual([
      { Key: 'ExecutedAfter', Values: [new Date(createdAt + 30_000 - 24 * 3_600_000).toISOString()] },
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
    const report = await sweep(deps, options({ windowIds: [execution.windowId], lookbackMs: 30_000 }));

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
    const report = await sweep(deps, options({ windowIds: [execution.windowId], reporting: 'task' }));

    // Assess
    expect(report.reported).toEqual([
      ledgerKey(execution.windowExecutionId, execution.tasks[0]?.taskExecutionId),
    ]);
  });

  it('says what it could not reach when SSM is down, and the next sweep picks it up', async () => {
    // Prepare
    const missed = ran(1_000);
    fake.throttle({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutions',
      error: { code: 'InternalServerError', statusCode: 500 },
    });

    // Act
    const down = sweep(deps, options({ windowIds: [missed.windowId] }));

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

    fake.throttle(undefined);
    const next = await sweep(deps, options({ windowIds: [missed.windowId] }));
    expect(next.reported).toEqual([ledgerKey(missed.windowExecutionId)]);
  });

  it('says so when the list of windows cannot be read', async () => {
    fake.throttle({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindows',
      error: { code: 'InternalServerError', statusCode: 500 },
    });
    await expect(sweep(deps, options())).rejects.toThrow(
      'The sweep could not reach the list of maintenance windows',
    );
  });

  it('leaves an execution another delivery is reporting to that delivery', async () => {
    // Prepare
    const busy = ran(1_000);
    await deps.ledger.claim(ledgerKey(busy.windowExecutionId), 'event-request', 60_000, {});

    // Act
    const report = await sweep(deps, options({ windowIds: [busy.windowId] }));

    // Assess
    expect(report.inProgress).toEqual([ledgerKey(busy.windowExecutionId)]);
    expect(published(busy)).toHaveLength(0);
  });

  it('defers what it has no time left for to the next sweep', async () => {
    const late = ran(1_000);
    const report = await sweep(deps, options({ windowIds: [late.windowId], deadline: Date.now() - 1 }));
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
    fake.throttle({
      everyNth: 1,
      service: 'ssm',
      operation: 'DescribeMaintenanceWindowExecutionTasks',
      error: { code: 'DoesNotExistException', statusCode: 400 },
    });

    // Act
    const run = sweep(deps, options({ windowIds: [gone.windowId, fine.windowId] }));

    // Assess
    await expect(run).rejects.toThrow(
      `could not reach ${ledgerKey(gone.windowExecutionId)}, ${ledgerKey(fine.windowExecutionId)}`,
    );
  });
});

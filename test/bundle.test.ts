/**
 * The synthesized bundle, run as Lambda runs it: the asset `cdk synth` produced, loaded in a
 * fresh Node 24 process with the template's environment, calling the local AWS endpoint.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../lambda/adapters/ledger';
import { MaintenanceWindowMonitorStack } from '../lib/maintenance-window-monitor-stack';
import {
  allowedActionsOf,
  bundleBytes,
  type DeployedFunction,
  deployedFunctions,
  type Invocation,
  type InvokeOptions,
  invokeBundle,
  resolveEnvironment,
  stackTemplates,
} from '../tools/lambda-runner/bundle';
import {
  executionEvent,
  type FakeTaskExecution,
  type FakeWindowExecution,
  type HoldRule,
  LocalAws,
  type LocalDynamo,
  type RecordedCall,
  startDynamo,
  taskExecution,
  taskExecutionEvent,
  uuid,
  windowExecution,
  windowId,
} from '../tools/local-aws';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-AlertTopic';
const WINDOW_NAME = 'patch-prod-linux';
const SSM_LIST_INVOCATIONS = 'DescribeMaintenanceWindowExecutionTaskInvocations';

let fake: LocalAws;
let dynamo: LocalDynamo;
let fn: DeployedFunction;
let sweepFn: DeployedFunction;
let ledgerTable: string;

beforeAll(async () => {
  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  fake.addWindow({ windowId: windowId(), name: WINDOW_NAME });
  dynamo = await startDynamo();
  fake.forwardDynamoDb(dynamo.endpoint);
  const functions = deployedFunctions(inject('assemblyDir'));
  expect(functions.map((f) => f.handler).sort()).toEqual(['index.handler', 'index.sweep']);
  fn = functions.find((f) => f.handler === 'index.handler') as DeployedFunction;
  sweepFn = functions.find((f) => f.handler === 'index.sweep') as DeployedFunction;
});

afterAll(async () => {
  await fake.stop();
  await dynamo.stop();
});

beforeEach(async () => {
  fake.clearCalls();
  ledgerTable = await dynamo.createLedgerTable();
});

function invoke(
  event: unknown,
  overrides: Record<string, string> = {},
  target: DeployedFunction = fn,
  lambda: Pick<InvokeOptions, 'requestId' | 'end'> = {},
): Promise<Invocation> {
  return invokeBundle({
    ...lambda,
    fn: target,
    event,
    endpoint: fake.endpoint,
    // The template's variables resolved, and the overrides, including ones the template lacks.
    environment: {
      ...resolveEnvironment(target, {
        ALERT_TOPIC_ARN: TOPIC_ARN,
        LEDGER_TABLE_NAME: ledgerTable,
        ...overrides,
      }),
      ...overrides,
    },
  });
}

/** A window execution the local SSM knows, run by the named window unless `window` says otherwise. */
function seed(tasks: FakeTaskExecution[], window = windowId()): FakeWindowExecution {
  const execution = windowExecution(tasks, window);
  fake.addWindowExecution(execution);
  return execution;
}

function metricValues(call: RecordedCall | undefined): Record<string, number> {
  const data = (call?.input.MetricData ?? []) as {
    MetricName: string;
    Dimensions: unknown[];
    Value: number;
  }[];
  return Object.fromEntries(
    data.map((datum) => [`${datum.MetricName}${datum.Dimensions.length ? '/window' : ''}`, datum.Value]),
  );
}

function unhealthy(task: FakeTaskExecution) {
  return task.invocations.filter((i) => i.Status === 'FAILED' || i.Status === 'TIMED_OUT');
}

function instanceOf(parameters: string | undefined): string {
  const parsed = JSON.parse(parameters ?? '{}');
  return parsed.instanceIds?.[0] ?? parsed.parameters?.InstanceId?.[0];
}

describe('the deployed bundle', () => {
  it('targets Node 24, is loaded by Node 24, and stays small', async () => {
    // Act
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { SUCCESS: 3 })])));

    // Assess
    expect(fn.runtime).toBe('nodejs24.x');
    expect(run.nodeVersion).toMatch(/^v24\./);
    expect(run.ok).toBe(true);
    expect(bundleBytes(fn.assetDir)).toBeLessThan(600 * 1024);
  });

  it('counts failures across two tasks of different types exactly and sends one alert', async () => {
    // Prepare
    const patch = taskExecution('RUN_COMMAND', { SUCCESS: 280, FAILED: 15, TIMED_OUT: 5 });
    const restart = taskExecution('AUTOMATION', { SUCCESS: 188, FAILED: 7, TIMED_OUT: 3, CANCELLED: 2 });
    const execution = seed([patch, restart]);
    const endTime = new Date();

    // Act
    const run = await invoke(executionEvent(execution, 'SUCCESS', endTime));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ total: 500, failed: 22, timedOut: 8, cancelled: 2, tasks: 2 });

    expect(fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutionTasks')).toHaveLength(1);
    const pages = fake.callsTo('ssm', SSM_LIST_INVOCATIONS);
    expect(pages.map((call) => [call.input.TaskId, call.input.MaxResults])).toEqual([
      [patch.taskExecutionId, 100],
      [patch.taskExecutionId, 100],
      [patch.taskExecutionId, 100],
      [restart.taskExecutionId, 100],
      [restart.taskExecutionId, 100],
    ]);

    const metrics = fake.callsTo('monitoring', 'PutMetricData');
    expect(metrics).toHaveLength(1);
    expect(metrics[0]?.input.Namespace).toBe('MaintenanceWindowMonitor');
    expect(metricValues(metrics[0])).toEqual({
      'FailedInvocations/window': 22,
      FailedInvocations: 22,
      'TimedOutInvocations/window': 8,
      TimedOutInvocations: 8,
      'CancelledInvocations/window': 2,
      CancelledInvocations: 2,
      'Invocations/window': 500,
      Invocations: 500,
      'ExecutionsCompleted/window': 1,
    });
    const data = metrics[0]?.input.MetricData as { Timestamp: number; Unit: string; Dimensions: unknown[] }[];
    expect(data.map((datum) => [datum.Timestamp, datum.Unit])).toEqual(
      data.map(() => [endTime.getTime() / 1000, 'Count']),
    );
    expect(data.filter((datum) => datum.Dimensions.length === 1).map((datum) => datum.Dimensions[0])).toEqual(
      Array(5).fill({ Name: 'WindowId', Value: execution.windowId }),
    );

    expect(fake.published).toHaveLength(1);
    const alert = fake.published[0];
    expect(alert?.subject).toBe(
      `Maintenance window ${WINDOW_NAME} (${execution.windowId}): 22 failed, 8 timed out of 500 targets`,
    );
    // What subscribers receive, and filter policies match: SNS drops attributes of JSON-structured messages.
    expect(alert?.deliveredAttributes).toEqual({
      window_id: { DataType: 'String', StringValue: execution.windowId },
      status: { DataType: 'String', StringValue: 'FAILED' },
      execution_status: { DataType: 'String', StringValue: 'SUCCESS' },
    });
    expect(alert?.message).toContain(
      `Task ${patch.taskExecutionId}: AWS-RunPatchBaseline (RUN_COMMAND), status SUCCESS\n  15 of 300 failed, 5 timed out, 0 cancelled\n`,
    );
    expect(alert?.message).toContain(
      `Task ${restart.taskExecutionId}: AWS-RestartEC2Instance (AUTOMATION), status SUCCESS\n  7 of 200 failed, 3 timed out, 2 cancelled\n`,
    );
    for (const invocation of [...unhealthy(patch), ...unhealthy(restart)]) {
      expect(alert?.message).toContain(
        `${invocation.Status.padEnd(9)} ${instanceOf(invocation.Parameters)} (`,
      );
    }
    expect(alert?.message).not.toContain('more not listed');
  });

  it('names every failed target of a 5-failure run with its status details', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 95, FAILED: 3, TIMED_OUT: 2 });
    const execution = seed([task]);

    // Act
    await invoke(executionEvent(execution));

    // Assess
    const message = fake.published[0]?.message ?? '';
    const listed = message.split('\n').filter((line) => /^ {4}(FAILED|TIMED_OUT) /.test(line));
    expect(listed.sort()).toEqual(
      unhealthy(task)
        .map(
          (i) =>
            `    ${i.Status.padEnd(9)} ${instanceOf(i.Parameters)} (command ${i.ExecutionId}): ${i.StatusDetails}`,
        )
        .sort(),
    );
  });

  it('publishes zeros and sends no alert for a clean run', async () => {
    // Act
    const run = await invoke(
      executionEvent(
        seed([taskExecution('STEP_FUNCTIONS', { SUCCESS: 40 }), taskExecution('LAMBDA', { SUCCESS: 2 })]),
      ),
    );

    // Assess
    expect(run.result).toEqual({ total: 42, failed: 0, timedOut: 0, cancelled: 0, tasks: 2 });
    expect(Object.values(metricValues(fake.callsTo('monitoring', 'PutMetricData')[0]))).toEqual([
      0, 0, 0, 0, 0, 0, 42, 42, 1,
    ]);
    expect(fake.callsTo('sns')).toHaveLength(0);
    expect(fake.callsTo('ssm', 'GetMaintenanceWindow')).toHaveLength(0);
  });

  it('gives identical results when every third SSM call is throttled', async () => {
    // Prepare
    const execution = seed([
      taskExecution('RUN_COMMAND', { SUCCESS: 230, FAILED: 12, TIMED_OUT: 4 }),
      taskExecution('LAMBDA', { SUCCESS: 140, FAILED: 9 }),
    ]);
    const event = executionEvent(execution);
    const calm = await invoke(event);
    const calmMetrics = metricValues(fake.callsTo('monitoring', 'PutMetricData')[0]);
    const calmAlert = fake.published[0];
    fake.clearCalls();
    ledgerTable = await dynamo.createLedgerTable(); // a first delivery again, not a duplicate
    fake.failEveryNth({ everyNth: 3, service: 'ssm' });

    // Act
    const throttled = await invoke(event);

    // Assess
    expect(
      fake.calls.filter((call) => call.errorCode === 'ThrottlingException').length,
    ).toBeGreaterThanOrEqual(3);
    expect(throttled.result).toEqual({
      ...(calm.result as object),
      alertMessageId: fake.published[0]?.messageId,
    });
    expect(metricValues(fake.callsTo('monitoring', 'PutMetricData')[0])).toEqual(calmMetrics);
    expect(fake.published).toHaveLength(1);
    expect(fake.published[0]?.subject).toBe(calmAlert?.subject);
    expect(fake.published[0]?.message).toBe(calmAlert?.message);
  });

  it('counts a 10,000-target task exactly with at most 101 invocation-list calls', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 9_000, FAILED: 700, TIMED_OUT: 250, CANCELLED: 50 });

    // Act
    const run = await invoke(executionEvent(seed([task])));

    // Assess
    expect(run.result).toMatchObject({ total: 10_000, failed: 700, timedOut: 250, cancelled: 50 });
    expect(fake.callsTo('ssm', SSM_LIST_INVOCATIONS).length).toBeLessThanOrEqual(101);
    expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
  });

  it('keeps the alert for a 5,000-failure run under 256 KB', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { FAILED: 4_000, TIMED_OUT: 1_000 });

    // Act
    const run = await invoke(executionEvent(seed([task])));

    // Assess
    expect(run.ok).toBe(true);
    const message = fake.published[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    const listed = message.split('\n').filter((line) => /^ {4}(FAILED|TIMED_OUT) /.test(line)).length;
    expect(listed).toBeGreaterThan(100);
    expect(message).toContain(`    +${5_000 - listed} more not listed\n`);
  });

  it('reports a single task when given a task execution event', async () => {
    // Prepare: a window whose name SSM does not know
    const task = taskExecution('AUTOMATION', { SUCCESS: 20, FAILED: 1 }, { status: 'FAILED' });
    const execution = seed([task, taskExecution('RUN_COMMAND', { FAILED: 5 })], windowId(2));

    // Act
    const run = await invoke(taskExecutionEvent(execution, task, 'FAILED'));

    // Assess
    expect(run.result).toMatchObject({ total: 21, failed: 1, tasks: 1 });
    expect(fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutionTasks')).toHaveLength(0);
    expect(fake.callsTo('ssm', SSM_LIST_INVOCATIONS).map((call) => call.input.TaskId)).toEqual([
      task.taskExecutionId,
    ]);
    expect(fake.published[0]?.subject).toBe(
      `Maintenance window ${execution.windowId}: 1 failed, 0 timed out of 21 targets`,
    );
    expect(
      run.logs.some((line) => line.level === 'WARN' && String(line.error).includes('DoesNotExistException')),
    ).toBe(true);
  });

  it('never writes Parameters or OwnerInformation to its logs or alert', async () => {
    // Prepare: every fixture's Parameters and OwnerInformation carry the string "hunter2"
    const execution = seed([
      taskExecution('AUTOMATION', { FAILED: 12, SUCCESS: 3 }),
      taskExecution('STEP_FUNCTIONS', { FAILED: 2 }),
      taskExecution('LAMBDA', { TIMED_OUT: 2 }),
    ]);

    // Act
    const run = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(true);
    expect(run.logs.length).toBeGreaterThan(0);
    expect(run.output).not.toContain('hunter2');
    expect(fake.published[0]?.message).not.toContain('hunter2');
  });

  const ended = new Date(Date.now() - 3_600_000).toISOString();
  const validDetail = {
    'window-id': windowId(),
    'window-execution-id': uuid(),
    status: 'SUCCESS',
    'end-time': ended.replace(/\.\d+Z$/, '.5Z'),
  };
  const base = {
    source: 'aws.ssm',
    'detail-type': 'Maintenance Window Execution State-change Notification',
    time: ended.replace(/\.\d+Z$/, 'Z'),
    detail: validDetail,
  };
  const STALE = new Date(Date.now() - 17 * 86_400_000).toISOString();
  it.each([
    ['no detail', { ...base, detail: undefined }, 'detail', 'an object, got nothing'],
    ['the wrong source', { ...base, source: 'aws.ec2' }, 'source', '"aws.ssm", got "aws.ec2"'],
    [
      'an unsupported detail-type',
      { ...base, 'detail-type': 'Maintenance Window State-change Notification' },
      'detail-type',
      '"Maintenance Window Execution State-change Notification" or "Maintenance Window Task Execution State-change Notification", got "Maintenance Window State-change Notification"',
    ],
    [
      "the AWS sample's 18-digit window id",
      { ...base, detail: { ...validDetail, 'window-id': 'mw-123456789012345678' } },
      'detail.window-id',
      '"mw-" followed by 17 lowercase hex digits, got "mw-123456789012345678"',
    ],
    [
      'an EXAMPLE execution id',
      { ...base, detail: { ...validDetail, 'window-execution-id': '14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE' } },
      'detail.window-execution-id',
      'a 36-character UUID, got "14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE"',
    ],
    [
      'a task event without a task id',
      { ...base, 'detail-type': 'Maintenance Window Task Execution State-change Notification' },
      'detail.task-execution-id',
      'a 36-character UUID, got nothing',
    ],
    [
      'a non-terminal status',
      { ...base, detail: { ...validDetail, status: 'IN_PROGRESS' } },
      'detail.status',
      'one of SUCCESS, FAILED, TIMED_OUT, CANCELLED, SKIPPED_OVERLAPPING, got "IN_PROGRESS"',
    ],
    [
      'an unparseable end time',
      { ...base, detail: { ...validDetail, 'end-time': '28/11/2026 02:10' } },
      'detail.end-time',
      'an ISO 8601 timestamp, got "28/11/2026 02:10"',
    ],
    [
      'an end time in the year 2999',
      { ...base, detail: { ...validDetail, 'end-time': '2999-01-01T00:00:00Z' } },
      'detail.end-time',
      'a time no later than 15 minutes from now, got "2999-01-01T00:00:00Z"',
    ],
    [
      'an end time older than any queue keeps an event (a stale replay)',
      { ...base, detail: { ...validDetail, 'end-time': STALE } },
      'detail.end-time',
      `a time within the last 16 days (an older event is stale: its run may already have been reported and forgotten), got "${STALE}"`,
    ],
  ])(
    'rejects an event with %s, naming the field, before any AWS call',
    async (_, event, field, expectation) => {
      // Act
      const run = await invoke(event);

      // Assess
      expect(run.ok).toBe(false);
      expect(run.error).toEqual({
        name: 'InvalidEventError',
        message: `Invalid event: ${field} must be ${expectation}`,
      });
      expect(fake.calls).toHaveLength(0);
      expect(run.logs.some((line) => line.level === 'ERROR' && line.field === field)).toBe(true);
    },
  );

  it('fails loudly and publishes nothing when the execution history is gone', async () => {
    // Prepare: a well-formed event for an execution SSM no longer knows
    const execution = windowExecution([taskExecution('RUN_COMMAND', { FAILED: 1 })]);

    // Act
    const run = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(false);
    expect(run.error?.name).toBe('DoesNotExistException');
    expect(fake.callsTo('ssm')).toHaveLength(1);
    expect(fake.callsTo('monitoring')).toHaveLength(0);
    expect(fake.callsTo('sns')).toHaveLength(0);
    const error = run.logs.find((line) => line.level === 'ERROR');
    expect(error).toMatchObject({
      message: 'SSM no longer has this execution (its history expired or was deleted); nothing was published',
      windowExecutionId: execution.windowExecutionId,
      windowId: execution.windowId,
    });
  });

  it('makes only the calls its role allows, and its role allows only the calls it makes', async () => {
    // Prepare: a run with failures, delivered twice, uses every call
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 2 })]);

    // Act
    const run = await invoke(executionEvent(execution));
    await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(true);
    const called = [...new Set(fake.calls.map((call) => call.action))].sort();
    // Logs, the topic's key and the failure queue are used on the function's behalf, not by its code.
    const onBehalf = ['logs:', 'kms:', 'sqs:'];
    const granted = fn.allowedActions.filter(
      (action) => !onBehalf.some((prefix) => action.startsWith(prefix)),
    );
    expect(called).toEqual(granted);
    expect(called).toEqual([
      'cloudwatch:PutMetricData',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'sns:Publish',
      'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
      'ssm:DescribeMaintenanceWindowExecutionTasks',
      'ssm:GetMaintenanceWindow',
    ]);
  });

  it('publishes exactly the namespace, metric names and dimensions the failure alarms watch', async () => {
    // Prepare: the deployed template, and one that also lists this window (per-window alarms)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 10, FAILED: 1 })]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const withWindow = new MaintenanceWindowMonitorStack(app, 'Listed', {
      monitor: { windowIds: [execution.windowId] },
    });
    const templates = [...stackTemplates(inject('assemblyDir')), Template.fromStack(withWindow).toJSON()];

    // Act
    await invoke(executionEvent(execution));

    // Assess
    type Dimension = { Name: string; Value: string };
    const key = (namespace: unknown, name: string, dimensions: Dimension[] = []) =>
      JSON.stringify([namespace, name, dimensions.map((d) => `${d.Name}=${d.Value}`).sort()]);
    const [call] = fake.callsTo('monitoring', 'PutMetricData');
    const data = (call?.input.MetricData ?? []) as { MetricName: string; Dimensions: Dimension[] }[];
    const published = new Set(
      data.map((datum) => key(call?.input.Namespace, datum.MetricName, datum.Dimensions)),
    );
    const watched = templates.flatMap((template) =>
      Object.values(
        template.Resources as Record<string, { Type: string; Properties: { Metrics?: unknown[] } }>,
      )
        .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
        .flatMap(
          (alarm) =>
            (alarm.Properties.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[],
        )
        .flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []))
        .filter((metric) => metric.Namespace === call?.input.Namespace)
        .map((metric) =>
          key(metric.Namespace, metric.MetricName as string, metric.Dimensions as Dimension[]),
        ),
    );
    expect(new Set(watched)).toEqual(
      new Set([
        key('MaintenanceWindowMonitor', 'FailedInvocations'),
        key('MaintenanceWindowMonitor', 'TimedOutInvocations'),
        key('MaintenanceWindowMonitor', 'FailedInvocations', [
          { Name: 'WindowId', Value: execution.windowId },
        ]),
        key('MaintenanceWindowMonitor', 'TimedOutInvocations', [
          { Name: 'WindowId', Value: execution.windowId },
        ]),
      ]),
    );
    for (const metric of watched) expect(published).toContain(metric);
  });

  it('alerts on a run skipped because the previous one overlapped, as text every subscriber receives', async () => {
    // Act
    await invoke(executionEvent(seed([]), 'SKIPPED_OVERLAPPING'));

    // Assess
    expect(fake.published).toHaveLength(1);
    const [alert] = fake.published;
    expect(alert?.subject).toBe(
      `Maintenance window ${WINDOW_NAME} (${windowId()}): run skipped (overlapped)`,
    );
    expect(alert?.message).toContain('was skipped (SKIPPED_OVERLAPPING)');
    expect(alert?.variants).toBeUndefined();
    expect(alert?.deliveredAttributes.status).toEqual({
      DataType: 'String',
      StringValue: 'SKIPPED_OVERLAPPING',
    });
    const data = (fake.callsTo('monitoring', 'PutMetricData')[0]?.input.MetricData ?? []) as {
      MetricName: string;
      Value: number;
    }[];
    const heartbeat = data.find((datum) => datum.MetricName === 'ExecutionsCompleted');
    // A skipped run did not run: no heartbeat, so a window that only ever skips looks stopped.
    expect(heartbeat).toBeUndefined();
    expect(data.length).toBeGreaterThan(0);
  });

  it('reports an execution once, however often its event is delivered', async () => {
    // Prepare
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 4 })]);
    const event = executionEvent(execution);
    await invoke(event);
    fake.clearCalls();

    // Act
    const again = await invoke(event);

    // Assess
    expect(again.result).toEqual({ duplicate: true });
    expect(fake.calls.map((call) => `${call.service}:${call.operation}:${call.errorCode ?? 'ok'}`)).toEqual([
      'dynamodb:UpdateItem:ConditionalCheckFailedException',
      'dynamodb:GetItem:ok',
    ]);
    expect(
      again.logs.some((line) => line.message === 'Already reported by an earlier delivery; nothing to do'),
    ).toBe(true);
  });

  it('fails loudly and publishes nothing when the ledger table cannot be used', async () => {
    // Act
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { FAILED: 1 })])), {
      LEDGER_TABLE_NAME: 'no-such-table',
    });

    // Assess
    expect(run).toMatchObject({ ok: false, error: { name: 'ResourceNotFoundException' } });
    expect(fake.calls.map((call) => `${call.service}:${call.operation}`)).toEqual(['dynamodb:UpdateItem']);
    expect(
      run.logs.some((line) => line.level === 'ERROR' && line.message === 'Failed to report the execution'),
    ).toBe(true);
  });

  it('sweeps up a run whose event never arrived, through the same reporting and within its role', async () => {
    // Prepare: a run that ended after the ledger table was created, and whose event was lost
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ended = Date.now() - 100;
    const missed = windowExecution(
      [taskExecution('AUTOMATION', { SUCCESS: 30, TIMED_OUT: 2 })],
      windowId(0x5eed),
      {
        startTime: new Date(ended - 500),
        endTime: new Date(ended),
      },
    );
    fake.addWindowExecution(missed);

    // Act: no grace period, so the run just ended is due
    const run = await invoke(
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
      { SWEEP_GRACE_MINUTES: '0' },
      sweepFn,
    );
    const again = await invoke(
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
      { SWEEP_GRACE_MINUTES: '0' },
      sweepFn,
    );

    // Assess
    expect(sweepFn.timeoutSeconds).toBe(600);
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect((run.result as { reported: string[] }).reported).toEqual([
      `execution#${missed.windowExecutionId}`,
    ]);
    expect((again.result as { reported: string[] }).reported).toEqual([]);
    const published = fake
      .callsTo('monitoring', 'PutMetricData')
      .filter((call) => JSON.stringify(call.input).includes(missed.windowId));
    expect(published).toHaveLength(1);
    expect(
      fake.published.filter((message) => message.attributes.window_id?.StringValue === missed.windowId),
    ).toHaveLength(1);
    for (const call of fake.calls) expect(sweepFn.allowedActions).toContain(call.action);
    expect(new Set(fake.calls.map((call) => call.operation))).toEqual(
      new Set([
        'DescribeTable',
        'DescribeMaintenanceWindows',
        'DescribeMaintenanceWindowExecutions',
        'BatchGetItem',
        'UpdateItem',
        'DescribeMaintenanceWindowExecutionTasks',
        'DescribeMaintenanceWindowExecutionTaskInvocations',
        'PutMetricData',
        'GetMaintenanceWindow',
        'Publish',
      ]),
    );
  });

  it('fails at init when the topic variable is missing', async () => {
    // Act
    const run = await invoke({}, { ALERT_TOPIC_ARN: '' });

    // Assess
    expect(run).toMatchObject({ ok: false, phase: 'init', error: { name: 'ConfigError' } });
    expect(run.error?.message).toContain('ALERT_TOPIC_ARN');
    expect(fake.calls).toHaveLength(0);
  });
});

/** A run's ledger item, as the ledger last wrote it. */
async function ledgerItem(windowExecutionId: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({
      TableName: ledgerTable,
      Key: { pk: { S: `execution#${windowExecutionId}` } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe("the deployed bundle, under a real account's conditions", () => {
  const SCHEDULED = { 'detail-type': 'Scheduled Event', source: 'aws.events' };

  /** A run that ended after the ledger table was created, whose event is lost: the sweep's to find. */
  async function endedJustNow(tasks: FakeTaskExecution[], status: FakeWindowExecution['status'] = 'SUCCESS') {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ended = Date.now() - 100;
    const execution = windowExecution(tasks, windowId(0x5eed), {
      status,
      startTime: new Date(ended - 500),
      endTime: new Date(ended),
    });
    fake.addWindowExecution(execution);
    return execution;
  }

  it('succeeds without reporting when another delivery holds the run, so no error alarm fires', async () => {
    // Prepare: a first delivery of the same run is still at work
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 10, FAILED: 1 })]);
    await new Ledger(dynamo.client, ledgerTable, 17 * 86_400).claim(
      `execution#${execution.windowExecutionId}`,
      'first-delivery',
      120_000,
      {},
    );
    fake.clearCalls();

    // Act
    const run = await invoke(executionEvent(execution));

    // Assess
    expect(run).toMatchObject({ ok: true, result: { duplicate: true, inProgress: true } });
    expect(run.logs.filter((line) => line.level === 'ERROR' || line.level === 'WARN')).toEqual([]);
    expect(fake.calls.map((call) => `${call.service}:${call.operation}`)).toEqual([
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
    ]);
  });

  it('ignores, before any call, events of windows it does not watch when the rule matches them all', async () => {
    // Act: the environment of a monitor listing more windows than its rule names
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { FAILED: 1 })])), {
      WINDOW_IDS: 'mw-0000000000000a001,mw-0000000000000a002',
    });

    // Assess
    expect(run).toMatchObject({ ok: true, result: { ignored: 'window not watched' } });
    expect(fake.calls).toEqual([]);
  });

  it('keeps recording a publish while DynamoDB fails right after it, so the retry does not publish again', async () => {
    // Prepare: DynamoDB answers 9 errors in a row right after PutMetricData (more than the SDK's 8 attempts)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 20, FAILED: 2 })]);
    fake.failAfter({
      after: { service: 'monitoring', operation: 'PutMetricData' },
      service: 'dynamodb',
      calls: 9,
    });

    // Act: the delivery, then what Lambda's retry would do with the same event
    const run = await invoke(executionEvent(execution));
    const retry = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect(retry.result).toEqual({ duplicate: true });
    expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
    expect(
      run.logs.some((line) => line.message?.startsWith('Published the metrics, but could not record it yet')),
    ).toBe(true);
  });

  it('counts what finished of a cancelled run, then the sweep counts the rest once it finishes', async () => {
    // Prepare: the run was cancelled while 4 of its 24 targets were still being patched
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 18, FAILED: 2, IN_PROGRESS: 4 });
    const execution = await endedJustNow([task], 'CANCELLED');

    // Act: the event; then the 4 finish, one of them failing; then the sweep
    const run = await invoke(executionEvent(execution, 'CANCELLED', execution.endTime));
    const pending = await ledgerItem(execution.windowExecutionId);
    let failures = 0;
    const finished = task.invocations.map((invocation) =>
      invocation.Status === 'IN_PROGRESS'
        ? { ...invocation, Status: failures++ === 0 ? ('FAILED' as const) : ('SUCCESS' as const) }
        : invocation,
    );
    fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });
    const swept = await invoke(SCHEDULED, { SWEEP_GRACE_MINUTES: '0' }, sweepFn);

    // Assess
    expect(run.result).toMatchObject({ total: 20, failed: 2, running: 4 });
    expect(pending?.completedAt).toBeUndefined();
    expect(pending?.runningInvocations).toEqual({ N: '4' });
    expect(swept.ok, JSON.stringify(swept.error)).toBe(true);
    expect((swept.result as { reported: string[] }).reported).toEqual([
      `execution#${execution.windowExecutionId}`,
    ]);
    expect((await ledgerItem(execution.windowExecutionId))?.completedAt).toBeDefined();
    const fleet = fake
      .callsTo('monitoring', 'PutMetricData')
      .map((call) => metricValues(call))
      .map((values) => [values.FailedInvocations, values.Invocations]);
    expect(fleet).toEqual([
      [2, 20],
      [1, 4],
    ]);
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Maintenance window ${execution.windowId}: 2 failed, 0 timed out of 20 targets`,
      `Update: maintenance window ${execution.windowId}: 3 failed, 0 timed out of 24 targets`,
    ]);
  });

  it('sweeps up a run that SSM lists without an end time, by its start time', async () => {
    // Prepare: a skipped run, listed with StartTime only
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const skipped = windowExecution([], windowId(0x5eed), {
      status: 'SKIPPED_OVERLAPPING',
      startTime: new Date(Date.now() - 100),
    });
    fake.addWindowExecution(skipped);

    // Act
    const run = await invoke(SCHEDULED, { SWEEP_GRACE_MINUTES: '0' }, sweepFn);

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect((run.result as { reported: string[] }).reported).toContain(
      `execution#${skipped.windowExecutionId}`,
    );
    expect(fake.published.map((message) => message.subject)).toContain(
      `Maintenance window ${skipped.windowId}: run skipped (overlapped)`,
    );
  });

  it("seeds a listed window's heartbeat when CloudFormation creates the stack: metrics only, within its role", async () => {
    // Prepare: the window ran 20 hours ago, before the monitor existed
    const window = windowId(0xbea7);
    const ranAt = new Date(Date.now() - 20 * 3_600_000);
    const earlier = windowExecution([], window, {
      startTime: new Date(ranAt.getTime() - 3_600_000),
      endTime: ranAt,
    });
    fake.addWindowExecution(earlier);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const withAlarms = new MaintenanceWindowMonitorStack(app, 'Seeded', {
      monitor: { windowIds: [window], expectedRunInterval: Duration.hours(26) },
    });
    const template = Template.fromStack(withAlarms);
    const [seedResource] = Object.values(template.findResources('Custom::MaintenanceWindowHeartbeatSeed'));
    const { ServiceToken: _, ...properties } = seedResource?.Properties ?? {};
    const request = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:sweep',
      ResponseURL: `${fake.endpoint}/cloudformation-response/seed-1`,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Seeded/1',
      RequestId: 'c0ffee00-0000-4000-8000-000000000001',
      ResourceType: 'Custom::MaintenanceWindowHeartbeatSeed',
      LogicalResourceId: 'MonitorHeartbeatSeed',
      // CloudFormation passes every property value as a string.
      ResourceProperties: JSON.parse(JSON.stringify(properties), (_key, value) =>
        typeof value === 'number' ? String(value) : value,
      ),
    };

    // Act
    const run = await invoke(request, {}, sweepFn);

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect(fake.cloudFormationResponses.map((response) => response.body)).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        RequestId: request.RequestId,
        LogicalResourceId: 'MonitorHeartbeatSeed',
        Data: { Seeded: 1, NoRecentRun: 0, Unreached: 0 },
      }),
    ]);
    expect(fake.metricData).toEqual([
      {
        namespace: 'MaintenanceWindowMonitor',
        name: 'ExecutionsCompleted',
        dimensions: `WindowId=${window}`,
        timestamp: ranAt.getTime(),
        value: 1,
      },
    ]);
    expect(fake.published).toEqual([]);
    expect(await ledgerItem(earlier.windowExecutionId)).toBeUndefined();
    const allowed = allowedActionsOf(template.toJSON(), 'index.sweep');
    for (const call of fake.calls) expect(allowed).toContain(call.action);
    expect(new Set(fake.calls.map((call) => call.operation))).toEqual(
      new Set(['DescribeMaintenanceWindowExecutions', 'BatchGetItem', 'PutMetricData', 'GetMetricData']),
    );
  });

  it('answers a stack deletion at once, and tells CloudFormation when seeding cannot start', async () => {
    // Act
    const deleted = await invoke(
      {
        RequestType: 'Delete',
        ResponseURL: `${fake.endpoint}/cloudformation-response/seed-2`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Seeded/1',
        RequestId: 'c0ffee00-0000-4000-8000-000000000002',
        LogicalResourceId: 'MonitorHeartbeatSeed',
        PhysicalResourceId: 'MonitorHeartbeatSeed-heartbeat-seed',
        ResourceProperties: {},
      },
      {},
      sweepFn,
    );
    const malformed = await invoke(
      {
        RequestType: 'Create',
        ResponseURL: `${fake.endpoint}/cloudformation-response/seed-3`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Seeded/1',
        RequestId: 'c0ffee00-0000-4000-8000-000000000003',
        LogicalResourceId: 'MonitorHeartbeatSeed',
        ResourceProperties: { WindowIds: ['mw-1'], ExpectedRunIntervalHours: '26' },
      },
      {},
      sweepFn,
    );

    // Assess
    expect(deleted.ok && malformed.ok).toBe(true);
    expect(
      fake.cloudFormationResponses.map((response) => [
        response.body.Status,
        response.body.PhysicalResourceId,
      ]),
    ).toEqual([
      ['SUCCESS', 'MonitorHeartbeatSeed-heartbeat-seed'],
      ['FAILED', 'MonitorHeartbeatSeed-heartbeat-seed'],
    ]);
    expect(String(fake.cloudFormationResponses[1]?.body.Reason)).toContain('ResourceProperties.WindowIds');
    expect(fake.calls).toEqual([]);
  });
});

describe('the deployed bundle, when a delivery dies mid-way', () => {
  const TOOK_OVER =
    'Took over the lease of an earlier attempt of this invocation; resuming from its recorded steps';

  /** Runs the event until the held call is reached, where Lambda ends the process (`as`). */
  async function dies(event: unknown, hold: HoldRule, as: 'crash' | 'timeout', requestId: string) {
    const held = fake.hold(hold);
    const lambda = new AbortController();
    void held.reached.then(() => lambda.abort());
    return invoke(event, {}, fn, { requestId, end: { signal: lambda.signal, as } });
  }

  it.each([
    {
      when: 'killed after the metrics',
      hold: { service: 'ssm', operation: 'GetMaintenanceWindow' },
      as: 'crash',
      recorded: ['metricsPublishedAt'],
    },
    {
      // Claim, metrics, alert, then the fourth write: the one that completes the run.
      when: 'killed after the alert',
      hold: { service: 'dynamodb', operation: 'UpdateItem', nth: 4 },
      as: 'crash',
      recorded: ['metricsPublishedAt', 'alertSentAt'],
    },
    {
      when: 'killed while listing',
      hold: { service: 'ssm', operation: SSM_LIST_INVOCATIONS, nth: 2 },
      as: 'crash',
      recorded: [],
    },
    {
      // A publish that never answers (the SDK waits without a timeout of its own) until Lambda's.
      when: "ended at the function's timeout",
      hold: { service: 'sns', operation: 'Publish' },
      as: 'timeout',
      recorded: ['metricsPublishedAt'],
    },
  ] as const)(
    'finishes a delivery $when at once, by the retry carrying its request ID, exactly once',
    async ({ hold, as, recorded }) => {
      // Prepare: a failing run of two pages, and a first attempt that dies at the held call
      const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 3 })]);
      const event = executionEvent(execution);
      const requestId = randomUUID();
      const died = await dies(event, hold, as, requestId);
      const left = await ledgerItem(execution.windowExecutionId);

      // Act: Lambda's retry of the invocation, with the same request ID, while the lease is unexpired
      const retry = await invoke(event, {}, fn, { requestId });

      // Assess
      expect(died).toMatchObject({ ok: false, ended: as });
      expect(Number(left?.leaseUntil?.N)).toBeGreaterThan(Date.now());
      expect(left?.leaseOwner?.S).toMatch(new RegExp(`^${requestId}/`));
      for (const step of ['metricsPublishedAt', 'alertSentAt']) {
        expect(left?.[step] !== undefined, step).toBe((recorded as readonly string[]).includes(step));
      }
      expect(retry.ok, JSON.stringify(retry.error)).toBe(true);
      expect(retry.result).toMatchObject({ total: 153, failed: 3, tasks: 1 });
      expect(retry.logs.find((line) => line.message === TOOK_OVER)).toMatchObject({
        earlierAttempt: left?.leaseOwner?.S,
        owner: expect.stringMatching(new RegExp(`^${requestId}/`)),
      });
      expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
      expect(fake.published).toHaveLength(1);
      expect((await ledgerItem(execution.windowExecutionId))?.completedAt).toBeDefined();
    },
  );

  it('never lets a concurrent delivery with another request ID take over a live one', async () => {
    // Prepare: the first delivery is still listing the run's second page
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 3 })]);
    const event = executionEvent(execution);
    const listing = fake.hold({ service: 'ssm', operation: SSM_LIST_INVOCATIONS, nth: 2 });
    const first = invoke(event, {}, fn, { requestId: randomUUID() });
    await listing.reached;

    // Act
    const duplicate = await invoke(event, {}, fn, { requestId: randomUUID() });
    listing.release();
    const finished = await first;

    // Assess
    expect(duplicate.result).toEqual({ duplicate: true, inProgress: true });
    expect(duplicate.logs.some((line) => line.message === TOOK_OVER)).toBe(false);
    expect(finished.result).toMatchObject({ total: 153, failed: 3 });
    expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
  });

  it('stops an attempt still alive once a retry with its request ID took over, before it publishes', async () => {
    // Prepare: an attempt stuck listing (Lambda would have ended it; here it lives on)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 3 })]);
    const event = executionEvent(execution);
    const requestId = randomUUID();
    const listing = fake.hold({ service: 'ssm', operation: SSM_LIST_INVOCATIONS, nth: 2 });
    const stuck = invoke(event, {}, fn, { requestId });
    await listing.reached;
    const retry = await invoke(event, {}, fn, { requestId });

    // Act: the stuck attempt's listing answers at last
    listing.release();
    const late = await stuck;

    // Assess: the retry reported the run; the late attempt published nothing and ended quietly
    expect(retry.result).toMatchObject({ total: 153, failed: 3 });
    expect(late.result).toEqual({ duplicate: true, inProgress: true });
    expect(late.logs.filter((line) => line.level === 'ERROR' || line.level === 'WARN')).toEqual([]);
    expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
  });
});

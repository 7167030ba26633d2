/**
 * The synthesized bundle, run as Lambda runs it: the asset `cdk synth` produced, loaded in a
 * fresh Node 24 process with the template's environment, calling the local AWS endpoint.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  bundleBytes,
  type DeployedFunction,
  deployedFunctions,
  type Invocation,
  invokeBundle,
  resolveEnvironment,
} from './support/bundle';
import { FakeAws } from './support/fake-aws';
import { taskExecution, taskExecutionEvent, windowExecution } from './support/fixtures';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-AlertTopic';

let fake: FakeAws;
let fn: DeployedFunction;

beforeAll(async () => {
  fake = await FakeAws.start();
  fake.addTopic(TOPIC_ARN);
  const functions = deployedFunctions(inject('assemblyDir'));
  expect(functions).toHaveLength(1);
  fn = functions[0] as DeployedFunction;
});

afterAll(() => fake.stop());

beforeEach(() => fake.clearCalls());

function invoke(event: unknown, overrides: Record<string, string> = {}): Promise<Invocation> {
  return invokeBundle({
    fn,
    event,
    endpoint: fake.endpoint,
    environment: resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, ...overrides }),
  });
}

describe('the deployed bundle', () => {
  it('targets Node 24 and is loaded by Node 24', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 3 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const run = await invoke(taskExecutionEvent(execution, task));

    // Assess
    expect(fn.runtime).toBe('nodejs24.x');
    expect(fn.handler).toBe('index.handler');
    expect(run.nodeVersion).toMatch(/^v24\./);
    expect(run.ok).toBe(true);
    expect(bundleBytes(fn.assetDir)).toBeLessThan(600 * 1024);
  });

  it('counts a 250-target task read over three pages and alerts once', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 230, FAILED: 15, TIMED_OUT: 5 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);
    const endTime = new Date();

    // Act
    const run = await invoke(taskExecutionEvent(execution, task, 'SUCCESS', endTime));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ total: 250, failed: 15, timedOut: 5 });

    const pages = fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutionTaskInvocations');
    expect(pages).toHaveLength(3);
    expect(pages.map((call) => call.input.MaxResults)).toEqual([100, 100, 100]);
    expect(pages.map((call) => call.input.NextToken === undefined)).toEqual([true, false, false]);
    expect(pages.every((call) => call.statusCode === 200)).toBe(true);

    const metrics = fake.callsTo('monitoring', 'PutMetricData');
    expect(metrics).toHaveLength(1);
    const timestamp = endTime.getTime() / 1000;
    expect(metrics[0]?.input).toEqual({
      Namespace: 'MaintenanceWindowMonitor',
      MetricData: [
        {
          MetricName: 'FailedInvocations',
          Dimensions: [{ Name: 'WindowId', Value: execution.windowId }],
          Timestamp: timestamp,
          Value: 15,
          Unit: 'Count',
        },
        { MetricName: 'FailedInvocations', Dimensions: [], Timestamp: timestamp, Value: 15, Unit: 'Count' },
        {
          MetricName: 'TimedOutInvocations',
          Dimensions: [{ Name: 'WindowId', Value: execution.windowId }],
          Timestamp: timestamp,
          Value: 5,
          Unit: 'Count',
        },
        { MetricName: 'TimedOutInvocations', Dimensions: [], Timestamp: timestamp, Value: 5, Unit: 'Count' },
      ],
    });

    expect(fake.published).toHaveLength(1);
    const alert = fake.published[0];
    expect(alert?.topicArn).toBe(TOPIC_ARN);
    expect(alert?.subject).toBe(
      `Maintenance window ${execution.windowId}: 15 failed, 5 timed out of 250 targets`,
    );
    expect(alert?.attributes).toEqual({
      window_id: { DataType: 'String', StringValue: execution.windowId },
      status: { DataType: 'String', StringValue: 'FAILED' },
    });
    const unhealthy = task.invocations.filter((i) => i.Status === 'FAILED' || i.Status === 'TIMED_OUT');
    for (const invocation of unhealthy) {
      const instance = JSON.parse(invocation.Parameters ?? '{}').instanceIds[0];
      expect(alert?.message).toContain(
        `${invocation.Status.padEnd(9)} ${instance} (execution ${invocation.ExecutionId}`,
      );
    }
    expect(alert?.message).toContain(`Window execution:  ${execution.windowExecutionId}`);
    expect(alert?.message).not.toContain('more not listed');
  });

  it('publishes zeros and sends no alert for a clean run', async () => {
    // Prepare
    const task = taskExecution('AUTOMATION', { SUCCESS: 40 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const run = await invoke(taskExecutionEvent(execution, task));

    // Assess
    expect(run.result).toEqual({ total: 40, failed: 0, timedOut: 0 });
    const metrics = fake.callsTo('monitoring', 'PutMetricData');
    expect(metrics).toHaveLength(1);
    const data = metrics[0]?.input.MetricData as { Value: number }[];
    expect(data.map((datum) => datum.Value)).toEqual([0, 0, 0, 0]);
    expect(fake.callsTo('sns')).toHaveLength(0);
  });

  it('never writes Parameters or OwnerInformation to its logs or alert', async () => {
    // Prepare: every fixture's Parameters and OwnerInformation carry the string "hunter2"
    const task = taskExecution('AUTOMATION', { FAILED: 12, SUCCESS: 3 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const run = await invoke(taskExecutionEvent(execution, task));

    // Assess
    expect(run.ok).toBe(true);
    expect(run.logs.length).toBeGreaterThan(0);
    expect(run.output).not.toContain('hunter2');
    expect(fake.published[0]?.message).not.toContain('hunter2');
    // Automation targets are still named by the instance the document ran on.
    expect(fake.published[0]?.message).toMatch(/FAILED {4}i-[0-9a-f]{17} \(execution /);
  });

  it('rejects a malformed event naming the field, before any AWS call', async () => {
    // Act
    const run = await invoke({
      source: 'aws.ssm',
      'detail-type': 'Maintenance Window Task Execution State-change Notification',
      time: '2026-11-28T02:10:00Z',
    });

    // Assess
    expect(run.ok).toBe(false);
    expect(run.error).toEqual({
      name: 'InvalidEventError',
      message: 'Invalid event: detail must be an object, got nothing',
    });
    expect(fake.calls).toHaveLength(0);
    expect(run.logs.some((line) => line.level === 'ERROR' && line.field === 'detail')).toBe(true);
  });

  it('fails loudly and publishes nothing when the execution history is gone', async () => {
    // Prepare: a well-formed event for an execution SSM no longer knows
    const task = taskExecution('RUN_COMMAND', { FAILED: 1 });
    const execution = windowExecution([task]);

    // Act
    const run = await invoke(taskExecutionEvent(execution, task));

    // Assess
    expect(run.ok).toBe(false);
    expect(run.error?.name).toBe('DoesNotExistException');
    expect(fake.callsTo('ssm')).toHaveLength(1);
    expect(fake.callsTo('monitoring')).toHaveLength(0);
    expect(fake.callsTo('sns')).toHaveLength(0);
    const error = run.logs.find((line) => line.level === 'ERROR');
    expect(error).toMatchObject({
      windowExecutionId: execution.windowExecutionId,
      windowId: execution.windowId,
    });
  });

  it('makes only the calls its role allows, and its role allows only the calls it makes', async () => {
    // Prepare: a run with failures uses every service
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 2 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const run = await invoke(taskExecutionEvent(execution, task));

    // Assess
    expect(run.ok).toBe(true);
    const iamPrefix = { ssm: 'ssm', monitoring: 'cloudwatch', sns: 'sns' } as const;
    const called = [
      ...new Set(fake.calls.map((call) => `${iamPrefix[call.service]}:${call.operation}`)),
    ].sort();
    // Writing logs and using the topic's key are done on the function's behalf, not by its code.
    const granted = fn.allowedActions.filter(
      (action) => !action.startsWith('logs:') && !action.startsWith('kms:'),
    );
    expect(called).toEqual(granted);
    expect(called).toEqual([
      'cloudwatch:PutMetricData',
      'sns:Publish',
      'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
    ]);
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

/**
 * Reporting a window execution, through the deployed report function: the asset `cdk synth`
 * produced, loaded in a fresh Node 24 process with the template's environment, calling the local
 * AWS endpoint. What it counts, publishes and alerts, what it refuses, and that its role allows
 * exactly the calls it makes. (In an Organization, the
 * same report through a member's read role: test/reach.test.ts.)
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MaintenanceWindowMonitor } from '../lib';
import {
  executionEvent,
  RAN_AND_FAILED,
  runCommandStepFailed,
  seedAutomationOutcomes,
  seedCommandOutcomes,
  seedStepFunctionsOutcomes,
  stateMachineTaskFailed,
  stdoutTruncated,
  taskExecution,
  taskExecutionEvent,
  windowExecution,
  windowId,
} from '../tools/fixtures';
import { bundleBytes } from '../tools/lambda-runner/bundle';
import type { FakeTaskExecution } from '../tools/local-aws';
import { templatesOf } from './support/deployed';
import { metricValues, SSM_LIST_INVOCATIONS, useSingleAccount, WINDOW_NAME } from './support/single-account';

const { aws, freshLedger, invoke, report, seed } = useSingleAccount();

function unhealthy(task: FakeTaskExecution) {
  return task.invocations.filter((i) => i.Status === 'FAILED' || i.Status === 'TIMED_OUT');
}

function instanceOf(parameters: string | undefined): string {
  const parsed = JSON.parse(parameters ?? '{}');
  return parsed.instanceIds?.[0] ?? parsed.parameters?.InstanceId?.[0];
}

describe('the deployed report function', () => {
  it('targets Node 24, is loaded by Node 24, and stays small', async () => {
    // Act
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { SUCCESS: 3 })])));

    // Assess
    expect(report().runtime).toBe('nodejs24.x');
    expect(run.nodeVersion).toMatch(/^v24\./);
    expect(run.ok).toBe(true);
    // Every cold start reads index.js; the failure causes' file beside it only when causes are read.
    expect(statSync(path.join(report().assetDir, 'index.js')).size).toBeLessThan(460_000);
    expect(bundleBytes(report().assetDir)).toBeLessThan(800 * 1024);
  });

  it('counts failures across two tasks of different types exactly and sends one alert', async () => {
    // Prepare
    const patch = taskExecution('RUN_COMMAND', { SUCCESS: 280, FAILED: 15, TIMED_OUT: 5 });
    const restart = taskExecution('AUTOMATION', { SUCCESS: 188, FAILED: 7, TIMED_OUT: 3, CANCELLED: 2 });
    const execution = seed([patch, restart]);
    const endTime = new Date();

    // Act: the counting alone (causes: test/causes.test.ts)
    const run = await invoke(executionEvent(execution, 'SUCCESS', endTime), { FAILURE_CAUSES: 'off' });

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ total: 500, failed: 22, timedOut: 8, cancelled: 2, tasks: 2 });

    expect(aws.fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutionTasks')).toHaveLength(1);
    const pages = aws.fake.callsTo('ssm', SSM_LIST_INVOCATIONS);
    expect(pages.map((call) => [call.input.TaskId, call.input.MaxResults])).toEqual([
      [patch.taskExecutionId, 100],
      [patch.taskExecutionId, 100],
      [patch.taskExecutionId, 100],
      [restart.taskExecutionId, 100],
      [restart.taskExecutionId, 100],
    ]);

    const metrics = aws.fake.callsTo('monitoring', 'PutMetricData');
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

    expect(aws.fake.published).toHaveLength(1);
    const alert = aws.fake.published[0];
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
    const message = aws.fake.published[0]?.message ?? '';
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
    expect(Object.values(metricValues(aws.fake.callsTo('monitoring', 'PutMetricData')[0]))).toEqual([
      0, 0, 0, 0, 0, 0, 42, 42, 1,
    ]);
    expect(aws.fake.callsTo('sns')).toHaveLength(0);
    expect(aws.fake.callsTo('ssm', 'GetMaintenanceWindow')).toHaveLength(0);
  });

  it('gives identical results when every third SSM call is throttled', async () => {
    // Prepare
    const execution = seed([
      taskExecution('RUN_COMMAND', { SUCCESS: 230, FAILED: 12, TIMED_OUT: 4 }),
      taskExecution('LAMBDA', { SUCCESS: 140, FAILED: 9 }),
    ]);
    const event = executionEvent(execution);
    const calm = await invoke(event);
    const calmMetrics = metricValues(aws.fake.callsTo('monitoring', 'PutMetricData')[0]);
    const calmAlert = aws.fake.published[0];
    aws.fake.clearCalls();
    await freshLedger(); // a first delivery again, not a duplicate
    aws.fake.failEveryNth({ everyNth: 3, service: 'ssm' });

    // Act
    const throttled = await invoke(event);

    // Assess
    expect(
      aws.fake.calls.filter((call) => call.errorCode === 'ThrottlingException').length,
    ).toBeGreaterThanOrEqual(3);
    expect(throttled.result).toEqual({
      ...(calm.result as object),
      alertMessageId: aws.fake.published[0]?.messageId,
    });
    expect(metricValues(aws.fake.callsTo('monitoring', 'PutMetricData')[0])).toEqual(calmMetrics);
    expect(aws.fake.published).toHaveLength(1);
    expect(aws.fake.published[0]?.subject).toBe(calmAlert?.subject);
    expect(aws.fake.published[0]?.message).toBe(calmAlert?.message);
  });

  it('counts a 10,000-target task exactly with at most 101 invocation-list calls', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 9_000, FAILED: 700, TIMED_OUT: 250, CANCELLED: 50 });

    // Act
    const run = await invoke(executionEvent(seed([task])));

    // Assess
    expect(run.result).toMatchObject({ total: 10_000, failed: 700, timedOut: 250, cancelled: 50 });
    expect(aws.fake.callsTo('ssm', SSM_LIST_INVOCATIONS).length).toBeLessThanOrEqual(101);
    expect(aws.fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(aws.fake.published).toHaveLength(1);
  });

  it('keeps the alert for a 5,000-failure run under 256 KB', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { FAILED: 4_000, TIMED_OUT: 1_000 });

    // Act
    const run = await invoke(executionEvent(seed([task])));

    // Assess
    expect(run.ok).toBe(true);
    const message = aws.fake.published[0]?.message ?? '';
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
    expect(aws.fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutionTasks')).toHaveLength(0);
    expect(aws.fake.callsTo('ssm', SSM_LIST_INVOCATIONS).map((call) => call.input.TaskId)).toEqual([
      task.taskExecutionId,
    ]);
    expect(aws.fake.published[0]?.subject).toBe(
      `Maintenance window ${execution.windowId}: 1 failed, 0 timed out of 21 targets`,
    );
    expect(
      run.logs.some((line) => line.level === 'WARN' && String(line.error).includes('DoesNotExistException')),
    ).toBe(true);
  });

  it('alerts on a run skipped because the previous one overlapped, as text every subscriber receives', async () => {
    // Act
    await invoke(executionEvent(seed([]), 'SKIPPED_OVERLAPPING'));

    // Assess
    expect(aws.fake.published).toHaveLength(1);
    const [alert] = aws.fake.published;
    expect(alert?.subject).toBe(
      `Maintenance window ${WINDOW_NAME} (${windowId()}): run skipped (overlapped)`,
    );
    expect(alert?.message).toContain('was skipped (SKIPPED_OVERLAPPING)');
    expect(alert?.variants).toBeUndefined();
    expect(alert?.deliveredAttributes.status).toEqual({
      DataType: 'String',
      StringValue: 'SKIPPED_OVERLAPPING',
    });
    const data = (aws.fake.callsTo('monitoring', 'PutMetricData')[0]?.input.MetricData ?? []) as {
      MetricName: string;
      Value: number;
    }[];
    const heartbeat = data.find((datum) => datum.MetricName === 'ExecutionsCompleted');
    // A skipped run did not run: no heartbeat, so a window that only ever skips looks stopped.
    expect(heartbeat).toBeUndefined();
    expect(data.length).toBeGreaterThan(0);
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
    expect(aws.fake.published[0]?.message).not.toContain('hunter2');
  });

  it('refuses a malformed event before any AWS call, naming the field', async () => {
    // Prepare: the AWS documentation's sample execution ID (the validator's own table covers every field)
    const ended = new Date(Date.now() - 3_600_000).toISOString();
    const event = {
      source: 'aws.ssm',
      'detail-type': 'Maintenance Window Execution State-change Notification',
      time: ended.replace(/\.\d+Z$/, 'Z'),
      detail: {
        'window-id': windowId(),
        'window-execution-id': '14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE',
        status: 'SUCCESS',
        'end-time': ended,
      },
    };

    // Act
    const run = await invoke(event);

    // Assess
    expect(run.ok).toBe(false);
    expect(run.error).toEqual({
      name: 'InvalidEventError',
      message:
        'Invalid event: detail.window-execution-id must be a 36-character UUID, got "14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE"',
    });
    expect(aws.fake.calls).toHaveLength(0);
    expect(
      run.logs.some((line) => line.level === 'ERROR' && line.field === 'detail.window-execution-id'),
    ).toBe(true);
  });

  it('fails loudly and publishes nothing when the execution history is gone', async () => {
    // Prepare: a well-formed event for an execution SSM no longer knows
    const execution = windowExecution([taskExecution('RUN_COMMAND', { FAILED: 1 })]);

    // Act
    const run = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(false);
    expect(run.error?.name).toBe('DoesNotExistException');
    expect(aws.fake.callsTo('ssm')).toHaveLength(1);
    expect(aws.fake.callsTo('monitoring')).toHaveLength(0);
    expect(aws.fake.callsTo('sns')).toHaveLength(0);
    const error = run.logs.find((line) => line.level === 'ERROR');
    expect(error).toMatchObject({
      message: 'SSM no longer has this execution (its history expired or was deleted); nothing was published',
      windowExecutionId: execution.windowExecutionId,
      windowId: execution.windowId,
    });
  });

  it('ignores, before any call, events of windows it does not watch when the rule matches them all', async () => {
    // Act: the environment of a monitor listing more windows than its rule names
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { FAILED: 1 })])), {
      WINDOW_IDS: 'mw-0000000000000a001,mw-0000000000000a002',
    });

    // Assess
    expect(run).toMatchObject({ ok: true, result: { ignored: 'window not watched' } });
    expect(aws.fake.calls).toEqual([]);
  });

  it('fails at init when the topic variable is missing', async () => {
    // Act
    const run = await invoke({}, { ALERT_TOPIC_ARN: '' });

    // Assess
    expect(run).toMatchObject({ ok: false, phase: 'init', error: { name: 'ConfigError' } });
    expect(run.error?.message).toContain('ALERT_TOPIC_ARN');
    expect(aws.fake.calls).toHaveLength(0);
  });

  it('makes only the calls its role allows, and its role allows only the calls it makes', async () => {
    // Prepare: a run with failures of every task type whose causes are read, delivered twice, uses
    // every call: a Run Command output cut short (read again in full), an Automation runbook whose
    // failed step is past those returned inline, a state machine execution
    const patch = taskExecution(
      'RUN_COMMAND',
      { SUCCESS: 150, FAILED: 2 },
      { invocationDetails: RAN_AND_FAILED },
    );
    seedCommandOutcomes(aws.fake, patch, stdoutTruncated);
    const runbook = taskExecution(
      'AUTOMATION',
      { SUCCESS: 5, FAILED: 1 },
      { invocationDetails: RAN_AND_FAILED },
    );
    seedAutomationOutcomes(aws.fake, runbook, runCommandStepFailed);
    const machine = taskExecution(
      'STEP_FUNCTIONS',
      { SUCCESS: 5, FAILED: 1 },
      { invocationDetails: RAN_AND_FAILED },
    );
    seedStepFunctionsOutcomes(aws.fake, machine, stateMachineTaskFailed);
    const execution = seed([patch, runbook, machine]);

    // Act
    const run = await invoke(executionEvent(execution));
    await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(true);
    const called = [...new Set(aws.fake.calls.map((call) => call.action))].sort();
    // Logs, the topic's key and the failure queue are used on the function's behalf, not by its code.
    const onBehalf = ['logs:', 'kms:', 'sqs:'];
    const granted = report().allowedActions.filter(
      (action) => !onBehalf.some((prefix) => action.startsWith(prefix)),
    );
    expect(called).toEqual(granted);
    expect(called).toEqual([
      'cloudwatch:PutMetricData',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'sns:Publish',
      'ssm:DescribeAutomationStepExecutions',
      'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
      'ssm:DescribeMaintenanceWindowExecutionTasks',
      'ssm:GetAutomationExecution',
      'ssm:GetCommandInvocation',
      'ssm:GetMaintenanceWindow',
      'ssm:ListCommandInvocations',
      'states:DescribeExecution',
    ]);
  });

  it('publishes exactly the namespace, metric names and dimensions the failure alarms watch', async () => {
    // Prepare: the deployed template, and one that also lists this window (per-window alarms)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 10, FAILED: 1 })]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const withWindow = new Stack(app, 'Listed');
    new MaintenanceWindowMonitor(withWindow, 'Monitor', { windowIds: [execution.windowId] });
    const templates = [...templatesOf('account'), Template.fromStack(withWindow).toJSON()];

    // Act
    await invoke(executionEvent(execution));

    // Assess
    type Dimension = { Name: string; Value: string };
    const key = (namespace: unknown, name: string, dimensions: Dimension[] = []) =>
      JSON.stringify([namespace, name, dimensions.map((d) => `${d.Name}=${d.Value}`).sort()]);
    const [call] = aws.fake.callsTo('monitoring', 'PutMetricData');
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
});

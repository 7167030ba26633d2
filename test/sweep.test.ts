/**
 * Catching what the events missed, through the deployed sweep function (single account): a run
 * whose event was lost, a cancelled run's late targets, a run listed without an end time, and the
 * heartbeat seeded at stack creation. (In an Organization, the planner and the sweep workers:
 * test/reach.test.ts.)
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MaintenanceWindowMonitor } from '../lib';
import {
  executionEvent,
  launchInstanceUnauthorized,
  RAN_AND_FAILED,
  seedAutomationOutcomes,
  taskExecution,
  windowExecution,
  windowId,
} from '../tools/fixtures';
import { allowedActionsOf } from '../tools/lambda-runner/bundle';
import { metricValues, SCHEDULED, useSingleAccount } from './support/single-account';

const { aws, endedJustNow, invoke, ledgerItem, sweep } = useSingleAccount();

describe('the deployed sweep function', () => {
  it('sweeps up a run whose event never arrived, through the same reporting, causes included, and within its role', async () => {
    // Prepare: a run that ended after the ledger table was created, and whose event was lost; its
    // two targets timed out when EC2 refused the runbook's step
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ended = Date.now() - 100;
    const runbook = taskExecution(
      'AUTOMATION',
      { SUCCESS: 30, TIMED_OUT: 2 },
      { invocationDetails: RAN_AND_FAILED },
    );
    seedAutomationOutcomes(aws.fake, runbook, launchInstanceUnauthorized);
    const missed = windowExecution([runbook], windowId(0x5eed), {
      startTime: new Date(ended - 500),
      endTime: new Date(ended),
    });
    aws.fake.addWindowExecution(missed);

    // Act: no grace period, so the run just ended is due
    const run = await invoke(
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
      { SWEEP_GRACE_MINUTES: '0' },
      'index.sweep',
    );
    const again = await invoke(
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
      { SWEEP_GRACE_MINUTES: '0' },
      'index.sweep',
    );

    // Assess
    expect(sweep().timeoutSeconds).toBe(600);
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect((run.result as { reported: string[] }).reported).toEqual([
      `execution#${missed.windowExecutionId}`,
    ]);
    expect((again.result as { reported: string[] }).reported).toEqual([]);
    const published = aws.fake
      .callsTo('monitoring', 'PutMetricData')
      .filter((call) => JSON.stringify(call.input).includes(missed.windowId));
    expect(published).toHaveLength(1);
    const alerts = aws.fake.published.filter(
      (message) => message.attributes.window_id?.StringValue === missed.windowId,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toMatch(/ 2 targets +.*not authorized to perform this operation/);
    for (const call of aws.fake.calls) expect(sweep().allowedActions).toContain(call.action);
    expect(new Set(aws.fake.calls.map((call) => call.operation))).toEqual(
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
        'GetAutomationExecution',
        'Publish',
      ]),
    );
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
    aws.fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });
    const swept = await invoke(SCHEDULED, { SWEEP_GRACE_MINUTES: '0' }, 'index.sweep');

    // Assess
    expect(run.result).toMatchObject({ total: 20, failed: 2, running: 4 });
    expect(pending?.completedAt).toBeUndefined();
    expect(pending?.runningInvocations).toEqual({ N: '4' });
    expect(swept.ok, JSON.stringify(swept.error)).toBe(true);
    expect((swept.result as { reported: string[] }).reported).toEqual([
      `execution#${execution.windowExecutionId}`,
    ]);
    expect((await ledgerItem(execution.windowExecutionId))?.completedAt).toBeDefined();
    const fleet = aws.fake
      .callsTo('monitoring', 'PutMetricData')
      .map((call) => metricValues(call))
      .map((values) => [values.FailedInvocations, values.Invocations]);
    expect(fleet).toEqual([
      [2, 20],
      [1, 4],
    ]);
    expect(aws.fake.published.map((message) => message.subject)).toEqual([
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
    aws.fake.addWindowExecution(skipped);

    // Act
    const run = await invoke(SCHEDULED, { SWEEP_GRACE_MINUTES: '0' }, 'index.sweep');

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect((run.result as { reported: string[] }).reported).toContain(
      `execution#${skipped.windowExecutionId}`,
    );
    expect(aws.fake.published.map((message) => message.subject)).toContain(
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
    aws.fake.addWindowExecution(earlier);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const withAlarms = new Stack(app, 'Seeded');
    new MaintenanceWindowMonitor(withAlarms, 'Monitor', {
      windowIds: [window],
      expectedRunInterval: Duration.hours(26),
    });
    const template = Template.fromStack(withAlarms);
    const [seedResource] = Object.values(template.findResources('Custom::MaintenanceWindowHeartbeatSeed'));
    const { ServiceToken: _, ...properties } = seedResource?.Properties ?? {};
    const request = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:sweep',
      ResponseURL: `${aws.fake.endpoint}/cloudformation-response/seed-1`,
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
    const run = await invoke(request, {}, 'index.sweep');

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect(aws.fake.cloudFormationResponses.map((response) => response.body)).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        RequestId: request.RequestId,
        LogicalResourceId: 'MonitorHeartbeatSeed',
        Data: { Seeded: 1, NoRecentRun: 0, Unreached: 0 },
      }),
    ]);
    expect(aws.fake.metricData).toEqual([
      {
        namespace: 'MaintenanceWindowMonitor',
        name: 'ExecutionsCompleted',
        dimensions: `WindowId=${window}`,
        timestamp: ranAt.getTime(),
        value: 1,
      },
    ]);
    expect(aws.fake.published).toEqual([]);
    expect(await ledgerItem(earlier.windowExecutionId)).toBeUndefined();
    const allowed = allowedActionsOf(template.toJSON(), 'index.sweep');
    for (const call of aws.fake.calls) expect(allowed).toContain(call.action);
    expect(new Set(aws.fake.calls.map((call) => call.operation))).toEqual(
      new Set(['DescribeMaintenanceWindowExecutions', 'BatchGetItem', 'PutMetricData', 'GetMetricData']),
    );
  });

  it('answers a stack deletion at once, and tells CloudFormation when seeding cannot start', async () => {
    // Act
    const deleted = await invoke(
      {
        RequestType: 'Delete',
        ResponseURL: `${aws.fake.endpoint}/cloudformation-response/seed-2`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Seeded/1',
        RequestId: 'c0ffee00-0000-4000-8000-000000000002',
        LogicalResourceId: 'MonitorHeartbeatSeed',
        PhysicalResourceId: 'MonitorHeartbeatSeed-heartbeat-seed',
        ResourceProperties: {},
      },
      {},
      'index.sweep',
    );
    const malformed = await invoke(
      {
        RequestType: 'Create',
        ResponseURL: `${aws.fake.endpoint}/cloudformation-response/seed-3`,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Seeded/1',
        RequestId: 'c0ffee00-0000-4000-8000-000000000003',
        LogicalResourceId: 'MonitorHeartbeatSeed',
        ResourceProperties: { WindowIds: ['mw-1'], ExpectedRunIntervalHours: '26' },
      },
      {},
      'index.sweep',
    );

    // Assess
    expect(deleted.ok && malformed.ok).toBe(true);
    expect(
      aws.fake.cloudFormationResponses.map((response) => [
        response.body.Status,
        response.body.PhysicalResourceId,
      ]),
    ).toEqual([
      ['SUCCESS', 'MonitorHeartbeatSeed-heartbeat-seed'],
      ['FAILED', 'MonitorHeartbeatSeed-heartbeat-seed'],
    ]);
    expect(String(aws.fake.cloudFormationResponses[1]?.body.Reason)).toContain(
      'ResourceProperties.WindowIds',
    );
    expect(aws.fake.calls).toEqual([]);
  });
});

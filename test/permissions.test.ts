/**
 * What each deployed function may do, against what it does: its role allows exactly the calls
 * its bundle makes (no more, no fewer), in both reaches, and it publishes exactly the series its
 * alarms watch. The sweep's own calls are checked within its tests (test/sweep.test.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MaintenanceWindowMonitor } from '../lib';
import { executionEvent, taskExecution } from '../tools/fixtures';
import { templatesOf } from './support/deployed';
import { centralFunctions, useOrganizationRun } from './support/organization-run';
import { useSingleAccount } from './support/single-account';

describe('in a single account', () => {
  const { aws, invoke, report, seed } = useSingleAccount();

  it('makes only the calls its role allows, and its role allows only the calls it makes', async () => {
    // Prepare: a run with failures, delivered twice, uses every call
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 2 })]);

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
      'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
      'ssm:DescribeMaintenanceWindowExecutionTasks',
      'ssm:GetMaintenanceWindow',
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

describe('in an Organization', () => {
  const org = useOrganizationRun();
  const { report, worker, planner } = centralFunctions();

  it('calls in member accounts exactly what the member read role allows, and centrally only what the central roles allow', () => {
    const central = templatesOf('organization').find((template) =>
      JSON.stringify(template).includes('AWS::CloudFormation::StackSet'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const stackSet = Object.values(central.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    const member = JSON.parse(String(stackSet?.Properties.TemplateBody)) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const readRoleActions = new Set<string>();
    for (const resource of Object.values(member.Resources)) {
      const policies = (resource.Properties.Policies ?? []) as {
        PolicyDocument: { Statement: { Action: string | string[] }[] };
      }[];
      const named = JSON.stringify(resource.Properties.RoleName ?? '');
      if (resource.Type !== 'AWS::IAM::Role' || !named.includes('-Read-')) continue;
      for (const policy of policies)
        for (const statement of policy.PolicyDocument.Statement)
          for (const action of [statement.Action].flat()) readRoleActions.add(action);
    }
    for (const resource of Object.values(member.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] };
      const roles = JSON.stringify(resource.Properties.Roles);
      if (!roles.includes('Read')) continue;
      for (const statement of document.Statement)
        for (const action of [statement.Action].flat()) readRoleActions.add(action);
    }

    const memberActions = new Set(
      org.aws.fake.calls.filter((call) => call.service === 'ssm').map((call) => call.action),
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

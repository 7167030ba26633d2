import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_NAMESPACE, MetricName } from '../../lambda/metric-names';
import { monitorPropsFromContext } from '../../lib/context';
import type { MaintenanceWindowMonitorProps } from '../../lib/maintenance-window-monitor';
import { MaintenanceWindowMonitorStack } from '../../lib/maintenance-window-monitor-stack';

/** A stack without bundling the function: these tests read the template, not the code. */
function synth(props?: MaintenanceWindowMonitorProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new MaintenanceWindowMonitorStack(app, 'Test', { monitor: props }));
}

function policyStatements(template: Template): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return (policies[0] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties
    .PolicyDocument.Statement;
}

function logicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

describe('MaintenanceWindowMonitor', () => {
  it('listens to terminal window execution events from aws.ssm by default, with the exact detail-type', () => {
    const template = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['Maintenance Window Execution State-change Notification'],
        detail: { status: ['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED_OVERLAPPING'] },
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function'), 'Arn'] } }),
      ],
    });
  });

  it('listens to terminal task execution events with per-task reporting, and lists no tasks', () => {
    const template = synth({ reporting: 'task' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['Maintenance Window Task Execution State-change Notification'],
        detail: { status: ['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED'] },
      },
    });
    const statements = JSON.stringify(policyStatements(template));
    expect(statements).not.toContain('DescribeMaintenanceWindowExecutionTasks');
    expect(statements).toContain('ssm:DescribeMaintenanceWindowExecutionTaskInvocations');
  });

  it('runs the function on Node 24, arm64, with its settings in the environment', () => {
    const template = synth();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 120,
      MemorySize: 256,
      Environment: {
        Variables: {
          ALERT_TOPIC_ARN: { Ref: logicalId(template, 'AWS::SNS::Topic') },
          METRIC_NAMESPACE: DEFAULT_METRIC_NAMESPACE,
          POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
      LoggingConfig: { LogGroup: { Ref: logicalId(template, 'AWS::Logs::LogGroup') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('grants exactly the calls the function makes, and no managed policy', () => {
    const template = synth();
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    expect(policyStatements(template)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup'), 'Arn'] },
      },
      {
        Action: [
          'ssm:DescribeMaintenanceWindowExecutionTasks',
          'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
        ],
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Action: 'ssm:GetMaintenanceWindow',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ssm:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':maintenancewindow/*',
            ],
          ],
        },
      },
      {
        Action: 'cloudwatch:PutMetricData',
        Condition: { StringEquals: { 'cloudwatch:namespace': DEFAULT_METRIC_NAMESPACE } },
        Effect: 'Allow',
        Resource: '*',
      },
      { Action: 'sns:Publish', Effect: 'Allow', Resource: topic },
      {
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key'), 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('encrypts the topic with a rotated key that CloudWatch alarms may use, and enforces TLS', () => {
    const template = synth();
    const topic = logicalId(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: topic },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
          }),
        ],
      },
    });
  });

  it('alarms on the fleet-wide failure metrics the function publishes, notifying the topic', () => {
    const template = synth();
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    const metric = (name: string) =>
      Match.objectLike({
        MetricStat: {
          Metric: { MetricName: name, Namespace: DEFAULT_METRIC_NAMESPACE },
          Period: 300,
          Stat: 'Sum',
        },
        ReturnData: false,
      });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true }),
        metric(MetricName.FailedInvocations),
        metric(MetricName.TimedOutInvocations),
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  it('subscribes no one by default and each alert e-mail when given', () => {
    synth().resourceCountIs('AWS::SNS::Subscription', 0);
    const template = synth({ alertEmails: ['ops@example.com', 'oncall@example.org'] });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
    });
  });

  it('uses a custom namespace everywhere the default would appear', () => {
    const template = synth({ metricNamespace: 'Platform/Patching' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ METRIC_NAMESPACE: 'Platform/Patching' }) },
    });
    expect(JSON.stringify(policyStatements(template))).toContain(
      '"cloudwatch:namespace":"Platform/Patching"',
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'Platform/Patching' }) }),
        }),
      ]),
    });
    expect(JSON.stringify(template.toJSON())).not.toContain(`"${DEFAULT_METRIC_NAMESPACE}"`);
  });

  it.each([
    [{ alertEmails: ['ops'] }, 'alertEmails: "ops" is not an e-mail address'],
    [{ alertEmails: ['a@b.com,c@d.com'] }, 'alertEmails: "a@b.com,c@d.com" is not an e-mail address'],
    [{ metricNamespace: 'AWS/SSM' }, 'metricNamespace: "AWS/SSM" is not a valid custom namespace'],
    [{ metricNamespace: 'has spaces' }, 'metricNamespace: "has spaces" is not a valid custom namespace'],
    [{ metricNamespace: '' }, 'metricNamespace: "" is not a valid custom namespace'],
    [{ reporting: 'window' as 'task' }, 'reporting: "window" is not one of execution, task'],
  ])('rejects %j naming the prop', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('cdk-nag AwsSolutions', () => {
  function synthWithNag(addExtra?: (app: App, stack: MaintenanceWindowMonitorStack) => void): () => void {
    const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'mwm-nag-')) });
    const stack = new MaintenanceWindowMonitorStack(app, 'Nag', {
      monitor: { alertEmails: ['ops@example.com'] },
    });
    addExtra?.(app, stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    return () => app.synth();
  }

  it('finds nothing unacknowledged in the stack', () => {
    expect(synthWithNag()).not.toThrow();
  });

  it('does fail synthesis on a finding (the check can fail)', () => {
    let outdir = '';
    const run = synthWithNag((app, stack) => {
      outdir = app.outdir;
      new sns.Topic(stack, 'PlainTopic');
    });
    expect(run).toThrow(/AwsSolutions-SNS3/);
    const report = readFileSync(path.join(outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('AwsSolutions-SNS3');
    expect(report).toContain('Nag/PlainTopic/Resource');
  });
});

describe('monitorPropsFromContext', () => {
  const reader = (context: Record<string, unknown>) => (key: string) => context[key];

  it('gives empty props with no context', () => {
    expect(monitorPropsFromContext(reader({}))).toEqual({});
  });

  it('splits a comma-separated alertEmails string from -c', () => {
    expect(
      monitorPropsFromContext(reader({ alertEmails: ' ops@example.com, oncall@example.org ,' })),
    ).toEqual({
      alertEmails: ['ops@example.com', 'oncall@example.org'],
    });
  });

  it('takes arrays and strings from cdk.json', () => {
    expect(
      monitorPropsFromContext(
        reader({ alertEmails: ['ops@example.com'], metricNamespace: 'Platform/Patching' }),
      ),
    ).toEqual({ alertEmails: ['ops@example.com'], metricNamespace: 'Platform/Patching' });
  });

  it.each([
    [{ alertEmails: 42 }, 'Context alertEmails must be a comma-separated string or an array of strings'],
    [
      { alertEmails: ['ops@example.com', 7] },
      'Context alertEmails must be a comma-separated string or an array of strings',
    ],
    [{ metricNamespace: ['a'] }, 'Context metricNamespace must be a string'],
    [{ reporting: true }, 'Context reporting must be a string'],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => monitorPropsFromContext(reader(context))).toThrow(message);
  });
});

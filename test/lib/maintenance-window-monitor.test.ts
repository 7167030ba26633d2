import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_NAMESPACE, MetricName } from '../../contract';
import {
  FailureCauses,
  LogLevel,
  MaintenanceWindowMonitor,
  type MaintenanceWindowMonitorProps,
  MonitorReach,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
} from '../../lib/maintenance-window-monitor';
import {
  MaintenanceWindowMonitorStack,
  type MaintenanceWindowMonitorStackProps,
} from '../../lib/maintenance-window-monitor-stack';
import { synthStack } from '../support/synth';

const WINDOW_A = 'mw-0123456789abcdef0';
const WINDOW_B = 'mw-0123456789abcdef1';
const EXISTING_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-alerts';
const EXISTING_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SLACK = { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' };
const TEAMS = {
  teamId: '5d6b4a34-8e1f-4d5b-9a3c-1c2d3e4f5a6b',
  channelId: '19%3Aabc%40thread.tacv2',
  tenantId: '7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
};

/** The app's stack with `props` for its monitor (synthesized once per props set). */
function synth(
  props?: MaintenanceWindowMonitorProps,
  stackProps: MaintenanceWindowMonitorStackProps = {},
): Template {
  return synthStack('Test', { ...stackProps, ...(props ? { monitor: props } : {}) });
}

function alarmsWithDescription(
  template: Template,
  text: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([, alarm]) =>
      // A description with a token in it is an Fn::Join; its literal parts still read as text.
      JSON.stringify(
        (alarm as { Properties: { AlarmDescription?: unknown } }).Properties.AlarmDescription,
      ).includes(text),
    ),
  ) as Record<string, { Properties: Record<string, unknown> }>;
}

/** The statements of one function's role: the event handler's, or the sweep's. */
function policyStatements(
  template: Template,
  role: 'FunctionRole' | 'SweepFunctionRole' = 'FunctionRole',
): unknown[] {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
    id.startsWith(`Monitor${role}`),
  );
  expect(policies).toHaveLength(1);
  const [, policy] = policies[0] as [string, { Properties: { PolicyDocument: { Statement: unknown[] } } }];
  return policy.Properties.PolicyDocument.Statement;
}

/** The logical ID of the one resource of `type` whose ID starts with `Monitor` + `prefix`. */
function logicalId(template: Template, type: string, prefix = ''): string {
  const ids = Object.keys(template.findResources(type)).filter((id) =>
    prefix ? id.startsWith(`Monitor${prefix}`) && !id.startsWith(`Monitor${prefix}Role`) : true,
  );
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
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'Function'), 'Arn'] },
        }),
      ],
    });
  });

  it('listens to terminal task execution events with per-task reporting, and lists no tasks', () => {
    const template = synth({ reporting: Reporting.TASK });
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
          LEDGER_TABLE_NAME: { Ref: logicalId(template, 'AWS::DynamoDB::Table') },
          // Beyond the oldest event the function accepts (16 days), so no replay outlives its record.
          LEDGER_RETENTION_DAYS: '17',
          REPORTING: 'execution',
          SWEEP_LOOKBACK_MINUTES: '1440',
          SWEEP_GRACE_MINUTES: '15',
          FAILURE_CAUSES: 'summary',
          MAX_CAUSE_READS: '50',
          POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
      LoggingConfig: { LogGroup: { Ref: logicalId(template, 'AWS::Logs::LogGroup', 'FunctionLogs') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('grants exactly the calls the function makes, and no managed policy', () => {
    const template = synth();
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    const failureQueue = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.includes('FailureQueue'),
    );
    expect(policyStatements(template)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'FunctionLogs'), 'Arn'] },
      },
      {
        // Granted by the on-failure destination: Lambda sends failed events with the function's role.
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [failureQueue, 'Arn'] },
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
      // Failure causes (read by default in one account): the command reads take only "*".
      {
        Action: ['ssm:ListCommandInvocations', 'ssm:GetCommandInvocation'],
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Action: ['ssm:GetAutomationExecution', 'ssm:DescribeAutomationStepExecutions'],
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
              ':automation-execution/*',
            ],
          ],
        },
      },
      {
        Action: 'states:DescribeExecution',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':execution:*:*',
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
      {
        Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table'), 'Arn'] },
      },
    ]);
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as {
      Properties: Record<string, unknown>;
    }[];
    expect(roles).toHaveLength(2);
    expect(roles.map((role) => role.Properties.ManagedPolicyArns)).toEqual(roles.map(() => undefined));
  });

  it('lets the sweep list windows and executions and read the ledger, on top of what reporting needs', () => {
    // Act: even in per-task mode, where the event handler lists no tasks
    const template = synth({ reporting: Reporting.TASK });

    // Assess
    const table = { 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table'), 'Arn'] };
    const statements = policyStatements(template, 'SweepFunctionRole');
    expect(statements).toContainEqual({
      Action: [
        'ssm:DescribeMaintenanceWindowExecutionTasks',
        'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
      ],
      Effect: 'Allow',
      Resource: '*',
    });
    expect(statements).toContainEqual({
      Action: ['ssm:DescribeMaintenanceWindows', 'ssm:DescribeMaintenanceWindowExecutions'],
      Effect: 'Allow',
      Resource: '*',
    });
    expect(statements).toContainEqual({
      Action: ['dynamodb:BatchGetItem', 'dynamodb:DescribeTable'],
      Effect: 'Allow',
      Resource: table,
    });
    expect(statements).toContainEqual({
      Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      Effect: 'Allow',
      Resource: table,
    });
    expect(JSON.stringify(statements)).not.toContain('sqs:');
  });

  it('keeps the ledger on demand, encrypted, recoverable and expiring', () => {
    synth().hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('runs the sweep on a schedule, with the look-back and a record retention beyond it', () => {
    // Act
    const template = synth({ sweepInterval: Duration.minutes(30), sweepLookback: Duration.days(3) });

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'SweepFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3_600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.sweep',
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({ SWEEP_LOOKBACK_MINUTES: '4320', LEDGER_RETENTION_DAYS: '17' }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
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
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
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

  it('watches only the listed windows: rule, name lookup and one failure alarm each', () => {
    // Act
    const template = synth({ windowIds: [WINDOW_A, WINDOW_B] });

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { 'window-id': [WINDOW_A, WINDOW_B], status: Match.anyValue() } },
    });
    const getWindow = policyStatements(template).find((st) =>
      JSON.stringify(st).includes('ssm:GetMaintenanceWindow'),
    );
    expect(JSON.stringify(getWindow)).toContain(`:maintenancewindow/${WINDOW_A}`);
    expect(JSON.stringify(getWindow)).toContain(`:maintenancewindow/${WINDOW_B}`);
    expect(JSON.stringify(getWindow)).not.toContain('maintenancewindow/*');
    for (const windowId of [WINDOW_A, WINDOW_B]) {
      const alarms = Object.values(alarmsWithDescription(template, `in window ${windowId}`));
      expect(alarms).toHaveLength(1);
      const metrics = alarms[0]?.Properties.Metrics as { MetricStat?: { Metric: unknown } }[];
      expect(metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []))).toEqual([
        {
          MetricName: 'FailedInvocations',
          Namespace: DEFAULT_METRIC_NAMESPACE,
          Dimensions: [{ Name: 'WindowId', Value: windowId }],
        },
        {
          MetricName: 'TimedOutInvocations',
          Namespace: DEFAULT_METRIC_NAMESPACE,
          Dimensions: [{ Name: 'WindowId', Value: windowId }],
        },
      ]);
    }
  });

  it("takes the failure alarms' threshold, period and evaluation periods from props", () => {
    const template = synth({
      alarmThreshold: 3,
      alarmPeriod: Duration.minutes(15),
      alarmEvaluationPeriods: 2,
    });
    const [alarm] = Object.values(alarmsWithDescription(template, 'in the fleet'));
    expect(alarm?.Properties).toMatchObject({ Threshold: 3, EvaluationPeriods: 2 });
    const metrics = (alarm?.Properties.Metrics ?? []) as { MetricStat?: { Period: number } }[];
    const periods = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Period] : []));
    expect(periods).toEqual([900, 900]);
  });

  it('delivers every event or keeps it: rule retries and dead-letter queue, function retries and failure queue', () => {
    const template = synth();
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const ruleQueue = queues.find((id) => id.includes('RuleDeadLetterQueue'));
    const failureQueue = queues.find((id) => id.includes('FailureQueue'));
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ruleQueue, 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueue, 'Arn'] } } },
    });
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
      2,
    );
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('alarms on the monitor itself, each notifying the topic on ALARM and OK and saying what to do', () => {
    const template = synth();
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    const expectations: [string, Record<string, unknown>][] = [
      ['function failed. Search its log group', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['The sweep did not finish', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      [
        'raise reservedConcurrentExecutions (or the account quota)',
        { Namespace: 'AWS/Lambda', MetricName: 'Throttles' },
      ],
      [
        'could not put an event the monitor function failed on into the failure queue',
        { Namespace: 'AWS/Lambda', MetricName: 'DestinationDeliveryFailures' },
      ],
      [
        "Lambda dropped maintenance window events from the monitor function's asynchronous queue",
        { Namespace: 'AWS/Lambda', MetricName: 'AsyncEventsDropped' },
      ],
      [
        'could not deliver maintenance window events to the monitor function',
        { Namespace: 'AWS/Events', MetricName: 'FailedInvocations' },
      ],
      [
        'are waiting in the rule dead-letter queue',
        { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' },
      ],
      [
        'waiting in the failure queue',
        { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' },
      ],
    ];
    for (const [text, metric] of expectations) {
      const alarms = Object.values(alarmsWithDescription(template, text));
      expect(alarms, text).toHaveLength(1);
      expect(alarms[0]?.Properties, text).toMatchObject({
        ...metric,
        Threshold: 1,
        AlarmActions: [topic],
        OKActions: [topic],
        TreatMissingData: 'notBreaching',
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
  });

  it('reserves no concurrency by default (it fails in accounts with little to spare), or a given number', () => {
    synth().resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
    synth({ reservedConcurrentExecutions: 20 }).hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 20,
    });
  });

  it('takes the memory of both functions and the timeout of the report function from props', () => {
    const template = synth({ memorySize: 512, timeout: Duration.minutes(5) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 300,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.sweep',
      MemorySize: 512,
      Timeout: 600,
    });
  });

  it('sets the log level and retention from props', () => {
    const template = synth({ logLevel: LogLevel.DEBUG, logRetention: logs.RetentionDays.ONE_YEAR });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('alerts on an existing topic, granting its key, and creates neither topic nor key', () => {
    // Act
    const template = synth({}, { alertTopicArn: EXISTING_TOPIC, alertTopicKeyArn: EXISTING_KEY });

    // Assess
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALERT_TOPIC_ARN: EXISTING_TOPIC }) },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual({ Action: 'sns:Publish', Effect: 'Allow', Resource: EXISTING_TOPIC });
    expect(statements).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: EXISTING_KEY,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [EXISTING_TOPIC] });
  });

  it('refuses an existing topic encrypted with the AWS-managed key, to which alarms cannot publish', () => {
    for (const keyArn of ['arn:aws:kms:us-east-1:123456789012:alias/aws/sns']) {
      expect(() => synth({}, { alertTopicArn: EXISTING_TOPIC, alertTopicKeyArn: keyArn })).toThrow(
        'alertTopic: is encrypted with the AWS-managed key alias/aws/sns, to which CloudWatch alarms cannot publish',
      );
    }
  });

  it('grants no key use for an existing topic imported without a key', () => {
    const template = synth({}, { alertTopicArn: EXISTING_TOPIC });
    expect(JSON.stringify(policyStatements(template))).not.toContain('kms:');
  });

  describe('an existing encrypted topic (alertTopic): CloudWatch alarms may use its key', () => {
    const ENV = { account: '123456789012', region: 'eu-west-1' };
    /** What CloudWatch alarms need of a topic's key, for this stack's account only. */
    const ALARM_KEY_STATEMENT = {
      Sid: 'AllowCloudWatchAlarmsToUseTheKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': ENV.account } },
    };

    /** The same, as the template has it. */
    const ALARM_KEY_STATEMENT_IN_TEMPLATE = ALARM_KEY_STATEMENT;

    function monitorWith(topic: (stack: Stack) => sns.ITopic): Stack {
      const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform', {
        env: ENV,
      });
      new MaintenanceWindowMonitor(stack, 'Monitor', { alertTopic: topic(stack) });
      return stack;
    }

    /** The monitor's warnings about the topic's key, and the statement each gives as JSON. */
    function keyWarnings(stack: Stack): { text: string; statement: unknown }[] {
      return Annotations.fromStack(stack)
        .findWarning('*', Match.stringLikeRegexp('alertTopic'))
        .map((warning) => String(warning.entry.data))
        .map((text) => ({
          text,
          statement: JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)),
        }));
    }

    it("adds the statement to a key defined in the app, conditioned on this stack's account, and warns of nothing", () => {
      // Act
      const stack = monitorWith(
        (scope) => new sns.Topic(scope, 'Ops', { masterKey: new kms.Key(scope, 'OpsKey') }),
      );

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([ALARM_KEY_STATEMENT_IN_TEMPLATE]) },
      });
      expect(keyWarnings(stack)).toEqual([]);
    });

    it('adds the statement to a key defined in another stack of the app', () => {
      // Prepare
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const shared = new Stack(app, 'Shared', { env: ENV });
      const key = new kms.Key(shared, 'OpsKey');
      const topic = new sns.Topic(shared, 'Ops', { masterKey: key });

      // Act
      const stack = new Stack(app, 'Platform', { env: ENV });
      new MaintenanceWindowMonitor(stack, 'Monitor', { alertTopic: topic });

      // Assess
      Template.fromStack(shared).hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([ALARM_KEY_STATEMENT_IN_TEMPLATE]) },
      });
      expect(keyWarnings(stack)).toEqual([]);
    });

    it('warns, with the exact statement to add, when the key is imported', () => {
      // Act: as the app imports -c alertTopicArn with -c alertTopicKeyArn, and a topic of the app with an imported key
      const imported = monitorWith((scope) =>
        sns.Topic.fromTopicAttributes(scope, 'Ops', { topicArn: EXISTING_TOPIC, keyArn: EXISTING_KEY }),
      );
      const ownTopic = monitorWith(
        (scope) =>
          new sns.Topic(scope, 'Ops', { masterKey: kms.Key.fromKeyArn(scope, 'OpsKey', EXISTING_KEY) }),
      );

      // Assess
      for (const stack of [imported, ownTopic]) {
        const warnings = keyWarnings(stack);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.text).toContain(
          `encrypted with a KMS key defined outside this app (${EXISTING_KEY})`,
        );
        expect(warnings[0]?.statement).toEqual(ALARM_KEY_STATEMENT);
      }
    });

    it('names the account to fill in when the stack has no environment', () => {
      // Act: the app's stack, as -c alertTopicArn=... -c alertTopicKeyArn=... builds it
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new MaintenanceWindowMonitorStack(app, 'Test', {
        alertTopicArn: EXISTING_TOPIC,
        alertTopicKeyArn: EXISTING_KEY,
      });

      // Assess
      const [warning] = keyWarnings(stack);
      expect(warning?.statement).toMatchObject({
        Condition: { StringEquals: { 'aws:SourceAccount': "<this stack's account ID>" } },
      });
    });

    it('warns, with the statement, when the topic is imported without a key (its encryption unknown)', () => {
      const warnings = keyWarnings(
        monitorWith((scope) => sns.Topic.fromTopicArn(scope, 'Ops', EXISTING_TOPIC)),
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.text).toContain('imported without its key');
      expect(warnings[0]?.statement).toEqual(ALARM_KEY_STATEMENT);
    });

    it('warns of nothing for an unencrypted topic defined in the app', () => {
      expect(keyWarnings(monitorWith((scope) => new sns.Topic(scope, 'Ops')))).toEqual([]);
    });
  });

  it('outputs the topic, the function, the alarm names and the queues', () => {
    const outputs = synth({ windowIds: [WINDOW_A] }).toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlertTopicArn',
      'DashboardUrl',
      'FailureAlarmNames',
      'FailureQueueUrl',
      'FunctionLogGroupName',
      'FunctionName',
      'HealthAlarmNames',
      'LedgerTableName',
      'RuleDeadLetterQueueUrl',
      'SweepFunctionName',
      'SweepLogGroupName',
    ]);
    const failureAlarms = JSON.stringify(outputs.FailureAlarmNames?.Value);
    expect(failureAlarms.match(/"Ref":"\w*FailedInvocationsAlarm\w*"/g)).toHaveLength(2);
    expect(JSON.stringify(outputs.HealthAlarmNames?.Value).match(/"Ref":/g)).toHaveLength(8);
  });

  it('outputs the log groups the README queries, as the stack names them', () => {
    const template = synth();
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.FunctionLogGroupName?.Value).toEqual({
      Ref: logicalId(template, 'AWS::Logs::LogGroup', 'FunctionLogs'),
    });
    expect(outputs.SweepLogGroupName?.Value).toEqual({
      Ref: logicalId(template, 'AWS::Logs::LogGroup', 'SweepFunctionLogs'),
    });
  });

  it('graphs exactly the metrics the function publishes on its dashboard, and outputs its URL', () => {
    // Prepare
    const template = synth();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    }[];
    const body = JSON.parse(
      (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [])
        .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
        .join(''),
    ) as { widgets: { properties: { metrics?: unknown[][] } }[] };

    // Act
    const graphed = new Set<string>();
    for (const widget of body.widgets) {
      for (const entry of widget.properties.metrics ?? []) {
        const [first, second] = entry as [unknown, unknown];
        const expression = (first as { expression?: string }).expression;
        const search = expression && /^SEARCH\('\{"([^"]+)",(\w+)\} MetricName="(\w+)"'/.exec(expression);
        if (search) graphed.add(`${search[1]}/${search[3]} by ${search[2]}`);
        else if (first === DEFAULT_METRIC_NAMESPACE) graphed.add(`${first}/${String(second)}`);
      }
    }

    // Assess: the per-window series and fleet-wide series the function publishes, no other
    expect([...graphed].sort()).toEqual([
      'MaintenanceWindowMonitor/CancelledInvocations',
      'MaintenanceWindowMonitor/CausesUnavailable by Reason',
      'MaintenanceWindowMonitor/ExecutionsCompleted by WindowId',
      'MaintenanceWindowMonitor/FailedInvocations',
      'MaintenanceWindowMonitor/FailedInvocations by WindowId',
      'MaintenanceWindowMonitor/Invocations',
      'MaintenanceWindowMonitor/TimedOutInvocations',
      'MaintenanceWindowMonitor/TimedOutInvocations by WindowId',
    ]);
    const monitorMetrics = JSON.stringify(body);
    for (const name of ['Errors', 'Throttles', 'Duration', 'ApproximateNumberOfMessagesVisible']) {
      expect(monitorMetrics).toContain(`"${name}"`);
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.DashboardUrl?.Value)).toContain('#dashboards:name=');
  });

  it('alarms when a listed window stops running, with missing data breaching', () => {
    // Act
    const template = synth({ windowIds: [WINDOW_A], expectedRunInterval: Duration.hours(26) });

    // Assess
    const alarms = Object.values(
      alarmsWithDescription(template, `No run of maintenance window ${WINDOW_A} completed`),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({
      Namespace: DEFAULT_METRIC_NAMESPACE,
      MetricName: 'ExecutionsCompleted',
      Dimensions: [{ Name: 'WindowId', Value: WINDOW_A }],
      Period: 3_600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('makes no missed-run alarm by default: the monitor does not know a schedule', () => {
    expect(Object.values(alarmsWithDescription(synth({ windowIds: [WINDOW_A] }), 'No run of'))).toEqual([]);
  });

  it('delivers chat cards and alarm notifications to Slack and Teams through a chat topic of their own', () => {
    // Act
    const template = synth({ slackChannel: SLACK, teamsChannel: TEAMS });

    // Assess
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    const alertTopic = { Ref: topics.find((id) => id.startsWith('MonitorAlertTopic')) };
    const chatTopic = { Ref: topics.find((id) => id.startsWith('MonitorChatTopic')) };
    expect(topics).toHaveLength(2);
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Maintenance window monitor (chat)',
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T012ABCDEFG',
      SlackChannelId: 'C012ABCDEFG',
      SnsTopicArns: [chatTopic],
    });
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamId: '5d6b4a34-8e1f-4d5b-9a3c-1c2d3e4f5a6b',
      TeamsTenantId: '7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
      SnsTopicArns: [chatTopic],
    });
    // Every alarm tells both topics; the function may publish to both.
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [alertTopic, chatTopic],
        OKActions: [alertTopic, chatTopic],
      });
    }
    expect(policyStatements(template)).toContainEqual({
      Action: 'sns:Publish',
      Effect: 'Allow',
      Resource: [alertTopic, chatTopic],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ CHAT_TOPIC_ARN: chatTopic }) },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ChatTopicArn?.Value).toEqual(chatTopic);
  });

  it('gives the chat channel role read-only CloudWatch, for the graphs of alarm cards', () => {
    const template = synth({ slackChannel: SLACK });
    const role = logicalId(template, 'AWS::IAM::Role', 'ChatChannelRole');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
            Effect: 'Allow',
            Resource: '*',
          },
        ],
      },
    });
  });

  it('names chat configurations uniquely per Region and per construct, as Amazon Q Developer requires', () => {
    // Prepare: the same stack in two Regions, and a second monitor in one stack
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const names = (stack: Stack) =>
      Object.values(Template.fromStack(stack).findResources('AWS::Chatbot::SlackChannelConfiguration')).map(
        (resource) => stack.resolve(resource.Properties.ConfigurationName) as string,
      );
    const east = new MaintenanceWindowMonitorStack(app, 'Patching', {
      env: { account: '123456789012', region: 'us-east-1' },
      monitor: { slackChannel: SLACK },
    });
    const west = new MaintenanceWindowMonitorStack(app, 'PatchingWest', {
      stackName: 'Patching',
      env: { account: '123456789012', region: 'eu-west-1' },
      monitor: { slackChannel: SLACK },
    });
    const two = new Stack(app, 'Two', { env: { account: '123456789012', region: 'us-east-1' } });
    new MaintenanceWindowMonitor(two, 'Prod', { slackChannel: SLACK });
    new MaintenanceWindowMonitor(two, 'Staging', { slackChannel: SLACK });

    // Act
    const all = [...names(east), ...names(west), ...names(two)];

    // Assess
    expect(all).toHaveLength(4);
    expect(new Set(all).size).toBe(4);
    for (const name of all) expect(name).toMatch(/^[A-Za-z0-9\-_]{1,128}$/);
    expect(names(east)[0]).toMatch(/^Patching-us-east-1-[0-9a-f]{8}-slack$/);
    expect(names(west)[0]).toMatch(/^Patching-eu-west-1-[0-9a-f]{8}-slack$/);
    // An environment-agnostic stack names the Region at deploy time.
    const agnostic = synth({ teamsChannel: TEAMS }).findResources(
      'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
    );
    expect(JSON.stringify(Object.values(agnostic)[0]?.Properties.ConfigurationName)).toContain(
      '"Ref":"AWS::Region"',
    );
  });

  it('creates the chat topic alone, to add to an existing channel configuration, when asked', () => {
    const template = synth({ createChatTopic: true });
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::IAM::Role', 2);
    expect(Object.keys(template.toJSON().Outputs)).toContain('ChatTopicArn');
    // With an existing alert topic, the chat topic still needs a key of its own.
    const existing = synth({ createChatTopic: true }, { alertTopicArn: EXISTING_TOPIC });
    existing.resourceCountIs('AWS::SNS::Topic', 1);
    existing.resourceCountIs('AWS::KMS::Key', 1);
    synth().resourceCountIs('AWS::SNS::Topic', 1);
    synth().resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('seeds the heartbeat of listed windows at deploy time, before their missed-run alarms exist', () => {
    // Act
    const template = synth({ windowIds: [WINDOW_A, WINDOW_B], expectedRunInterval: Duration.hours(26) });

    // Assess
    const seeds = template.findResources('Custom::MaintenanceWindowHeartbeatSeed');
    const [seedId, seed] = Object.entries(seeds)[0] ?? [];
    expect(Object.keys(seeds)).toHaveLength(1);
    expect(seed?.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'SweepFunction'), 'Arn'] },
      ServiceTimeout: '660',
      WindowIds: [WINDOW_A, WINDOW_B],
      ExpectedRunIntervalHours: 26,
      MetricNamespace: DEFAULT_METRIC_NAMESPACE,
    });
    // Whatever the alarms depend on is a property, so that changing it seeds again (an Update).
    const moved = synth({
      windowIds: [WINDOW_A],
      expectedRunInterval: Duration.hours(26),
      metricNamespace: 'Ops/Patching',
    });
    expect(
      Object.values(moved.findResources('Custom::MaintenanceWindowHeartbeatSeed'))[0]?.Properties,
    ).toMatchObject({
      MetricNamespace: 'Ops/Patching',
    });
    const missedRun = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm.Properties.AlarmDescription).includes('No run of'),
    );
    expect(missedRun).toHaveLength(2);
    for (const alarm of missedRun) expect(alarm.DependsOn).toContain(seedId);
    expect(policyStatements(template, 'SweepFunctionRole')).toContainEqual({
      Action: 'cloudwatch:GetMetricData',
      Effect: 'Allow',
      Resource: '*',
    });
    // No missed-run alarms, nothing to seed.
    synth({ windowIds: [WINDOW_A] }).resourceCountIs('Custom::MaintenanceWindowHeartbeatSeed', 0);
    expect(JSON.stringify(policyStatements(synth(), 'SweepFunctionRole'))).not.toContain('GetMetricData');
  });

  it('names up to 40 windows in the rule and the roles, and keeps every pattern under 2,048 characters', () => {
    // Prepare
    const windows = (n: number) =>
      Array.from({ length: n }, (_, i) => `mw-${(i + 1).toString(16).padStart(17, '0')}`);
    const patternLength = (template: Template) =>
      Object.values(template.findResources('AWS::Events::Rule'))
        .filter((rule) => rule.Properties.EventPattern)
        .map((rule) => JSON.stringify(rule.Properties.EventPattern).length);

    // Act
    const forty = synth({ windowIds: windows(40) });
    const many = synth({ windowIds: windows(120), expectedRunInterval: Duration.hours(26) });

    // Assess: up to 40, the pattern and the name lookup list each window
    expect(Math.max(...patternLength(forty))).toBeLessThan(2_048);
    forty.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: Match.objectLike({ 'window-id': windows(40) }) },
    });
    // Above, the rule matches every window, the function filters on WINDOW_IDS, names are read from any window.
    expect(Math.max(...patternLength(many))).toBeLessThan(2_048);
    many.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: Match.objectEquals({ status: Match.anyValue() }) },
    });
    many.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ WINDOW_IDS: windows(120).join(',') }) },
    });
    expect(JSON.stringify(policyStatements(many))).toContain(':maintenancewindow/*');
    // 8 health alarms, the fleet's, and each window's failure and missed-run alarms, under 500 resources.
    expect(Object.keys(many.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(8 + 1 + 2 * 120);
    expect(Object.keys(many.toJSON().Resources).length).toBeLessThan(500);
    // The output names the fleet alarm and the first 20 window alarms, and says how to list the rest.
    const output = (many.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>)
      .FailureAlarmNames;
    expect(JSON.stringify(output?.Value).match(/"Ref":"\w*FailedInvocationsAlarm\w*"/g)).toHaveLength(21);
    expect(output?.Description).toContain(
      'the first 20 of 120; aws cloudwatch describe-alarms --alarm-name-prefix Test- lists them all',
    );
  });

  it.each<[MaintenanceWindowMonitorProps, string]>([
    [{ alertEmails: ['ops'] }, 'alertEmails: "ops" is not an e-mail address'],
    [{ alertEmails: ['a@b.com,c@d.com'] }, 'alertEmails: "a@b.com,c@d.com" is not an e-mail address'],
    [{ metricNamespace: 'AWS/SSM' }, 'metricNamespace: "AWS/SSM" is not a valid custom namespace'],
    [{ metricNamespace: 'has spaces' }, 'metricNamespace: "has spaces" is not a valid custom namespace'],
    [{ metricNamespace: '' }, 'metricNamespace: "" is not a valid custom namespace'],
    [{ windowIds: [] }, 'windowIds: must list at least one window'],
    [{ windowIds: ['mw-123'] }, 'windowIds: "mw-123" is not a window ID'],
    [
      { windowIds: ['mw-0123456789ABCDEF0'] },
      'windowIds: "mw-0123456789ABCDEF0" has upper-case letters: window IDs are lower-case (mw-0123456789abcdef0)',
    ],
    [{ windowIds: [WINDOW_A, WINDOW_A] }, 'windowIds: lists a window twice'],
    [
      { expectedRunInterval: Duration.hours(26) },
      'Test/Monitor: expectedRunInterval and windowIds: missed-run alarms are per listed window',
    ],
    [
      { windowIds: [WINDOW_A], reporting: Reporting.TASK, expectedRunInterval: Duration.hours(26) },
      'Test/Monitor: expectedRunInterval and reporting: missed-run alarms watch runs, which only Reporting.EXECUTION reports',
    ],
    [
      { windowIds: Array.from({ length: 121 }, (_, i) => `mw-${i.toString(16).padStart(17, '0')}`) },
      'windowIds: lists 121 windows, more than the 120 one stack can watch by ID',
    ],
    [
      { createChatTopic: false, slackChannel: { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' } },
      'createChatTopic: is false, but slackChannel or teamsChannel needs the chat topic to subscribe to',
    ],
    [{ reporting: 'window' as Reporting }, 'reporting: "window" is not one of execution, task'],
    [{ alarmThreshold: 0 }, 'alarmThreshold: must be a number of invocations of at least 1, got 0'],
    [
      { alarmThreshold: Number.NaN },
      'alarmThreshold: must be a number of invocations of at least 1, got NaN',
    ],
    [
      { alarmPeriod: Duration.seconds(90) },
      'alarmPeriod: must be whole minutes from 1 minute to 1 day, got 1 minute 30 seconds',
    ],
    [
      { alarmPeriod: Duration.days(2) },
      'alarmPeriod: must be whole minutes from 1 minute to 1 day, got 2 days',
    ],
    [
      { alarmEvaluationPeriods: 1.5 },
      'alarmEvaluationPeriods: must be a whole number of at least 1, got 1.5',
    ],
    [
      { alarmPeriod: Duration.minutes(30), alarmEvaluationPeriods: 49 },
      'alarmEvaluationPeriods: times alarmPeriod must not exceed one day for periods under an hour',
    ],
    [
      { alarmPeriod: Duration.hours(6), alarmEvaluationPeriods: 29 },
      'alarmEvaluationPeriods: times alarmPeriod must not exceed seven days',
    ],
    [
      { expectedRunInterval: Duration.days(8) },
      'expectedRunInterval: must be whole hours from 1 hour to 7 days, got 8 days',
    ],
    [
      { expectedRunInterval: Duration.minutes(90) },
      'expectedRunInterval: must be whole hours from 1 hour to 7 days',
    ],
    [
      { slackChannel: { workspaceId: 'acme', channelId: 'C012ABCDEFG' } },
      'slackChannel: workspaceId "acme" is not a Slack workspace ID',
    ],
    [
      { slackChannel: { workspaceId: 'T012ABCDEFG', channelId: '#alerts' } },
      'slackChannel: channelId "#alerts" is not a Slack channel ID',
    ],
    [
      { teamsChannel: { teamId: 'team', channelId: 'c', tenantId: '7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b' } },
      'teamsChannel: teamId "team" is not a UUID',
    ],
    [
      {
        teamsChannel: { teamId: '5d6b4a34-8e1f-4d5b-9a3c-1c2d3e4f5a6b', channelId: 'c', tenantId: 'tenant' },
      },
      'teamsChannel: tenantId "tenant" is not a UUID',
    ],
    [
      {
        teamsChannel: {
          teamId: '5d6b4a34-8e1f-4d5b-9a3c-1c2d3e4f5a6b',
          channelId: '19:abc@thread.tacv2',
          tenantId: '7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        },
      },
      'teamsChannel: channelId "19:abc@thread.tacv2" must be URL-encoded',
    ],
    [{ logLevel: 'TRACE' as LogLevel }, 'logLevel: "TRACE" is not one of DEBUG, INFO, WARN, ERROR'],
    [
      { logRetention: 42 as logs.RetentionDays },
      'logRetention: 42 is not a retention CloudWatch Logs offers',
    ],
    [{ memorySize: 64 }, 'memorySize: must be whole MB from 128 to 10240, got 64'],
    [
      { timeout: Duration.minutes(20) },
      'timeout: must be whole seconds from 30 seconds to 15 minutes, got 20 minutes',
    ],
    [
      { reservedConcurrentExecutions: 0 },
      'reservedConcurrentExecutions: must be a whole number of at least 1, got 0',
    ],
    [
      { sweepInterval: Duration.minutes(2) },
      'sweepInterval: must be whole minutes from 5 minutes to 1 day, got 2 minutes',
    ],
    [
      { sweepInterval: Duration.seconds(330) },
      'sweepInterval: must be whole minutes from 5 minutes to 1 day',
    ],
    [
      { sweepLookback: Duration.days(15) },
      'sweepLookback: must be whole minutes, at least sweepInterval plus 30 minutes and at most 14 days, got 15 days',
    ],
    [
      { sweepInterval: Duration.hours(1), sweepLookback: Duration.hours(1) },
      'sweepLookback: must be whole minutes, at least sweepInterval plus 30 minutes and at most 14 days, got 1 hour',
    ],
    [
      { sweepInterval: Duration.hours(6), sweepLookback: Duration.hours(1) },
      'sweepLookback: must be whole minutes, at least sweepInterval plus 30 minutes and at most 14 days, got 1 hour',
    ],
    [{ failureCauses: 'full' as FailureCauses }, 'failureCauses: "full" is not one of summary, off'],
    [{ maxCauseReads: 0 }, 'maxCauseReads: must be a whole number of targets from 1 to 500, got 0'],
    [{ maxCauseReads: 501 }, 'maxCauseReads: must be a whole number of targets from 1 to 500, got 501'],
    [{ maxCauseReads: 2.5 }, 'maxCauseReads: must be a whole number of targets from 1 to 500, got 2.5'],
    [
      { failureCauses: FailureCauses.OFF, maxCauseReads: 20 },
      'Test/Monitor: maxCauseReads and failureCauses: no cause is read while failureCauses is off: leave maxCauseReads out',
    ],
    [
      { organization: { organizationId: 'o-abcdefghij', regions: ['us-east-1'] }, maxCauseReads: 20 },
      'maxCauseReads and failureCauses: no cause is read while failureCauses is off (the default in an Organization): ' +
        'leave maxCauseReads out, or set failureCauses to summary',
    ],
  ])('rejects %j naming the prop', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('MaintenanceWindowMonitor in a stack of your own', () => {
  function bareStack(): Stack {
    return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform');
  }

  it('builds twice in one stack, each with its own functions, topics, ledger and alarms', () => {
    // Act
    const stack = bareStack();
    const prod = new MaintenanceWindowMonitor(stack, 'Prod', { windowIds: [WINDOW_A] });
    const staging = new MaintenanceWindowMonitor(stack, 'Staging', { metricNamespace: 'Staging/Patching' });
    const template = Template.fromStack(stack);

    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(stack.resolve(prod.alertTopic.topicArn)).not.toEqual(stack.resolve(staging.alertTopic.topicArn));
    expect(Object.keys(prod.windowFailureAlarms)).toEqual([WINDOW_A]);
    expect(Object.keys(staging.healthAlarms)).toEqual([
      'reportFunctionErrors',
      'sweepErrors',
      'destinationDeliveryFailures',
      'asyncEventsDropped',
      'reportFunctionThrottles',
      'eventRuleFailedInvocations',
      'eventRuleDeadLetterQueue',
      'failureQueue',
    ]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  const outdirs: string[] = [];
  afterEach(() => {
    for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
  });

  /** Synthesizes the app with the nag plugin; the assembly goes to a folder removed after the test. */
  function synthWithNag(stackProps: MaintenanceWindowMonitorStackProps, extra?: (stack: Stack) => void) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-nag-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const stack = new MaintenanceWindowMonitorStack(app, 'Nag', stackProps);
    extra?.(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    return { outdir, run: () => app.synth() };
  }

  it.each<[string, MaintenanceWindowMonitorStackProps]>([
    ['the default stack', { monitor: { alertEmails: ['ops@example.com'] } }],
    ['chat channels', { monitor: { windowIds: [WINDOW_A], slackChannel: SLACK, teamsChannel: TEAMS } }],
    [
      'listed windows, per-task reporting and an existing topic',
      { alertTopicArn: EXISTING_TOPIC, monitor: { windowIds: [WINDOW_A], reporting: Reporting.TASK } },
    ],
    [
      'missed-run alarms and more windows than the rule names',
      {
        monitor: {
          windowIds: Array.from({ length: 41 }, (_, i) => `mw-${(i + 1).toString(16).padStart(17, '0')}`),
          expectedRunInterval: Duration.hours(26),
        },
      },
    ],
  ])('finds nothing unacknowledged with %s', (_, props) => {
    expect(synthWithNag(props).run).not.toThrow();
  });

  it('does fail synthesis on a finding (the check can fail)', () => {
    const { outdir, run } = synthWithNag({}, (stack) => new sns.Topic(stack, 'PlainTopic'));
    expect(run).toThrow(/AwsSolutions-SNS3/);
    const report = readFileSync(path.join(outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('AwsSolutions-SNS3');
    expect(report).toContain('Nag/PlainTopic/Resource');
  });
});

/** Each reach: how the older props write it, and the longest values it takes. */
interface ReachCase {
  readonly name: string;
  readonly reach: () => MonitorReach;
  /** The same reach through the props that came before `reach`. */
  readonly props: MaintenanceWindowMonitorProps;
  /** The longest values of its props, for the functions' 4 KB environment. */
  readonly longest: MaintenanceWindowMonitorProps;
  readonly functions: number;
  /** Its own metric methods' metrics, as [name, dimensions, period in minutes]. */
  readonly metrics: (monitor: MaintenanceWindowMonitor) => cloudwatch.Metric[];
  readonly expected: [string, Record<string, string>, number][];
  /** Whether the Organization-only members are defined. */
  readonly central: boolean;
}

const ORGANIZATION: OrganizationOptions = {
  organizationId: 'o-abcdefghij',
  regions: ['us-east-1', 'eu-west-1'],
};
/** 50 Regions as long as the role names allow with a 32-character prefix (23 characters). */
const LONG_REGIONS = Array.from(
  { length: 50 },
  (_, i) =>
    `us-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}${'x'.repeat(16)}-1`,
);
const LONG_ORGANIZATION: OrganizationOptions = {
  organizationId: `o-${'a'.repeat(32)}`,
  regions: LONG_REGIONS,
  organizationalUnitIds: ['r-ab12'],
  rolePrefix: 'P'.repeat(32),
  metricDetail: OrganizationMetricDetail.ACCOUNT_REGION_WINDOW,
};

const REACHES: ReachCase[] = [
  {
    name: 'this account',
    reach: () => MonitorReach.thisAccount(),
    props: {},
    longest: {
      windowIds: Array.from({ length: 120 }, (_, i) => `mw-${(i + 1).toString(16).padStart(17, '0')}`),
      slackChannel: SLACK,
    },
    functions: 2,
    metrics: (monitor) => [
      monitor.metricFailedInvocations(),
      monitor.metricTimedOutInvocations(WINDOW_A, { period: Duration.hours(1) }),
      monitor.metricCancelledInvocations(),
      monitor.metricInvocations(WINDOW_A),
      monitor.metricExecutionsCompleted(WINDOW_A),
    ],
    expected: [
      ['FailedInvocations', {}, 5],
      ['TimedOutInvocations', { WindowId: WINDOW_A }, 60],
      ['CancelledInvocations', {}, 5],
      ['Invocations', { WindowId: WINDOW_A }, 5],
      ['ExecutionsCompleted', { WindowId: WINDOW_A }, 5],
    ],
    central: false,
  },
  {
    name: 'an Organization',
    reach: () => MonitorReach.organization(ORGANIZATION),
    props: { organization: ORGANIZATION },
    longest: { createChatTopic: true, organization: LONG_ORGANIZATION },
    functions: 3,
    metrics: (monitor) => [
      monitor.metricFailedInvocations(),
      monitor.metricInvocations(undefined, { period: Duration.hours(1) }),
      monitor.metricUnreachableTargets(),
      monitor.metricEventPathBrokenTargets({ period: Duration.days(1) }),
    ],
    expected: [
      ['FailedInvocations', {}, 5],
      ['Invocations', {}, 60],
      ['UnreachableTargets', {}, 5],
      ['EventPathBrokenTargets', {}, 1_440],
    ],
    central: true,
  },
];

describe.each(REACHES)('MaintenanceWindowMonitor, reaching $name', (reach) => {
  it('builds from the reach prop exactly what the props before it build', () => {
    // Act
    const fromReach = new MaintenanceWindowMonitorStack(
      new App({ context: { 'aws:cdk:bundling-stacks': [] } }),
      'Test',
      {
        monitor: { reach: reach.reach() },
      },
    );

    // Assess
    expect(Template.fromStack(fromReach).toJSON()).toEqual(synth(reach.props).toJSON());
  });

  it('gives metrics for alarms of your own, in its namespace, and its own members only', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform');
    const monitor = new MaintenanceWindowMonitor(stack, 'Monitor', {
      metricNamespace: 'Ops/Patching',
      reach: reach.reach(),
    });

    // Act
    const metrics = reach.metrics(monitor);

    // Assess
    expect(
      metrics.map((metric) => [
        metric.namespace,
        metric.metricName,
        metric.dimensions,
        metric.statistic,
        metric.period.toMinutes(),
      ]),
    ).toEqual(
      reach.expected.map(([name, dimensions, minutes]) => ['Ops/Patching', name, dimensions, 'Sum', minutes]),
    );
    const central = [
      monitor.centralEventBus,
      monitor.sweepQueue,
      monitor.sweepDeadLetterQueue,
      monitor.sweepPlannerFunction,
      monitor.sweepPlannerFunctionLogGroup,
      monitor.memberStackSet,
    ];
    expect(central.map((member) => member !== undefined)).toEqual(central.map(() => reach.central));
    expect(monitor.organizationAlarms && Object.keys(monitor.organizationAlarms)).toEqual(
      reach.central
        ? ['unreachableTargets', 'eventPathBrokenTargets', 'sweepDeadLetterQueue', 'sweepPlannerErrors']
        : undefined,
    );
  });

  it("keeps each function's environment within Lambda's 4 KB with its longest values", () => {
    // Prepare: the longest namespace and stack name, and the reach's longest values.
    const template = synthStack('Long', {
      stackName: `M${'x'.repeat(127)}`,
      monitor: { metricNamespace: 'N'.repeat(255), ...reach.longest },
    });

    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    // Assess: a value CloudFormation resolves at deploy time is counted at the longest it can be
    // (an ARN of a generated name of up to 256 characters in the longest partition and Region).
    const longestResolved = 350;
    expect(functions).toHaveLength(reach.functions);
    for (const fn of functions) {
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      const bytes = Object.entries(variables).reduce(
        (sum, [name, value]) =>
          sum + name.length + (typeof value === 'string' ? value.length : longestResolved),
        0,
      );
      expect(bytes).toBeLessThan(4 * 1024);
    }
  });
});

describe('MaintenanceWindowMonitor reach and organization props', () => {
  it('refuses both, naming both', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform');
    expect(
      () =>
        new MaintenanceWindowMonitor(stack, 'Monitor', {
          reach: MonitorReach.organization(ORGANIZATION),
          organization: ORGANIZATION,
        }),
    ).toThrow('Platform/Monitor: organization: and reach both say where the monitor looks');
  });

  it("names an Organization reach's options organization.<option>, as the organization prop does", () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform');
    expect(
      () =>
        new MaintenanceWindowMonitor(stack, 'Monitor', {
          reach: MonitorReach.organization({ ...ORGANIZATION, regions: [] }),
        }),
    ).toThrow('Platform/Monitor: organization.regions: must list at least one Region');
  });
});

import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  EXECUTION_DETAIL_TYPE,
  TASK_EXECUTION_DETAIL_TYPE,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../lambda/event';
import { DEFAULT_METRIC_NAMESPACE, EnvVar, MetricName } from '../lambda/metric-names';

const PROJECT_ROOT = path.join(__dirname, '..');

export interface MaintenanceWindowMonitorProps {
  /**
   * E-mail addresses subscribed to the alert topic. Each recipient must confirm the subscription
   * (SNS deletes unconfirmed ones after 48 hours).
   * @default - no subscriptions; subscribe to the `topic` yourself
   */
  readonly alertEmails?: readonly string[];

  /**
   * CloudWatch namespace of the published metrics.
   * @default 'MaintenanceWindowMonitor'
   */
  readonly metricNamespace?: string;

  /**
   * What one report covers. `execution`: one report and at most one alert per maintenance window
   * run, covering all its tasks. `task`: one per task execution, as each task ends.
   * @default 'execution'
   */
  readonly reporting?: Reporting;
}

/** The unit of reporting: a whole window execution, or each of its task executions. */
export type Reporting = 'execution' | 'task';
export const REPORTING_MODES: readonly Reporting[] = ['execution', 'task'];

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const NAMESPACE = /^[A-Za-z0-9.\-_/#:]{1,255}$/;

function validate(props: MaintenanceWindowMonitorProps): void {
  if (props.reporting !== undefined && !REPORTING_MODES.includes(props.reporting)) {
    throw new Error(`reporting: "${props.reporting}" is not one of ${REPORTING_MODES.join(', ')}`);
  }
  for (const email of props.alertEmails ?? []) {
    if (!EMAIL.test(email)) {
      throw new Error(`alertEmails: "${email}" is not an e-mail address (expected name@domain.tld)`);
    }
  }
  const namespace = props.metricNamespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace)) {
    if (!NAMESPACE.test(namespace) || namespace.startsWith('AWS/')) {
      throw new Error(
        `metricNamespace: "${namespace}" is not a valid custom namespace (1-255 of A-Z a-z 0-9 . - _ / # :, not starting with "AWS/")`,
      );
    }
  }
}

/**
 * Watches SSM maintenance windows: every window (or task) execution that ends is counted target
 * by target, published as CloudWatch metrics and, when targets failed or timed out, announced on
 * an encrypted SNS topic that an alarm on the same metrics also notifies.
 */
export class MaintenanceWindowMonitor extends Construct {
  /** The KMS key that encrypts the alert topic. */
  public readonly topicKey: kms.Key;
  /** Receives one message per task execution with failures, and the alarm's state changes. */
  public readonly topic: sns.Topic;
  public readonly function: nodejs.NodejsFunction;
  public readonly rule: events.Rule;
  /** In ALARM while any target failed or timed out in the last period, fleet-wide. */
  public readonly alarm: cloudwatch.Alarm;
  public readonly metricNamespace: string;
  public readonly reporting: Reporting;

  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorProps = {}) {
    super(scope, id);
    validate(props);
    this.metricNamespace = props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
    this.reporting = props.reporting ?? 'execution';
    const stack = Stack.of(this);

    this.topicKey = new kms.Key(this, 'AlertTopicKey', {
      description: 'Encrypts the maintenance window monitor alert topic',
      enableKeyRotation: true,
      // The topic stores no messages, so nothing needs the key once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets them use it.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'Maintenance window monitor',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    for (const email of props.alertEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const logGroup = new logs.LogGroup(this, 'FunctionLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads maintenance window task invocations, publishes their metrics and alerts',
    });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Counts failed and timed-out maintenance window task invocations',
      entry: path.join(PROJECT_ROOT, 'lambda', 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      role,
      logGroup,
      environment: {
        [EnvVar.AlertTopicArn]: this.topic.topicArn,
        [EnvVar.MetricNamespace]: this.metricNamespace,
        POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        // Bundle the pinned SDK rather than use the runtime's copy: what is tested is what runs.
        externalModules: [],
        format: nodejs.OutputFormat.CJS,
        mainFields: ['module', 'main'],
        target: 'node24',
        minify: true,
        sourceMap: false,
        forceDockerBundling: false,
      },
    });

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Listing a window execution's tasks is needed only when reporting whole executions.
        actions: [
          ...(this.reporting === 'execution' ? ['ssm:DescribeMaintenanceWindowExecutionTasks'] : []),
          'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
        ],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetMaintenanceWindow'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'maintenancewindow', resourceName: '*' })],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': this.metricNamespace } },
      }),
    );
    // Not topic.grantPublish: it also grants kms:GenerateDataKey*, more than SNS needs to encrypt.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.topicKey.keyArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]',
      reason:
        'ssm:GetMaintenanceWindow (read the name of the window for the alert) is limited to maintenance windows ' +
        'of this account and region; which windows will run is not known when the stack is deployed.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The SSM DescribeMaintenanceWindowExecution* actions support no resource type, so they need "*"; ' +
        'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition.',
    });

    const perExecution = this.reporting === 'execution';
    this.rule = new events.Rule(this, 'Rule', {
      description: `Maintenance window ${perExecution ? '' : 'task '}executions that reached a terminal status`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: [perExecution ? EXECUTION_DETAIL_TYPE : TASK_EXECUTION_DETAIL_TYPE],
        detail: { status: [...(perExecution ? TERMINAL_EXECUTION_STATUSES : TERMINAL_TASK_STATUSES)] },
      },
      targets: [new eventsTargets.LambdaFunction(this.function)],
    });

    const period = Duration.minutes(5);
    const unhealthy = new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: this.failureMetric(MetricName.FailedInvocations, period),
        timedOut: this.failureMetric(MetricName.TimedOutInvocations, period),
      },
      label: 'Failed and timed-out invocations',
      period,
    });
    this.alarm = new cloudwatch.Alarm(this, 'FailedInvocationsAlarm', {
      alarmDescription:
        'Maintenance window targets failed or timed out in the last 5 minutes. ' +
        'Read the alert message on the same topic for the targets and their status details.',
      metric: unhealthy,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
    this.alarm.addOkAction(new cloudwatchActions.SnsAction(this.topic));
  }

  /** A fleet-wide series the function publishes (the one without the `WindowId` dimension). */
  private failureMetric(metricName: MetricName, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.metricNamespace, metricName, statistic: 'Sum', period });
  }
}

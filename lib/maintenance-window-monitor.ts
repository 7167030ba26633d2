import * as path from 'node:path';
import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_METRIC_NAMESPACE,
  DimensionName,
  EnvVar,
  EXECUTION_DETAIL_TYPE,
  LEDGER_RETENTION_DAYS,
  LedgerAttribute,
  MetricName,
  TASK_EXECUTION_DETAIL_TYPE,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../lambda/contract';
import { DEFAULTS, type MaintenanceWindowMonitorProps, type Reporting, validateProps } from './props';

export type { MaintenanceWindowMonitorProps, Reporting } from './props';

const PROJECT_ROOT = path.join(__dirname, '..');
/**
 * Credential providers the SDK loads lazily, only when the environment holds no credentials. In
 * Lambda it always does (the execution role's keys), so they are left out of the bundle: ~90 KB
 * less to load at every cold start. Measured by `npm run bench`.
 */
export const LAZY_CREDENTIAL_MODULES = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
];

/** The sweep leaves executions that ended this recently to their own event. */
const SWEEP_GRACE = Duration.minutes(15);

/**
 * Windows the rule's event pattern and the roles' policies list by ID. Each costs ~23 characters
 * of EventBridge's 2,048-character pattern and ~70 of IAM's 10,240-character role policies; above
 * this, the rule matches every window and the function filters.
 */
export const MAX_WINDOWS_IN_PATTERN = 40;

/** The listed windows, when few enough to name in the event pattern and the policies. */
function namedWindows(windowIds: readonly string[] | undefined): readonly string[] | undefined {
  return windowIds && windowIds.length <= MAX_WINDOWS_IN_PATTERN ? windowIds : undefined;
}

/**
 * Watches SSM maintenance windows: every window (or task) execution that ends is counted target
 * by target, published as CloudWatch metrics and, when targets failed or timed out, announced on
 * an SNS topic that the failure alarms, and the alarms on the monitor's own health, also notify.
 */
export class MaintenanceWindowMonitor extends Construct {
  /** Receives one message per run with failures, and every alarm's state changes. */
  public readonly topic: sns.ITopic;
  /**
   * Chat cards of the alerts and every alarm's state changes, for Amazon Q Developer channels;
   * created when a chat channel is configured or `createChatTopic` is true.
   */
  public readonly chatTopic?: sns.Topic;
  /** The key of the topics the construct created; undefined when it created none. */
  public readonly topicKey?: kms.Key;
  public readonly function: nodejs.NodejsFunction;
  /** Where the function logs: query it with CloudWatch Logs Insights. */
  public readonly functionLogGroup: logs.LogGroup;
  /** Runs on a schedule and reports executions whose event never arrived. */
  public readonly sweepFunction: nodejs.NodejsFunction;
  /** Where the sweep logs. */
  public readonly sweepLogGroup: logs.LogGroup;
  /**
   * Seeds the listed windows' heartbeats at deploy time, so the missed-run alarms (created after
   * it) do not fire for windows that ran before the monitor existed; only with missed-run alarms.
   */
  public readonly heartbeatSeed?: CustomResource;
  /** Records which executions were reported, and how far each got. */
  public readonly ledgerTable: dynamodb.Table;
  public readonly rule: events.Rule;
  /** Events EventBridge could not deliver to the function. */
  public readonly ruleDeadLetterQueue: sqs.Queue;
  /** Events the function failed on after Lambda's retries. */
  public readonly failureQueue: sqs.Queue;
  /** In ALARM while targets fail or time out, fleet-wide. */
  public readonly alarm: cloudwatch.Alarm;
  /** One failure alarm per window in `windowIds`, by window ID. */
  public readonly windowAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Alarms on the monitor itself: errors, throttles, undelivered and failed events. */
  public readonly healthAlarms: readonly cloudwatch.Alarm[];
  /** One alarm per window in `windowIds` that fires when the window stops running. */
  public readonly missedRunAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Fleet patching health and the monitor's own. */
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly metricNamespace: string;
  public readonly reporting: Reporting;

  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorProps = {}) {
    super(scope, id);
    validateProps(props);
    this.metricNamespace = props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
    this.reporting = props.reporting ?? DEFAULTS.reporting;

    const chat = props.createChatTopic ?? Boolean(props.slackChannel || props.teamsChannel);
    if (props.alertTopic) {
      this.topic = props.alertTopic;
    } else {
      this.topicKey = this.createTopicKey();
      this.topic = this.createTopic('AlertTopic', this.topicKey, 'Maintenance window monitor');
    }
    if (chat) {
      this.topicKey ??= this.createTopicKey();
      this.chatTopic = this.createTopic('ChatTopic', this.topicKey, 'Maintenance window monitor (chat)');
    }
    for (const email of props.alertEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.failureQueue = this.deadLetterQueue('FailureQueue');
    this.ruleDeadLetterQueue = this.deadLetterQueue('RuleDeadLetterQueue');
    this.ledgerTable = this.createLedgerTable();
    this.functionLogGroup = this.logGroup('FunctionLogs', props);
    this.function = this.createFunction(props, this.functionLogGroup);
    this.sweepLogGroup = this.logGroup('SweepFunctionLogs', props);
    this.sweepFunction = this.createSweep(props, this.sweepLogGroup);
    this.rule = this.createRule(props.windowIds);

    const period = props.alarmPeriod ?? DEFAULTS.alarmPeriod;
    const failureAlarm = {
      threshold: props.alarmThreshold ?? DEFAULTS.alarmThreshold,
      evaluationPeriods: props.alarmEvaluationPeriods ?? DEFAULTS.alarmEvaluationPeriods,
      period,
    };
    this.alarm = this.failureAlarm('FailedInvocationsAlarm', 'the fleet', {}, failureAlarm);
    this.windowAlarms = Object.fromEntries(
      (props.windowIds ?? []).map((windowId) => [
        windowId,
        this.failureAlarm(
          `FailedInvocationsAlarm-${windowId}`,
          `window ${windowId}`,
          { [DimensionName.WindowId]: windowId },
          failureAlarm,
        ),
      ]),
    );
    this.healthAlarms = this.createHealthAlarms();
    // Missed-run alarms watch the heartbeat of listed windows, which only execution reporting has.
    const interval = props.expectedRunInterval ?? DEFAULTS.expectedRunInterval;
    const watched = this.reporting === 'execution' ? (props.windowIds ?? []) : [];
    if (interval !== 'none' && watched.length > 0) {
      this.heartbeatSeed = this.createHeartbeatSeed(watched, interval);
      this.missedRunAlarms = this.createMissedRunAlarms(watched, interval, this.heartbeatSeed);
    } else {
      this.missedRunAlarms = {};
    }
    this.dashboard = this.createDashboard(period);
    this.createChatChannels(props);
  }

  private createTopicKey(): kms.Key {
    const key = new kms.Key(this, 'AlertTopicKey', {
      description: 'Encrypts the maintenance window monitor alert topic',
      enableKeyRotation: true,
      // The topic stores no messages, so nothing needs the key once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets them use it.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return key;
  }

  private createTopic(id: string, key: kms.IKey, displayName: string): sns.Topic {
    const stack = Stack.of(this);
    const topic = new sns.Topic(this, id, {
      displayName,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
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
    return topic;
  }

  /** An encrypted, TLS-only queue that keeps undeliverable events for the 14 days SQS allows. */
  private deadLetterQueue(id: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (an EventBridge target DLQ or a Lambda on-failure destination).',
    });
    return queue;
  }

  /** A role for one of the monitor's functions: logs to its own log group only. */
  private functionRole(id: string, description: string, logGroup: logs.LogGroup): iam.Role {
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    logGroup.grantWrite(role);
    return role;
  }

  private logGroup(id: string, props: MaintenanceWindowMonitorProps): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: props.logRetention ?? DEFAULTS.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** One of the monitor's functions; both run the same bundle, entered through different exports. */
  private monitorFunction(
    id: string,
    props: MaintenanceWindowMonitorProps,
    options: Pick<nodejs.NodejsFunctionProps, 'description' | 'handler' | 'timeout' | 'role' | 'logGroup'> &
      Partial<nodejs.NodejsFunctionProps>,
  ): nodejs.NodejsFunction {
    const lookback = props.reconcileLookback ?? DEFAULTS.reconcileLookback;
    return new nodejs.NodejsFunction(this, id, {
      entry: path.join(PROJECT_ROOT, 'lambda', 'handler.ts'),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      environment: {
        [EnvVar.AlertTopicArn]: this.topic.topicArn,
        ...(this.chatTopic ? { [EnvVar.ChatTopicArn]: this.chatTopic.topicArn } : {}),
        [EnvVar.MetricNamespace]: this.metricNamespace,
        [EnvVar.LedgerTableName]: this.ledgerTable.tableName,
        // Records outlive the oldest event the function accepts (a replay from a dead-letter
        // queue, up to 15 days and 6 hours on) and the sweep's look-back (at most 14 days), so neither can
        // report a run twice.
        [EnvVar.LedgerRetentionDays]: String(LEDGER_RETENTION_DAYS),
        [EnvVar.Reporting]: this.reporting,
        ...(props.windowIds ? { [EnvVar.WindowIds]: props.windowIds.join(',') } : {}),
        [EnvVar.SweepLookbackMinutes]: String(lookback.toMinutes()),
        [EnvVar.SweepGraceMinutes]: String(SWEEP_GRACE.toMinutes()),
        POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? DEFAULTS.logLevel,
      },
      bundling: {
        // Bundle the pinned SDK rather than use the runtime's copy: what is tested is what runs.
        externalModules: LAZY_CREDENTIAL_MODULES,
        format: nodejs.OutputFormat.CJS,
        mainFields: ['module', 'main'],
        target: 'node24',
        minify: true,
        sourceMap: false,
        forceDockerBundling: false,
      },
      ...options,
    });
  }

  private createFunction(
    props: MaintenanceWindowMonitorProps,
    logGroup: logs.LogGroup,
  ): nodejs.NodejsFunction {
    const role = this.functionRole(
      'FunctionRole',
      'Reads maintenance window executions, publishes their metrics and alerts',
      logGroup,
    );
    const concurrency = props.reservedConcurrency ?? DEFAULTS.reservedConcurrency;
    const fn = this.monitorFunction('Function', props, {
      description: 'Counts failed and timed-out maintenance window task invocations',
      handler: 'handler',
      timeout: Duration.minutes(2),
      role,
      logGroup,
      ...(concurrency === 'none' ? {} : { reservedConcurrentExecutions: concurrency }),
      // Lambda retries a failed event twice, then hands it to the failure queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });
    this.grantReporting(role, props, this.reporting === 'execution');
    return fn;
  }

  private createSweep(props: MaintenanceWindowMonitorProps, logGroup: logs.LogGroup): nodejs.NodejsFunction {
    const role = this.functionRole(
      'SweepFunctionRole',
      'Finds maintenance window executions that were never reported, and reports them',
      logGroup,
    );
    const fn = this.monitorFunction('SweepFunction', props, {
      description: 'Reports maintenance window executions whose event never arrived',
      handler: 'sweep',
      timeout: Duration.minutes(10),
      role,
      logGroup,
      // The next scheduled sweep is the retry.
      retryAttempts: 0,
    });
    // The sweep lists tasks in either reporting mode (per-task keys need them).
    this.grantReporting(role, props, true);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:DescribeMaintenanceWindows', 'ssm:DescribeMaintenanceWindowExecutions'],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:DescribeTable'],
        resources: [this.ledgerTable.tableArn],
      }),
    );
    new events.Rule(this, 'SweepSchedule', {
      description: 'Reconciles maintenance window executions whose event never arrived',
      schedule: events.Schedule.rate(props.reconcileInterval ?? DEFAULTS.reconcileInterval),
      targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    return fn;
  }

  /** What reporting one execution needs: the calls the event handler and the sweep share. */
  private grantReporting(role: iam.Role, props: MaintenanceWindowMonitorProps, listTasks: boolean): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Listing a window execution's tasks is needed only when reporting whole executions.
        actions: [
          ...(listTasks ? ['ssm:DescribeMaintenanceWindowExecutionTasks'] : []),
          'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
        ],
        resources: ['*'],
      }),
    );
    const windowArn = (windowId: string) =>
      stack.formatArn({ service: 'ssm', resource: 'maintenancewindow', resourceName: windowId });
    const listed = namedWindows(props.windowIds);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetMaintenanceWindow'],
        resources: listed ? listed.map(windowArn) : [windowArn('*')],
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
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn, ...(this.chatTopic ? [this.chatTopic.topicArn] : [])],
      }),
    );
    const keys = [...new Set([this.topic.masterKey?.keyArn, this.chatTopic?.masterKey?.keyArn])].filter(
      (arn): arn is string => arn !== undefined,
    );
    if (keys.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: keys }),
      );
    }
    // Conditional updates, and a read when one is refused (completed, or leased to another delivery).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
        resources: [this.ledgerTable.tableArn],
      }),
    );

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The SSM DescribeMaintenanceWindow* actions support no resource type, so they need "*"; ' +
        'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition; ' +
        'cloudwatch:GetMetricData (the sweep reading seeded heartbeats back) supports no resource type either.',
    });
    if (!listed) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]',
        reason:
          'ssm:GetMaintenanceWindow (read the name of the window for the alert) is limited to maintenance windows ' +
          'of this account and region; with no windowIds, which windows will run is not known at deploy time, and ' +
          `above ${MAX_WINDOWS_IN_PATTERN} listed windows their ARNs would outgrow IAM's policy size limit.`,
      });
    }
  }

  /** One item per reported execution: exactly-once reporting across duplicate deliveries. */
  private createLedgerTable(): dynamodb.Table {
    return new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: LedgerAttribute.PartitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: LedgerAttribute.ExpiresAt,
      // Losing the ledger costs at most one re-report per execution in the look-back window.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  private createRule(windowIds: readonly string[] | undefined): events.Rule {
    const perExecution = this.reporting === 'execution';
    return new events.Rule(this, 'Rule', {
      description: `Maintenance window ${perExecution ? '' : 'task '}executions that reached a terminal status`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: [perExecution ? EXECUTION_DETAIL_TYPE : TASK_EXECUTION_DETAIL_TYPE],
        detail: {
          ...(namedWindows(windowIds) ? { 'window-id': [...(windowIds ?? [])] } : {}),
          status: [...(perExecution ? TERMINAL_EXECUTION_STATUSES : TERMINAL_TASK_STATUSES)],
        },
      },
      targets: [
        new eventsTargets.LambdaFunction(this.function, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.ruleDeadLetterQueue,
        }),
      ],
    });
  }

  /** Every alarm notifies the alert topic, and the chat topic when there is one, both ways. */
  private notify(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    for (const topic of [this.topic, ...(this.chatTopic ? [this.chatTopic] : [])]) {
      const action = new cloudwatchActions.SnsAction(topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarm;
  }

  private failureAlarm(
    id: string,
    scope: string,
    dimensionsMap: Record<string, string>,
    options: { threshold: number; evaluationPeriods: number; period: Duration },
  ): cloudwatch.Alarm {
    const metric = (metricName: MetricName) =>
      new cloudwatch.Metric({ namespace: this.metricNamespace, metricName, dimensionsMap, statistic: 'Sum' });
    const minutes = options.period.toMinutes();
    return this.notify(
      new cloudwatch.Alarm(this, id, {
        alarmDescription:
          `Maintenance window targets failed or timed out in ${scope} (at least ${options.threshold} in ` +
          `${options.evaluationPeriods} period(s) of ${minutes} minutes). The alert message on the same topic names ` +
          'the window, the tasks and each failed target with its status details; fix or re-run them from the console link.',
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
          usingMetrics: {
            failed: metric(MetricName.FailedInvocations),
            timedOut: metric(MetricName.TimedOutInvocations),
          },
          label: 'Failed and timed-out invocations',
          period: options.period,
        }),
        threshold: options.threshold,
        evaluationPeriods: options.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Alarms that say the monitor itself is not doing its job, and what to do about it. */
  private createHealthAlarms(): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) =>
      this.notify(
        new cloudwatch.Alarm(this, id, {
          alarmDescription: description,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    const functionName = this.function.functionName;
    return [
      alarm(
        'FunctionErrorsAlarm',
        this.function.metricErrors({ period, statistic: 'Sum' }),
        `The maintenance window monitor function failed. Search its log group for level ERROR: the message says ` +
          'whether the event was malformed, the execution history was gone, or an AWS call failed. Lambda retries ' +
          'twice; events that still fail land in the failure queue.',
      ),
      alarm(
        'SweepErrorsAlarm',
        this.sweepFunction.metricErrors({ period, statistic: 'Sum' }),
        'The reconciliation sweep did not finish: some windows or executions could not be reached (SSM or ' +
          'DynamoDB errors). Its log entry "Sweep finished" or the error lists them; the next sweep tries again. ' +
          'If it repeats, check the sweep function role and the SSM service health.',
      ),
      alarm(
        'FunctionDestinationDeliveryFailuresAlarm',
        this.function.metric('DestinationDeliveryFailures', { period, statistic: 'Sum' }),
        'Lambda could not put an event the monitor function failed on into the failure queue (the queue was ' +
          'deleted, its policy or encryption changed, or the record was too large): that run was not reported and ' +
          'its event is lost. Check the failure queue and the function role; the sweep reports runs within its ' +
          'look-back on its next run.',
      ),
      alarm(
        'FunctionAsyncEventsDroppedAlarm',
        this.function.metric('AsyncEventsDropped', { period, statistic: 'Sum' }),
        "Lambda dropped maintenance window events from the monitor function's asynchronous queue: retries were " +
          'exhausted or the event grew older than 6 hours (for example while the function was throttled). Lambda ' +
          'sends such events to the failure queue first, so check FailureQueueAlarm too; runs within the ' +
          "sweep's look-back are reported by its next run.",
      ),
      alarm(
        'FunctionThrottlesAlarm',
        this.function.metricThrottles({ period, statistic: 'Sum' }),
        'The maintenance window monitor function was throttled: more window executions ended at once than its ' +
          "reserved concurrency, or than the account's unreserved concurrency. Lambda keeps retrying for up to 6 " +
          'hours; if this repeats, raise reservedConcurrency (or the account quota).',
      ),
      alarm(
        'RuleFailedInvocationsAlarm',
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: this.rule.ruleName },
          statistic: 'Sum',
          period,
        }),
        `EventBridge could not deliver maintenance window events to the monitor function (${functionName}). ` +
          'Check that the function exists and its resource policy allows events.amazonaws.com; undelivered events ' +
          'are kept in the rule dead-letter queue.',
      ),
      alarm(
        'RuleDeadLetterQueueAlarm',
        this.ruleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'Maintenance window events that EventBridge could not deliver are waiting in the rule dead-letter queue. ' +
          'Each message is the original event: fix the cause, then invoke the function with it (or purge the queue). ' +
          'Messages are kept for 14 days.',
      ),
      alarm(
        'FailureQueueAlarm',
        this.failureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'Maintenance window events the monitor function failed on, after retries, are waiting in the failure queue; ' +
          'those runs were not reported. Each message holds the event and the error: fix the cause, then invoke ' +
          'the function with the event. Messages are kept for 14 days.',
      ),
    ];
  }

  /**
   * At deploy time, before the missed-run alarms exist, the sweep function (as a CloudFormation
   * custom resource) publishes the heartbeat of each window's latest run within the interval and
   * waits until it can read it back.
   */
  private createHeartbeatSeed(windowIds: readonly string[], interval: Duration): CustomResource {
    this.sweepFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    return new CustomResource(this, 'HeartbeatSeed', {
      serviceToken: this.sweepFunction.functionArn,
      resourceType: 'Custom::MaintenanceWindowHeartbeatSeed',
      // The function's own timeout, and a minute: a request it never answers fails the deploy then.
      serviceTimeout: Duration.minutes(11),
      // Everything the missed-run alarms depend on: a change of any of it seeds again.
      properties: {
        WindowIds: [...windowIds],
        ExpectedRunIntervalHours: interval.toHours(),
        MetricNamespace: this.metricNamespace,
      },
    });
  }

  /** Per listed window: ALARM when no run completed within the expected interval. */
  private createMissedRunAlarms(
    windowIds: readonly string[],
    interval: Duration,
    seed: CustomResource,
  ): Record<string, cloudwatch.Alarm> {
    const alarms: Record<string, cloudwatch.Alarm> = Object.fromEntries(
      windowIds.map((windowId) => [
        windowId,
        this.notify(
          new cloudwatch.Alarm(this, `MissedRunAlarm-${windowId}`, {
            alarmDescription:
              `No run of maintenance window ${windowId} completed in the last ${interval.toHumanString()}. ` +
              'The window may be disabled, deleted, past its end date, or its schedule changed: check it in the ' +
              'Systems Manager console. Patching is not happening while this alarm is in ALARM.',
            // Hourly periods that must all be empty: a sliding window, not calendar-aligned days.
            metric: new cloudwatch.Metric({
              namespace: this.metricNamespace,
              metricName: MetricName.ExecutionsCompleted,
              dimensionsMap: { [DimensionName.WindowId]: windowId },
              statistic: 'Sum',
              period: Duration.hours(1),
            }),
            threshold: 1,
            evaluationPeriods: interval.toHours(),
            datapointsToAlarm: interval.toHours(),
            comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            // No data is the very thing this alarm watches for.
            treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          }),
        ),
      ]),
    );
    // Created only once the heartbeats they watch are there to see.
    for (const alarm of Object.values(alarms)) alarm.node.addDependency(seed);
    return alarms;
  }

  private createDashboard(period: Duration): cloudwatch.Dashboard {
    const metric = (metricName: MetricName, label: string) =>
      new cloudwatch.Metric({ namespace: this.metricNamespace, metricName, statistic: 'Sum', period, label });
    const perWindow = (metricName: MetricName, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{"${this.metricNamespace}",${DimensionName.WindowId}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
        label,
        period,
      });
    const queueDepth = (queue: sqs.Queue, label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# Maintenance window patching\nFailed and timed-out targets per window and across the fleet; below, the health of the monitor itself.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failed invocations per window',
        left: [perWindow(MetricName.FailedInvocations, '')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Timed-out invocations per window',
        left: [perWindow(MetricName.TimedOutInvocations, '')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Fleet: invocations by outcome',
        left: [
          metric(MetricName.FailedInvocations, 'Failed'),
          metric(MetricName.TimedOutInvocations, 'Timed out'),
          metric(MetricName.CancelledInvocations, 'Cancelled'),
        ],
        right: [metric(MetricName.Invocations, 'All invocations')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Runs completed per window',
        left: [perWindow(MetricName.ExecutionsCompleted, '')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Monitor: errors and throttles',
        left: [
          this.function.metricErrors({ period, statistic: 'Sum', label: 'Function errors' }),
          this.function.metricThrottles({ period, statistic: 'Sum', label: 'Function throttles' }),
          this.sweepFunction.metricErrors({ period, statistic: 'Sum', label: 'Sweep errors' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Monitor: events waiting in queues',
        left: [
          queueDepth(this.failureQueue, 'Failure queue'),
          queueDepth(this.ruleDeadLetterQueue, 'Rule dead-letter queue'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Monitor: duration',
        left: [
          this.function.metricDuration({ period, statistic: 'p50', label: 'Function p50' }),
          this.function.metricDuration({ period, statistic: 'Maximum', label: 'Function max' }),
          this.sweepFunction.metricDuration({ period, statistic: 'Maximum', label: 'Sweep max' }),
        ],
        width: 8,
      }),
    );
    return dashboard;
  }

  /**
   * Slack and Teams channels, through Amazon Q Developer in chat applications, subscribed to the
   * chat topic. Configuration names are unique per account across Regions, so each carries the
   * stack, the Region and this construct's address.
   */
  private createChatChannels(props: MaintenanceWindowMonitorProps): void {
    if (!this.chatTopic || (!props.slackChannel && !props.teamsChannel)) return;
    // The documented notification permissions: read-only CloudWatch, which alarm cards use for
    // their graphs and details. Nothing can be changed from the channel.
    const role = new iam.Role(this, 'ChatChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description:
        'Amazon Q Developer in chat applications: reads CloudWatch alarms and metrics for alarm cards',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::cloudwatch:Describe*]',
        reason:
          "Amazon Q Developer's documented notification permissions: alarm cards read the alarm and its metric " +
          'graph through the channel role, and these read-only CloudWatch actions are what it documents.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::cloudwatch:Get*]',
        reason: 'Read-only CloudWatch for alarm cards, as above.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::cloudwatch:List*]',
        reason: 'Read-only CloudWatch for alarm cards, as above.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Describe/Get/List of alarms and metrics support no resource narrower than "*".',
      },
    );
    const name = (channel: string) => chatConfigurationName(this, channel);
    if (props.slackChannel) {
      new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
        slackChannelConfigurationName: name('slack'),
        slackWorkspaceId: props.slackChannel.workspaceId,
        slackChannelId: props.slackChannel.channelId,
        notificationTopics: [this.chatTopic],
        role,
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
    if (props.teamsChannel) {
      new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'TeamsChannel', {
        configurationName: name('teams'),
        iamRoleArn: role.roleArn,
        teamId: props.teamsChannel.teamId,
        teamsChannelId: props.teamsChannel.channelId,
        teamsTenantId: props.teamsChannel.tenantId,
        snsTopicArns: [this.chatTopic.topicArn],
        loggingLevel: 'ERROR',
      });
    }
  }
}

/**
 * `<stack>-<region>-<8 hex of the construct's address>-<channel>`: unique per account across
 * Regions (Amazon Q Developer's rule) and per construct, within 128 of `[A-Za-z0-9-_]` (stack
 * names are letters, digits and hyphens; the Region may be a deploy-time token).
 */
export function chatConfigurationName(scope: Construct, channel: string): string {
  const stack = Stack.of(scope);
  return `${stack.stackName.slice(0, 80)}-${stack.region}-${scope.node.addr.slice(0, 8)}-${channel}`;
}

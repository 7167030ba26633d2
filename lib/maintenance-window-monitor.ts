/**
 * The MaintenanceWindowMonitor construct: its public members, and the composition of its pieces
 * (topics, queues, ledger, functions, rule, alarms, dashboard, chat and, in Organization mode, the
 * central bus, sweep planner and queue, and the members' StackSet) from the resolved props.
 * Construct IDs are those of the first release: changing one replaces the resource.
 */
import { type CfnStackSet, CustomResource, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EnvVar,
  LEDGER_RETENTION_DAYS,
  MetricName,
  OrgMetricName,
  readRoleName,
  SINGLE_ACCOUNT,
} from '../contract';
import {
  createHealthAlarms,
  createMissedRunAlarms,
  createOrganizationAlarms,
  failureAlarm,
  type HealthAlarms,
  type MonitoredParts,
  notifying,
  type OrganizationAlarms,
} from './alarms';
import { allowAlarmsToUseTopicKey, createTopic, createTopicKey } from './alert-topic';
import { createChatChannels } from './chat-channels';
import { createDashboard } from './dashboard';
import { terminalEventDescription, terminalEventPattern } from './event-pattern';
import { grantHeartbeatReadBack, grantReporting, grantSweep, type MemberAccess } from './grants';
import { MonitorMetrics } from './metrics';
import { MonitorFunction, serviceTimeoutFor } from './monitor-function';
import {
  addSweepEventSource,
  type CentralParts,
  centralRoleName,
  createCentralBus,
  createMemberStackSet,
  createSweepPlanner,
  organizationEnvironment,
  SWEEP_ACCOUNT_TIMEOUT,
} from './organization';
import { LIMITS, type MaintenanceWindowMonitorProps, Reporting } from './props';
import { type ResolvedMonitorProps, resolveProps } from './resolve-props';
import { createLedgerTable, deadLetterQueue, sweepQueue } from './storage';

export type { HealthAlarms, OrganizationAlarms } from './alarms';
export type { MaintenanceWindowMonitorProps, OrganizationOptions } from './props';
export { LogLevel, OrganizationMetricDetail, Reporting } from './props';

/**
 * Watches SSM maintenance windows: every window (or task) execution that ends is counted target
 * by target, published as CloudWatch metrics and, when targets failed or timed out, announced on
 * an SNS topic that the failure alarms, and the alarms on the monitor's own health, also notify.
 */
export class MaintenanceWindowMonitor extends Construct {
  /** Receives one message per run with failures, and every alarm's state changes. */
  public readonly alertTopic: sns.ITopic;
  /**
   * Chat cards of the alerts and every alarm's state changes, for Amazon Q Developer channels;
   * created when a chat channel is configured or `createChatTopic` is true.
   */
  public readonly chatTopic?: sns.ITopic;
  /** The key of the topics the construct created; undefined when it created none. */
  public readonly topicKey?: kms.IKey;
  /** Reports each maintenance window event: counts, metrics, alert. */
  public readonly reportFunction: lambda.Function;
  /** Where the report function logs: query it with CloudWatch Logs Insights. */
  public readonly reportFunctionLogGroup: logs.ILogGroup;
  /** Runs on a schedule (and at deploy time) and reports executions whose event never arrived. */
  public readonly sweepFunction: lambda.Function;
  /** Where the sweep logs. */
  public readonly sweepFunctionLogGroup: logs.ILogGroup;
  /**
   * Seeds the listed windows' heartbeats at deploy time, so the missed-run alarms (created after
   * it) do not fire for windows that ran before the monitor existed; only with missed-run alarms.
   */
  public readonly heartbeatSeed?: CustomResource;
  /** Records which executions were reported, and how far each got. */
  public readonly ledgerTable: dynamodb.Table;
  /** Matches the SSM events of terminal runs (or tasks) and delivers them to `reportFunction`. */
  public readonly eventRule: events.Rule;
  /** Events EventBridge could not deliver to the report function. */
  public readonly eventRuleDeadLetterQueue: sqs.Queue;
  /** Events the report function failed on after Lambda's retries. */
  public readonly failureQueue: sqs.Queue;
  /** In ALARM while targets fail or time out, fleet-wide. */
  public readonly fleetFailureAlarm: cloudwatch.Alarm;
  /** One failure alarm per window in `windowIds`, by window ID. */
  public readonly windowFailureAlarms: { [windowId: string]: cloudwatch.Alarm };
  /** Alarms on the monitor itself: errors, throttles, undelivered and failed events. */
  public readonly healthAlarms: HealthAlarms;
  /** One alarm per window in `windowIds` that fires when the window stops running. */
  public readonly missedRunAlarms: { [windowId: string]: cloudwatch.Alarm };
  /** Fleet patching health and the monitor's own. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The CloudWatch namespace of every metric the monitor publishes. */
  public readonly metricNamespace: string;
  /** What one report covers: a whole window execution, or each task execution. */
  public readonly reporting: Reporting;
  /** Organization mode: the bus the member accounts forward their events to (`eventRule` is on it). */
  public readonly centralEventBus?: events.EventBus;
  /** Organization mode: run by the sweep schedule, queues one sweep assignment per member account. */
  public readonly sweepPlannerFunction?: lambda.Function;
  /** Organization mode: where the sweep planner logs. */
  public readonly sweepPlannerFunctionLogGroup?: logs.ILogGroup;
  /** Organization mode: one assignment (a member account and its Regions) per message, for `sweepFunction`. */
  public readonly sweepQueue?: sqs.Queue;
  /** Organization mode: sweep assignments that failed five times. */
  public readonly sweepDeadLetterQueue?: sqs.Queue;
  /** Organization mode: deploys the member stack to the member accounts and Regions. */
  public readonly memberStackSet?: CfnStackSet;
  /** Organization mode: alarms on the monitor's reach into the member accounts, and on its sweep. */
  public readonly organizationAlarms?: OrganizationAlarms;
  private readonly metrics: MonitorMetrics;

  /**
   * @param scope where the monitor goes: a stack, or a construct in one
   * @param id the monitor's ID, part of every resource's logical ID: never change it once deployed
   * @param props the monitor's settings, every one optional (the defaults watch every window of the account and Region)
   */
  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorProps = {}) {
    super(scope, id);
    const resolved = resolveProps(this, props);
    this.metricNamespace = resolved.metricNamespace;
    this.reporting = resolved.reporting;
    this.metrics = new MonitorMetrics(
      this.metricNamespace,
      resolved.organization?.metricDetail ?? SINGLE_ACCOUNT,
      this.reporting,
      this.node.path,
    );

    if (resolved.alertTopic) {
      this.alertTopic = resolved.alertTopic;
      allowAlarmsToUseTopicKey(this, 'alertTopic', resolved.alertTopic);
    } else {
      this.topicKey = createTopicKey(this);
      this.alertTopic = createTopic(this, 'AlertTopic', this.topicKey, 'Maintenance window monitor');
    }
    if (resolved.createChatTopic) {
      this.topicKey ??= createTopicKey(this);
      this.chatTopic = createTopic(this, 'ChatTopic', this.topicKey, 'Maintenance window monitor (chat)');
    }
    for (const email of resolved.alertEmails) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    const topics = [this.alertTopic, ...(this.chatTopic ? [this.chatTopic] : [])];

    this.failureQueue = deadLetterQueue(this, 'FailureQueue');
    this.eventRuleDeadLetterQueue = deadLetterQueue(this, 'RuleDeadLetterQueue');
    this.ledgerTable = createLedgerTable(this);
    const organization = resolved.organization;
    const memberAccess: MemberAccess | undefined = organization && {
      organizationId: organization.organizationId,
      rolePrefix: organization.rolePrefix,
    };
    const namedWindows =
      resolved.windowIds && resolved.windowIds.length <= LIMITS.maxWindowsInPattern
        ? resolved.windowIds
        : undefined;
    const reporting = {
      metricNamespace: this.metricNamespace,
      topics,
      ledgerTable: this.ledgerTable,
      namedWindows,
      ...(memberAccess ? { memberAccess } : {}),
    };

    const reportFunction = new MonitorFunction(this, 'Function', {
      ...this.functionSettings(resolved),
      description: 'Counts failed and timed-out maintenance window task invocations',
      roleDescription: 'Reads maintenance window executions, publishes their metrics and alerts',
      ...(organization ? { roleName: centralRoleName(this, organization.rolePrefix, 'Report') } : {}),
      handler: 'handler',
      timeout: resolved.timeout,
      ...(resolved.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: resolved.reservedConcurrentExecutions }
        : {}),
      // Lambda retries a failed event twice, then hands it to the failure queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });
    this.reportFunction = reportFunction;
    this.reportFunctionLogGroup = reportFunction.logGroup;
    grantReporting(reportFunction.executionRole, reporting, this.reporting === Reporting.EXECUTION);

    const sweepFunction = new MonitorFunction(this, 'SweepFunction', {
      ...this.functionSettings(resolved),
      roleDescription: 'Finds maintenance window executions that were never reported, and reports them',
      timeout: SWEEP_ACCOUNT_TIMEOUT,
      ...(organization
        ? {
            description:
              'Reports maintenance window executions whose event never arrived, one member account at a time',
            roleName: centralRoleName(this, organization.rolePrefix, 'Sweep'),
            // Taken from the sweep queue: a failed assignment is received again, then dead-lettered.
            handler: 'sweepAccount' as const,
          }
        : {
            description: 'Reports maintenance window executions whose event never arrived',
            handler: 'sweep' as const,
            // The next scheduled sweep is the retry.
            retryAttempts: 0,
          }),
    });
    if (organization) {
      // A worker container sweeps many accounts in turn: V8 left to itself lets garbage pile up
      // to 277 MB by the 100th account (docs/BENCHMARKS.md); a heap of half the memory keeps it
      // flat, well inside the function's memory.
      sweepFunction.addEnvironment(
        'NODE_OPTIONS',
        `--max-old-space-size=${Math.floor(resolved.memorySize / 2)}`,
      );
    }
    this.sweepFunction = sweepFunction;
    this.sweepFunctionLogGroup = sweepFunction.logGroup;
    // The sweep lists tasks in either reporting mode (per-task keys need them).
    grantReporting(sweepFunction.executionRole, reporting, true);
    grantSweep(sweepFunction.executionRole, this.ledgerTable, memberAccess);
    // Organization mode's central parts: the bus, and the sweep planned per account.
    let central: CentralParts | undefined;
    if (organization) {
      const deadLetters = deadLetterQueue(
        this,
        'SweepDeadLetterQueue',
        'the sweep queue redrives assignments that failed five times to it',
      );
      const queue = sweepQueue(this, deadLetters, SWEEP_ACCOUNT_TIMEOUT);
      addSweepEventSource(sweepFunction, queue, organization);
      central = {
        organization,
        bus: createCentralBus(this, organization),
        sweepQueue: queue,
        sweepDeadLetterQueue: deadLetters,
        planner: createSweepPlanner(this, {
          organization,
          queue,
          logRetention: resolved.logRetention,
          logLevel: resolved.logLevel,
        }),
      };
      this.centralEventBus = central.bus;
      this.sweepQueue = central.sweepQueue;
      this.sweepDeadLetterQueue = central.sweepDeadLetterQueue;
      this.sweepPlannerFunction = central.planner;
      this.sweepPlannerFunctionLogGroup = central.planner.logGroup;
    }
    new events.Rule(this, 'SweepSchedule', {
      description: 'Reports maintenance window executions whose event never arrived',
      schedule: events.Schedule.rate(resolved.sweepInterval),
      targets: [
        new eventsTargets.LambdaFunction(central?.planner ?? sweepFunction, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    this.eventRule = this.createRule(namedWindows, central?.bus);

    const failures = {
      threshold: resolved.alarmThreshold,
      evaluationPeriods: resolved.alarmEvaluationPeriods,
      period: resolved.alarmPeriod,
    };
    this.fleetFailureAlarm = notifying(failureAlarm(this, this.metrics, failures), topics);
    this.windowFailureAlarms = Object.fromEntries(
      (resolved.windowIds ?? []).map((windowId) => [
        windowId,
        notifying(failureAlarm(this, this.metrics, failures, windowId), topics),
      ]),
    );
    const parts: MonitoredParts = {
      reportFunction: this.reportFunction,
      sweepFunction: this.sweepFunction,
      eventRule: this.eventRule,
      ...(central ? { eventBusName: central.bus.eventBusName } : {}),
      eventRuleDeadLetterQueue: this.eventRuleDeadLetterQueue,
      failureQueue: this.failureQueue,
    };
    const health = createHealthAlarms(this, parts);
    for (const alarm of Object.values(health)) notifying(alarm, topics);
    this.healthAlarms = health;
    if (central) {
      const alarms = createOrganizationAlarms(this, this.metrics, {
        sweepDeadLetterQueue: central.sweepDeadLetterQueue,
        sweepPlanner: central.planner,
        readRoleName: readRoleName(central.organization.rolePrefix, '<Region>'),
      });
      // Not the unreachable targets' alarm: the function announces each target that becomes
      // unreachable, by name, once (ADR 0009); an alarm could name none, and would stay in ALARM,
      // silent, while any one target is unreachable.
      const { unreachableTargets: _announcedByTheFunction, ...notifyingAlarms } = alarms;
      for (const alarm of Object.values(notifyingAlarms)) notifying(alarm, topics);
      this.organizationAlarms = alarms;
    }

    // Missed-run alarms (resolveProps ensures windows are listed and reporting is per execution).
    if (resolved.expectedRunInterval && resolved.windowIds) {
      this.heartbeatSeed = this.createHeartbeatSeed(
        sweepFunction,
        resolved.windowIds,
        resolved.expectedRunInterval,
      );
      const missed = createMissedRunAlarms(
        this,
        this.metrics,
        resolved.windowIds,
        resolved.expectedRunInterval,
        this.heartbeatSeed,
      );
      for (const alarm of Object.values(missed)) notifying(alarm, topics);
      this.missedRunAlarms = missed;
    } else {
      this.missedRunAlarms = {};
    }
    this.dashboard = createDashboard(this, this.metrics, parts, resolved.alarmPeriod, central);
    if (this.chatTopic) createChatChannels(this, this.chatTopic, resolved);
    if (central) {
      this.memberStackSet = createMemberStackSet(this, {
        organization: central.organization,
        reporting: this.reporting,
        centralBus: central.bus,
        planner: central.planner,
      });
      // Members forward as soon as their stacks exist: the bus's policy must let them.
      this.memberStackSet.node.addDependency(central.bus);
    }
  }

  /**
   * Failed invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. Organization
   *   mode publishes no series per window alone (a window ID is per account), so a window ID throws
   *   there: graph the per-account series from the dashboard, or build a `cloudwatch.Metric` with the
   *   dimensions the error names
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricFailedInvocations(windowId?: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.FailedInvocations, windowId, options);
  }

  /**
   * Timed-out invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. Organization
   *   mode publishes no series per window alone (a window ID is per account), so a window ID throws
   *   there: graph the per-account series from the dashboard, or build a `cloudwatch.Metric` with the
   *   dimensions the error names
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricTimedOutInvocations(windowId?: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.TimedOutInvocations, windowId, options);
  }

  /**
   * Cancelled invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. Organization
   *   mode publishes no series per window alone (a window ID is per account), so a window ID throws
   *   there: graph the per-account series from the dashboard, or build a `cloudwatch.Metric` with the
   *   dimensions the error names
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricCancelledInvocations(
    windowId?: string,
    options?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return this.metrics.metric(MetricName.CancelledInvocations, windowId, options);
  }

  /**
   * Every finished invocation, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. Organization
   *   mode publishes no series per window alone (a window ID is per account), so a window ID throws
   *   there: graph the per-account series from the dashboard, or build a `cloudwatch.Metric` with the
   *   dimensions the error names
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricInvocations(windowId?: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.Invocations, windowId, options);
  }

  /**
   * Runs of one window that ran (its heartbeat, which the missed-run alarms watch). Published
   * only in single-account mode with `Reporting.EXECUTION`: elsewhere this throws, naming the mode.
   *
   * @param windowId the window (`mw-` and 17 hex digits)
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricExecutionsCompleted(windowId: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.ExecutionsCompleted, windowId, options);
  }

  /**
   * Organization mode: member accounts and Regions the monitor could not read (a read role
   * missing, access denied, a Region not enabled), fleet-wide. Throws in single-account mode,
   * which publishes no such series.
   *
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricUnreachableTargets(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.organization(OrgMetricName.UnreachableTargets, options);
  }

  /**
   * Organization mode: member accounts and Regions whose last runs arrived only through the sweep
   * (their event path is broken), fleet-wide. Throws in single-account mode, which publishes no
   * such series.
   *
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricEventPathBrokenTargets(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.organization(OrgMetricName.EventPathBrokenTargets, options);
  }

  /** What both functions share: log settings, and the environment the bundle reads. */
  private functionSettings(resolved: ResolvedMonitorProps) {
    return {
      logRetention: resolved.logRetention,
      logLevel: resolved.logLevel,
      memorySize: resolved.memorySize,
      environment: {
        [EnvVar.AlertTopicArn]: this.alertTopic.topicArn,
        ...(this.chatTopic ? { [EnvVar.ChatTopicArn]: this.chatTopic.topicArn } : {}),
        [EnvVar.MetricNamespace]: this.metricNamespace,
        [EnvVar.LedgerTableName]: this.ledgerTable.tableName,
        [EnvVar.LedgerRetentionDays]: String(LEDGER_RETENTION_DAYS),
        [EnvVar.Reporting]: this.reporting,
        ...(resolved.windowIds ? { [EnvVar.WindowIds]: resolved.windowIds.join(',') } : {}),
        [EnvVar.SweepLookbackMinutes]: String(resolved.sweepLookback.toMinutes()),
        [EnvVar.SweepGraceMinutes]: String(LIMITS.sweepGrace.toMinutes()),
        ...(resolved.organization ? organizationEnvironment(resolved.organization) : {}),
      },
    };
  }

  /**
   * Terminal runs (or tasks); the windows named when there are few enough for the pattern. On the
   * default bus, or (Organization mode) on the central bus the members forward to.
   */
  private createRule(namedWindows: readonly string[] | undefined, eventBus?: events.IEventBus): events.Rule {
    return new events.Rule(this, 'Rule', {
      description: terminalEventDescription(this.reporting),
      ...(eventBus ? { eventBus } : {}),
      eventPattern: terminalEventPattern(this.reporting, namedWindows),
      targets: [
        new eventsTargets.LambdaFunction(this.reportFunction, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.eventRuleDeadLetterQueue,
        }),
      ],
    });
  }

  /**
   * At deploy time, before the missed-run alarms exist, the sweep function (as a CloudFormation
   * custom resource) publishes the heartbeat of each window's latest run within the interval and
   * waits until it can read it back.
   */
  private createHeartbeatSeed(
    sweepFunction: MonitorFunction,
    windowIds: readonly string[],
    interval: Duration,
  ): CustomResource {
    grantHeartbeatReadBack(sweepFunction.executionRole);
    return new CustomResource(this, 'HeartbeatSeed', {
      serviceToken: this.sweepFunction.functionArn,
      resourceType: 'Custom::MaintenanceWindowHeartbeatSeed',
      serviceTimeout: serviceTimeoutFor(sweepFunction),
      // Everything the missed-run alarms depend on: a change of any of it seeds again.
      properties: {
        WindowIds: [...windowIds],
        ExpectedRunIntervalHours: interval.toHours(),
        MetricNamespace: this.metricNamespace,
      },
    });
  }
}

/**
 * The MaintenanceWindowMonitor construct: its public members, and the composition of its pieces
 * (topics, queues, ledger, functions, rule, alarms, dashboard, chat) with those of its reach
 * (`lib/reach/`), from the resolved props. Construct IDs are those of the first release: changing
 * one replaces the resource.
 */
import type { CfnStackSet, CustomResource } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName, OrgMetricName } from '../contract';
import { createHealthAlarms, type HealthAlarms, type MonitoredParts, notifying } from './alarms';
import { createChatChannels } from './chat-channels';
import { createDashboard } from './dashboard';
import { grantReporting, grantSweep } from './grants';
import { MonitorMetrics } from './metrics';
import { MonitorFunction, SWEEP_TIMEOUT } from './monitor-function';
import {
  createEventRule,
  createFailureAlarms,
  createMissedRuns,
  createTopics,
  functionSettings,
} from './monitor-parts';
import type { MaintenanceWindowMonitorProps } from './props';
import type { ReachOutputs } from './reach/binding';
import type { OrganizationAlarms } from './reach/organization-alarms';
import { resolveProps } from './resolve-props';
import { FailureCauses, LIMITS, Reporting } from './settings';
import { createLedgerTable, deadLetterQueue } from './storage';

export type { HealthAlarms } from './alarms';
export type { MaintenanceWindowMonitorProps, OrganizationOptions } from './props';
export type { OrganizationAlarms } from './reach/organization-alarms';
export { MonitorReach } from './reach/reach';
export { FailureCauses, LogLevel, OrganizationMetricDetail, Reporting } from './settings';

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
   * The reach's stack outputs, for the app's stack.
   * @internal
   */
  public readonly _reachOutputs: ReachOutputs;

  /**
   * @param scope where the monitor goes: a stack, or a construct in one
   * @param id the monitor's ID, part of every resource's logical ID: never change it once deployed
   * @param props the monitor's settings, every one optional (the defaults watch every window of the account and Region)
   */
  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorProps = {}) {
    super(scope, id);
    const resolved = resolveProps(this, props);
    const reach = resolved.reach;
    this.metricNamespace = resolved.metricNamespace;
    this.reporting = resolved.reporting;
    this.metrics = new MonitorMetrics(this.metricNamespace, reach.metricMode, this.reporting, this.node.path);

    const topics = createTopics(this, resolved);
    this.alertTopic = topics.alertTopic;
    this.chatTopic = topics.chatTopic;
    this.topicKey = topics.topicKey;

    this.failureQueue = deadLetterQueue(this, 'FailureQueue');
    this.eventRuleDeadLetterQueue = deadLetterQueue(this, 'RuleDeadLetterQueue');
    this.ledgerTable = createLedgerTable(this);
    const namedWindows =
      resolved.windowIds && resolved.windowIds.length <= LIMITS.maxWindowsInPattern
        ? resolved.windowIds
        : undefined;
    const reporting = {
      metricNamespace: this.metricNamespace,
      topics: topics.all,
      ledgerTable: this.ledgerTable,
      namedWindows,
      readCauses: resolved.failureCauses === FailureCauses.SUMMARY,
    };

    const reportFunction = new MonitorFunction(this, 'Function', {
      ...functionSettings(resolved, topics, this.ledgerTable),
      description: 'Counts failed and timed-out maintenance window task invocations',
      roleDescription: 'Reads maintenance window executions, publishes their metrics and alerts',
      ...(reach.reportRoleName ? { roleName: reach.reportRoleName } : {}),
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
    grantReporting(reportFunction.executionRole, reporting, reach, this.reporting === Reporting.EXECUTION);

    const sweepFunction = new MonitorFunction(this, 'SweepFunction', {
      ...functionSettings(resolved, topics, this.ledgerTable),
      roleDescription: 'Finds maintenance window executions that were never reported, and reports them',
      timeout: SWEEP_TIMEOUT,
      ...reach.sweep,
    });
    this.sweepFunction = sweepFunction;
    this.sweepFunctionLogGroup = sweepFunction.logGroup;
    // The sweep lists tasks in either reporting mode (per-task keys need them).
    grantReporting(sweepFunction.executionRole, reporting, reach, true);
    grantSweep(sweepFunction.executionRole, this.ledgerTable, reach);
    const built = reach.build({ ...resolved, sweepFunction });
    this.centralEventBus = built.centralEventBus;
    this.sweepQueue = built.sweepQueue;
    this.sweepDeadLetterQueue = built.sweepDeadLetterQueue;
    this.sweepPlannerFunction = built.sweepPlannerFunction;
    this.sweepPlannerFunctionLogGroup = built.sweepPlannerFunctionLogGroup;
    new events.Rule(this, 'SweepSchedule', {
      description: 'Reports maintenance window executions whose event never arrived',
      schedule: events.Schedule.rate(resolved.sweepInterval),
      targets: [
        new eventsTargets.LambdaFunction(built.sweepTrigger, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    this.eventRule = createEventRule(this, {
      reporting: this.reporting,
      namedWindows,
      eventBus: built.eventBus,
      reportFunction,
      deadLetterQueue: this.eventRuleDeadLetterQueue,
    });

    const failureAlarms = createFailureAlarms(this, this.metrics, resolved, topics.all);
    this.fleetFailureAlarm = failureAlarms.fleet;
    this.windowFailureAlarms = failureAlarms.windows;
    const parts: MonitoredParts = {
      reportFunction: this.reportFunction,
      sweepFunction: this.sweepFunction,
      eventRule: this.eventRule,
      eventBusName: built.eventBus?.eventBusName,
      eventRuleDeadLetterQueue: this.eventRuleDeadLetterQueue,
      failureQueue: this.failureQueue,
    };
    const health = createHealthAlarms(this, parts);
    for (const alarm of Object.values(health)) notifying(alarm, topics.all);
    this.healthAlarms = health;
    this.organizationAlarms = built.alarms(this.metrics, topics.all);

    const missedRuns = createMissedRuns(this, this.metrics, resolved, sweepFunction, topics.all);
    this.heartbeatSeed = missedRuns.heartbeatSeed;
    this.missedRunAlarms = missedRuns.alarms;
    this.dashboard = createDashboard(this, this.metrics, parts, resolved.alarmPeriod, {
      readCauses: reporting.readCauses,
      reachRows: built.dashboardRows(this.metrics, resolved.alarmPeriod),
    });
    if (this.chatTopic) createChatChannels(this, this.chatTopic, resolved);
    this.memberStackSet = built.deploy();
    this._reachOutputs = built.outputs;
  }

  /**
   * Failed invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. An
   *   Organization reach publishes no series per window alone (window IDs are per account): there it
   *   throws, naming the dimensions of the series it does publish
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricFailedInvocations(windowId?: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.FailedInvocations, windowId, options);
  }

  /**
   * Timed-out invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. An
   *   Organization reach publishes no series per window alone (window IDs are per account): there it
   *   throws, naming the dimensions of the series it does publish
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricTimedOutInvocations(windowId?: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(MetricName.TimedOutInvocations, windowId, options);
  }

  /**
   * Cancelled invocations, fleet-wide or (single-account mode) of one window.
   *
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. An
   *   Organization reach publishes no series per window alone (window IDs are per account): there it
   *   throws, naming the dimensions of the series it does publish
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
   * @param windowId the window (`mw-` and 17 hex digits); left out, the fleet-wide metric. An
   *   Organization reach publishes no series per window alone (window IDs are per account): there it
   *   throws, naming the dimensions of the series it does publish
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
    return this.metrics.metric(OrgMetricName.UnreachableTargets, undefined, options);
  }

  /**
   * Organization mode: member accounts and Regions whose last runs arrived only through the sweep
   * (their event path is broken), fleet-wide. Throws in single-account mode, which publishes no
   * such series.
   *
   * @param options period, statistic, label and the like; by default the sum over 5 minutes
   */
  public metricEventPathBrokenTargets(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(OrgMetricName.EventPathBrokenTargets, undefined, options);
  }
}

/**
 * The monitor's parts that every reach has, built over the monitor as scope (so their construct IDs
 * are those of the first release): the topics, the functions' shared settings, the event rule, the
 * failure alarms and the missed-run alarms with the heartbeat seed they wait for.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FailureCauses as ContractFailureCauses, EnvVar, LEDGER_RETENTION_DAYS } from '../contract';
import { createMissedRunAlarms, failureAlarm, notifying } from './alarms';
import { allowAlarmsToUseTopicKey, createTopic, createTopicKey } from './alert-topic';
import { terminalEventDescription, terminalEventPattern } from './event-pattern';
import { grantHeartbeatReadBack } from './grants';
import type { MonitorMetrics } from './metrics';
import { type MonitorFunction, serviceTimeoutFor } from './monitor-function';
import type { ResolvedMonitorProps } from './resolve-props';
import { FailureCauses, LIMITS, type Reporting } from './settings';

/** The alert topic (the user's, or a new one), the chat topic when asked, and their key. */
export interface Topics {
  readonly alertTopic: sns.ITopic;
  readonly chatTopic?: sns.ITopic;
  readonly topicKey?: kms.IKey;
  /** Every topic the alarms and functions notify. */
  readonly all: readonly sns.ITopic[];
}

export function createTopics(scope: Construct, resolved: ResolvedMonitorProps): Topics {
  let topicKey: kms.IKey | undefined;
  let alertTopic: sns.ITopic;
  if (resolved.alertTopic) {
    alertTopic = resolved.alertTopic;
    allowAlarmsToUseTopicKey(scope, 'alertTopic', resolved.alertTopic);
  } else {
    topicKey = createTopicKey(scope);
    alertTopic = createTopic(scope, 'AlertTopic', topicKey, 'Maintenance window monitor');
  }
  let chatTopic: sns.ITopic | undefined;
  if (resolved.createChatTopic) {
    topicKey ??= createTopicKey(scope);
    chatTopic = createTopic(scope, 'ChatTopic', topicKey, 'Maintenance window monitor (chat)');
  }
  for (const email of resolved.alertEmails) {
    alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
  }
  return { alertTopic, chatTopic, topicKey, all: [alertTopic, ...(chatTopic ? [chatTopic] : [])] };
}

/** The enum jsii allows, as the functions read it. */
const CONTRACT_FAILURE_CAUSES: Record<FailureCauses, ContractFailureCauses> = {
  [FailureCauses.SUMMARY]: ContractFailureCauses.Summary,
  [FailureCauses.OFF]: ContractFailureCauses.Off,
};

/** What both functions share: log settings, and the environment the bundle reads. */
export function functionSettings(
  resolved: ResolvedMonitorProps,
  topics: Topics,
  ledgerTable: dynamodb.ITable,
) {
  return {
    logRetention: resolved.logRetention,
    logLevel: resolved.logLevel,
    memorySize: resolved.memorySize,
    environment: {
      [EnvVar.AlertTopicArn]: topics.alertTopic.topicArn,
      ...(topics.chatTopic ? { [EnvVar.ChatTopicArn]: topics.chatTopic.topicArn } : {}),
      [EnvVar.MetricNamespace]: resolved.metricNamespace,
      [EnvVar.LedgerTableName]: ledgerTable.tableName,
      [EnvVar.LedgerRetentionDays]: String(LEDGER_RETENTION_DAYS),
      [EnvVar.Reporting]: resolved.reporting,
      ...(resolved.windowIds ? { [EnvVar.WindowIds]: resolved.windowIds.join(',') } : {}),
      [EnvVar.SweepLookbackMinutes]: String(resolved.sweepLookback.toMinutes()),
      [EnvVar.SweepGraceMinutes]: String(LIMITS.sweepGrace.toMinutes()),
      // Both, always: the functions take no default of their own.
      [EnvVar.FailureCauses]: CONTRACT_FAILURE_CAUSES[resolved.failureCauses],
      [EnvVar.MaxCauseReads]: String(resolved.maxCauseReads),
      ...resolved.reach.environment,
    },
  };
}

export interface EventRuleOptions {
  readonly reporting: Reporting;
  /** The windows the pattern names; every window when undefined. */
  readonly namedWindows: readonly string[] | undefined;
  /** The reach's bus; the default bus when undefined. */
  readonly eventBus: events.IEventBus | undefined;
  readonly reportFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

/** Terminal runs (or tasks), on the reach's bus, delivered to the report function or kept. */
export function createEventRule(scope: Construct, options: EventRuleOptions): events.Rule {
  return new events.Rule(scope, 'Rule', {
    description: terminalEventDescription(options.reporting),
    ...(options.eventBus ? { eventBus: options.eventBus } : {}),
    eventPattern: terminalEventPattern(options.reporting, options.namedWindows),
    targets: [
      new eventsTargets.LambdaFunction(options.reportFunction, {
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: options.deadLetterQueue,
      }),
    ],
  });
}

/** The fleet-wide failure alarm and one per listed window, each notifying the topics. */
export function createFailureAlarms(
  scope: Construct,
  metrics: MonitorMetrics,
  resolved: ResolvedMonitorProps,
  topics: readonly sns.ITopic[],
): { fleet: cloudwatch.Alarm; windows: Record<string, cloudwatch.Alarm> } {
  const failures = {
    threshold: resolved.alarmThreshold,
    evaluationPeriods: resolved.alarmEvaluationPeriods,
    period: resolved.alarmPeriod,
  };
  return {
    fleet: notifying(failureAlarm(scope, metrics, failures), topics),
    windows: Object.fromEntries(
      (resolved.windowIds ?? []).map((windowId) => [
        windowId,
        notifying(failureAlarm(scope, metrics, failures, windowId), topics),
      ]),
    ),
  };
}

/**
 * Missed-run alarms, when asked (resolveProps ensures windows are listed and reporting is per
 * execution), created after the heartbeat seed: at deploy time, before the alarms exist, the sweep
 * function (as a CloudFormation custom resource) publishes the heartbeat of each window's latest
 * run within the interval and waits until it can read it back.
 */
export function createMissedRuns(
  scope: Construct,
  metrics: MonitorMetrics,
  resolved: ResolvedMonitorProps,
  sweepFunction: MonitorFunction,
  topics: readonly sns.ITopic[],
): { heartbeatSeed?: CustomResource; alarms: Record<string, cloudwatch.Alarm> } {
  const { expectedRunInterval: interval, windowIds } = resolved;
  if (!(interval && windowIds)) return { alarms: {} };
  grantHeartbeatReadBack(sweepFunction.executionRole);
  const heartbeatSeed = new CustomResource(scope, 'HeartbeatSeed', {
    serviceToken: sweepFunction.functionArn,
    resourceType: 'Custom::MaintenanceWindowHeartbeatSeed',
    serviceTimeout: serviceTimeoutFor(sweepFunction),
    // Everything the missed-run alarms depend on: a change of any of it seeds again.
    properties: {
      WindowIds: [...windowIds],
      ExpectedRunIntervalHours: interval.toHours(),
      MetricNamespace: resolved.metricNamespace,
    },
  });
  const alarms = createMissedRunAlarms(scope, metrics, windowIds, interval, heartbeatSeed);
  for (const alarm of Object.values(alarms)) notifying(alarm, topics);
  return { heartbeatSeed, alarms };
}

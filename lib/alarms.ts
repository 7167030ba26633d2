/**
 * The alarms every reach has: on failed targets (fleet-wide and per listed window), on listed
 * windows that stop running, and on the monitor's own health (a reach adds its own). Each says
 * what to do, and notifies every topic given, on ALARM and on OK.
 */
import { type CustomResource, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MetricName } from '../contract';
import type { MonitorMetrics } from './metrics';

/** Alarms that say the monitor itself is not doing its job. */
export interface HealthAlarms {
  /** The report function failed on an event. */
  readonly reportFunctionErrors: cloudwatch.Alarm;
  /** The sweep did not finish. */
  readonly sweepErrors: cloudwatch.Alarm;
  /** Lambda could not put a failed event into the failure queue. */
  readonly destinationDeliveryFailures: cloudwatch.Alarm;
  /** Lambda dropped events from the report function's asynchronous queue. */
  readonly asyncEventsDropped: cloudwatch.Alarm;
  /** The report function was throttled. */
  readonly reportFunctionThrottles: cloudwatch.Alarm;
  /** EventBridge could not invoke the report function. */
  readonly eventRuleFailedInvocations: cloudwatch.Alarm;
  /** Undelivered events wait in the event rule's dead-letter queue. */
  readonly eventRuleDeadLetterQueue: cloudwatch.Alarm;
  /** Events the report function failed on wait in the failure queue. */
  readonly failureQueue: cloudwatch.Alarm;
}

/** Makes `alarm` notify each topic when it goes to ALARM and when it returns to OK. */
export function notifying(alarm: cloudwatch.Alarm, topics: readonly sns.ITopic[]): cloudwatch.Alarm {
  for (const topic of topics) {
    const action = new cloudwatchActions.SnsAction(topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarm;
}

export interface FailureAlarmOptions {
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly period: Duration;
}

/** ALARM while failed plus timed-out targets reach the threshold: fleet-wide, or in `windowId`. */
export function failureAlarm(
  scope: Construct,
  metrics: MonitorMetrics,
  options: FailureAlarmOptions,
  windowId?: string,
): cloudwatch.Alarm {
  const where = windowId ? `window ${windowId}` : 'the fleet';
  return new cloudwatch.Alarm(
    scope,
    windowId ? `FailedInvocationsAlarm-${windowId}` : 'FailedInvocationsAlarm',
    {
      alarmDescription:
        `Maintenance window targets failed or timed out in ${where} (at least ${options.threshold} in ` +
        `${options.evaluationPeriods} period(s) of ${options.period.toMinutes()} minutes). The alert message on the same topic names ` +
        'the window, the tasks and each failed target with its status details; fix or re-run them from the console link.',
      metric: metrics.failures(options.period, windowId),
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  );
}

/** What the health alarms watch. */
export interface MonitoredParts {
  readonly reportFunction: lambda.IFunction;
  readonly sweepFunction: lambda.IFunction;
  readonly eventRule: events.IRule;
  /** The bus of `eventRule` when it is not the default bus (its metrics carry the bus's name too). */
  readonly eventBusName?: string;
  readonly eventRuleDeadLetterQueue: sqs.IQueue;
  readonly failureQueue: sqs.IQueue;
}

/** A maker of alarms that fire on any occurrence (at least 1 in one period), and say what to do. */
export function anyOf(scope: Construct) {
  return (id: string, metric: cloudwatch.IMetric, description: string) =>
    new cloudwatch.Alarm(scope, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
}

/** The health alarms, each with what to do about it. */
export function createHealthAlarms(scope: Construct, parts: MonitoredParts): HealthAlarms {
  const period = Duration.minutes(5);
  const alarm = anyOf(scope);
  const { reportFunction: fn, sweepFunction: sweep } = parts;
  return {
    reportFunctionErrors: alarm(
      'FunctionErrorsAlarm',
      fn.metricErrors({ period, statistic: 'Sum' }),
      `The maintenance window monitor function failed. Search its log group for level ERROR: the message says ` +
        'whether the event was malformed, the execution history was gone, or an AWS call failed. Lambda retries ' +
        'twice; events that still fail land in the failure queue.',
    ),
    sweepErrors: alarm(
      'SweepErrorsAlarm',
      sweep.metricErrors({ period, statistic: 'Sum' }),
      'The sweep did not finish: some windows or executions could not be reached (SSM or ' +
        'DynamoDB errors). Its log entry "Sweep finished" or the error lists them; the next sweep tries again. ' +
        'If it repeats, check the sweep function role and the SSM service health.',
    ),
    destinationDeliveryFailures: alarm(
      'FunctionDestinationDeliveryFailuresAlarm',
      fn.metric('DestinationDeliveryFailures', { period, statistic: 'Sum' }),
      'Lambda could not put an event the monitor function failed on into the failure queue (the queue was ' +
        'deleted, its policy or encryption changed, or the record was too large): that run was not reported and ' +
        'its event is lost. Check the failure queue and the function role; the sweep reports runs within its ' +
        'look-back on its next run.',
    ),
    asyncEventsDropped: alarm(
      'FunctionAsyncEventsDroppedAlarm',
      fn.metric('AsyncEventsDropped', { period, statistic: 'Sum' }),
      "Lambda dropped maintenance window events from the monitor function's asynchronous queue: retries were " +
        'exhausted or the event grew older than 6 hours (for example while the function was throttled). Lambda ' +
        'sends such events to the failure queue first, so check FailureQueueAlarm too; runs within the ' +
        "sweep's look-back are reported by its next run.",
    ),
    reportFunctionThrottles: alarm(
      'FunctionThrottlesAlarm',
      fn.metricThrottles({ period, statistic: 'Sum' }),
      'The maintenance window monitor function was throttled: more window executions ended at once than its ' +
        "reserved concurrency, or than the account's unreserved concurrency. Lambda keeps retrying for up to 6 " +
        'hours; if this repeats, raise reservedConcurrentExecutions (or the account quota).',
    ),
    eventRuleFailedInvocations: alarm(
      'RuleFailedInvocationsAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        // A rule on a custom bus has its metrics under both the bus's and the rule's names.
        dimensionsMap: {
          ...(parts.eventBusName ? { EventBusName: parts.eventBusName } : {}),
          RuleName: parts.eventRule.ruleName,
        },
        statistic: 'Sum',
        period,
      }),
      `EventBridge could not deliver maintenance window events to the monitor function (${fn.functionName}). ` +
        'Check that the function exists and its resource policy allows events.amazonaws.com; undelivered events ' +
        'are kept in the rule dead-letter queue.',
    ),
    eventRuleDeadLetterQueue: alarm(
      'RuleDeadLetterQueueAlarm',
      parts.eventRuleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: 'Maximum',
      }),
      'Maintenance window events that EventBridge could not deliver are waiting in the rule dead-letter queue. ' +
        'Each message is the original event: fix the cause, then invoke the function with it (or purge the queue). ' +
        'Messages are kept for 14 days.',
    ),
    failureQueue: alarm(
      'FailureQueueAlarm',
      parts.failureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Maintenance window events the monitor function failed on, after retries, are waiting in the failure queue; ' +
        'those runs were not reported. Each message holds the event and the error: fix the cause, then invoke ' +
        'the function with the event. Messages are kept for 14 days.',
    ),
  };
}

/**
 * Per listed window: ALARM when no run completed within `interval`, over hourly periods that must
 * all be empty (a sliding window, not calendar-aligned days). Missing data is breaching: it is the
 * very thing these alarms watch for, so they are created only after `seed` has published each
 * window's latest heartbeat.
 */
export function createMissedRunAlarms(
  scope: Construct,
  metrics: MonitorMetrics,
  windowIds: readonly string[],
  interval: Duration,
  seed: CustomResource,
): Record<string, cloudwatch.Alarm> {
  return Object.fromEntries(
    windowIds.map((windowId) => {
      const alarm = new cloudwatch.Alarm(scope, `MissedRunAlarm-${windowId}`, {
        alarmDescription:
          `No run of maintenance window ${windowId} completed in the last ${interval.toHumanString()}. ` +
          'The window may be disabled, deleted, past its end date, or its schedule changed: check it in the ' +
          'Systems Manager console. Patching is not happening while this alarm is in ALARM.',
        metric: metrics.metric(MetricName.ExecutionsCompleted, windowId, { period: Duration.hours(1) }),
        threshold: 1,
        evaluationPeriods: interval.toHours(),
        datapointsToAlarm: interval.toHours(),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarm.node.addDependency(seed);
      return [windowId, alarm];
    }),
  );
}

/**
 * An Organization reach's alarms and dashboard rows: on the member accounts and Regions the monitor
 * cannot reach, and on its sweep. Each alarm says what to do (and notifies the topics, but the
 * unreachable targets alarm: the function announces each target by name).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { OrgMetricName } from '../../contract';
import { anyOf } from '../alarms';
import type { MonitorMetrics } from '../metrics';

/**
 * Organization mode's alarms: on the member accounts and Regions the monitor cannot reach, and on
 * its sweep. Fleet-wide: no alarm per account or window (the alerts name them).
 */
export interface OrganizationAlarms {
  /**
   * Member account-Regions could not be read: a read role missing, access denied, a Region off.
   * For the dashboard, with no action: the function announces each such target by name, once.
   */
  readonly unreachableTargets: cloudwatch.Alarm;
  /** Member account-Regions whose runs arrive only through the sweep: their event path is broken. */
  readonly eventPathBrokenTargets: cloudwatch.Alarm;
  /** Sweep assignments (one member account each) failed five times and wait in the dead-letter queue. */
  readonly sweepDeadLetterQueue: cloudwatch.Alarm;
  /** The sweep planner failed: no member account was swept on that schedule. */
  readonly sweepPlannerErrors: cloudwatch.Alarm;
}

/** What an Organization reach's alarms watch, besides the metrics the functions publish. */
export interface OrganizationParts {
  readonly sweepDeadLetterQueue: sqs.IQueue;
  readonly sweepPlanner: lambda.IFunction;
  /** The read role's name in each member account, for the descriptions. */
  readonly readRoleName: string;
}

/** Organization mode's alarms, each with what to do about it. */
export function createOrganizationAlarms(
  scope: Construct,
  metrics: MonitorMetrics,
  parts: OrganizationParts,
): OrganizationAlarms {
  const alarm = anyOf(scope);
  const period = Duration.minutes(5);
  return {
    unreachableTargets: alarm(
      'UnreachableTargetsAlarm',
      metrics.metric(OrgMetricName.UnreachableTargets, undefined, { period: Duration.hours(1) }),
      'The monitor could not read some member accounts and Regions in the last hour, so their runs are not ' +
        `being reported: the read role (${parts.readRoleName}) is missing there (its StackSet instance failed ` +
        'or was deleted), an SCP denies sts:AssumeRole or SSM, or the Region is not enabled in the account. ' +
        'This alarm notifies nobody: the alert topic received one message naming each such account and ' +
        "Region when it became unreachable. The sweep function's log names each with the error; check the " +
        "StackSet instance of that account and Region, and the Organization's SCPs. The management account " +
        'before its member stack is deployed is not counted.',
    ),
    eventPathBrokenTargets: alarm(
      'EventPathBrokenTargetsAlarm',
      metrics.metric(OrgMetricName.EventPathBrokenTargets, undefined, { period: Duration.days(1) }),
      'Some member accounts and Regions send no maintenance window events any more: their last runs were ' +
        'reported only by the sweep, up to a sweep interval late. Their forwarding rule or forwarder role is ' +
        'missing or disabled, an SCP denies events:PutEvents to the central Region, or the central event bus ' +
        "policy changed. The sweep function's log names each; check the StackSet instance of that account and " +
        'Region, and the SCPs.',
    ),
    sweepDeadLetterQueue: alarm(
      'SweepDeadLetterQueueAlarm',
      parts.sweepDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Sweep assignments failed five times and wait in the sweep dead-letter queue: those member accounts ' +
        "were not swept. Each message names the account and its Regions, and the sweep function's log the " +
        'error. Fix the cause, then move the messages back to the sweep queue (SQS redrive) or purge them: the ' +
        'next planned sweep covers the accounts again. Messages are kept for 14 days.',
    ),
    sweepPlannerErrors: alarm(
      'SweepPlannerErrorsAlarm',
      parts.sweepPlanner.metricErrors({ period, statistic: 'Sum' }),
      'The sweep planner failed, so no member account was swept on this schedule. Its log has the error: ' +
        'organizations:ListAccounts refused (this account is no longer a delegated administrator of the ' +
        'Organization) or the sweep queue refused the assignments. The next schedule tries again.',
    ),
  };
}

/** The dashboard's rows of an Organization reach: its reach into the members, and its sweep queues. */
export function organizationRows(
  metrics: MonitorMetrics,
  period: Duration,
  queues: { readonly sweepQueue: sqs.IQueue; readonly sweepDeadLetterQueue: sqs.IQueue },
): cloudwatch.IWidget[][] {
  const hourly = Duration.hours(1);
  const queueDepth = (queue: sqs.IQueue, label: string) =>
    queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label });
  return [
    [
      new cloudwatch.GraphWidget({
        title: 'Organization: member accounts and Regions out of reach',
        left: [
          metrics.metric(OrgMetricName.UnreachableTargets, undefined, {
            period: hourly,
            label: 'Unreachable',
          }),
          metrics.metric(OrgMetricName.EventPathBrokenTargets, undefined, {
            period: hourly,
            label: 'Event path broken',
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Organization: sweep assignments waiting',
        left: [
          queueDepth(queues.sweepQueue, 'Sweep queue'),
          queueDepth(queues.sweepDeadLetterQueue, 'Sweep dead-letter queue'),
        ],
        width: 12,
      }),
    ],
  ];
}

/**
 * The dashboard: failed and timed-out targets per window and across the fleet, runs per window,
 * the monitor's own health and (Organization mode) its reach into the member accounts.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { MetricName, OrgMetricName } from '../lambda/contract';
import type { MonitoredParts } from './alarms';
import type { MonitorMetrics } from './metrics';

/** Organization mode's sweep queues, graphed with the monitor's reach. */
export interface OrganizationSweepQueues {
  readonly sweepQueue: MonitoredParts['failureQueue'];
  readonly sweepDeadLetterQueue: MonitoredParts['failureQueue'];
}

export function createDashboard(
  scope: Construct,
  metrics: MonitorMetrics,
  parts: MonitoredParts,
  period: Duration,
  organization?: OrganizationSweepQueues,
): cloudwatch.Dashboard {
  const fleet = (metricName: MetricName, label: string) =>
    metrics.metric(metricName, undefined, { period, label });
  const perWindow = (metricName: MetricName) => metrics.perWindow(metricName, period);
  const queueDepth = (queue: MonitoredParts['failureQueue'], label: string) =>
    queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label });
  const { reportFunction: fn, sweepFunction: sweep } = parts;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(14) });
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
      left: [perWindow(MetricName.FailedInvocations)],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Timed-out invocations per window',
      left: [perWindow(MetricName.TimedOutInvocations)],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Fleet: invocations by outcome',
      left: [
        fleet(MetricName.FailedInvocations, 'Failed'),
        fleet(MetricName.TimedOutInvocations, 'Timed out'),
        fleet(MetricName.CancelledInvocations, 'Cancelled'),
      ],
      right: [fleet(MetricName.Invocations, 'All invocations')],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Runs completed per window',
      left: [perWindow(MetricName.ExecutionsCompleted)],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Monitor: errors and throttles',
      left: [
        fn.metricErrors({ period, statistic: 'Sum', label: 'Function errors' }),
        fn.metricThrottles({ period, statistic: 'Sum', label: 'Function throttles' }),
        sweep.metricErrors({ period, statistic: 'Sum', label: 'Sweep errors' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Monitor: events waiting in queues',
      left: [
        queueDepth(parts.failureQueue, 'Failure queue'),
        queueDepth(parts.eventRuleDeadLetterQueue, 'Rule dead-letter queue'),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Monitor: duration',
      left: [
        fn.metricDuration({ period, statistic: 'p50', label: 'Function p50' }),
        fn.metricDuration({ period, statistic: 'Maximum', label: 'Function max' }),
        sweep.metricDuration({ period, statistic: 'Maximum', label: 'Sweep max' }),
      ],
      width: 8,
    }),
  );
  if (organization) {
    const hourly = Duration.hours(1);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Organization: member accounts and Regions out of reach',
        left: [
          metrics.organization(OrgMetricName.UnreachableTargets, { period: hourly, label: 'Unreachable' }),
          metrics.organization(OrgMetricName.EventPathBrokenTargets, {
            period: hourly,
            label: 'Event path broken',
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Organization: sweep assignments waiting',
        left: [
          queueDepth(organization.sweepQueue, 'Sweep queue'),
          queueDepth(organization.sweepDeadLetterQueue, 'Sweep dead-letter queue'),
        ],
        width: 12,
      }),
    );
  }
  return dashboard;
}

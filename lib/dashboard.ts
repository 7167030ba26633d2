/**
 * The dashboard: failed and timed-out targets split as finely as the functions publish them in the
 * monitor's reach (per window, per account...) and across the fleet, runs per window where a
 * heartbeat is published, the monitor's own health, and the rows the reach adds.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { MetricName } from '../contract';
import type { MonitoredParts } from './alarms';
import { type MonitorMetrics, splitDescription } from './metrics';

export function createDashboard(
  scope: Construct,
  metrics: MonitorMetrics,
  parts: MonitoredParts,
  period: Duration,
  rows: {
    /** Whether the functions read failure causes: then a graph of those they could not read. */
    readonly readCauses: boolean;
    /** The reach's own rows, under the monitor's. */
    readonly reachRows: readonly cloudwatch.IWidget[][];
  },
): cloudwatch.Dashboard {
  const fleet = (metricName: MetricName, label: string) =>
    metrics.metric(metricName, undefined, { period, label });
  const queueDepth = (queue: MonitoredParts['failureQueue'], label: string) =>
    queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label });
  const { reportFunction: fn, sweepFunction: sweep } = parts;
  // Each split graph shows the finest series the functions publish in this mode (per window in
  // one account; per account, account and Region, or account, Region and window in an
  // Organization), and is left out when none is published.
  const split = (metricName: MetricName, title: string, width: number) => {
    const found = metrics.finestSplit(metricName, period);
    return found
      ? [
          new cloudwatch.GraphWidget({
            title: `${title} ${splitDescription(found.dimensions)}`,
            left: [found.expression],
            width,
          }),
        ]
      : [];
  };
  const failures = [
    ...split(MetricName.FailedInvocations, 'Failed invocations', 12),
    ...split(MetricName.TimedOutInvocations, 'Timed-out invocations', 12),
  ];
  const runs = split(MetricName.ExecutionsCompleted, 'Runs completed', 12);
  const where = metrics.finestSplit(MetricName.FailedInvocations, period);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(14) });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        `# Maintenance window patching\nFailed and timed-out targets ${where ? `${splitDescription(where.dimensions)} and ` : ''}` +
        'across the fleet; below, the health of the monitor itself.',
      width: 24,
      height: 2,
    }),
  );
  if (failures.length > 0) dashboard.addWidgets(...failures);
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Fleet: invocations by outcome',
      left: [
        fleet(MetricName.FailedInvocations, 'Failed'),
        fleet(MetricName.TimedOutInvocations, 'Timed out'),
        fleet(MetricName.CancelledInvocations, 'Cancelled'),
      ],
      right: [fleet(MetricName.Invocations, 'All invocations')],
      width: runs.length > 0 ? 12 : 24,
    }),
    ...runs,
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
  // Throttled, denied, expired...: each reason its own line, found by SEARCH.
  const unread = rows.readCauses ? metrics.finestSplit(MetricName.CausesUnavailable, period) : undefined;
  if (unread) {
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Monitor: failure causes not read, by reason',
        left: [unread.expression],
        width: 12,
      }),
    );
  }
  for (const row of rows.reachRows) dashboard.addWidgets(...row);
  return dashboard;
}

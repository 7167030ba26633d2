/**
 * The monitor's own metrics, as CloudWatch metric objects: what its alarms and dashboard watch,
 * and what `metricFailedInvocations()` and friends give users for alarms of their own.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DimensionName, MetricName, type OrgMetricName } from '../lambda/contract';

/** Builds the metrics of one namespace, fleet-wide or for one window. */
export class MonitorMetrics {
  constructor(private readonly namespace: string) {}

  /** One published series, summed: fleet-wide, or for `windowId`. */
  metric(
    metricName: MetricName,
    windowId?: string,
    options: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      ...(windowId ? { dimensionsMap: { [DimensionName.WindowId]: windowId } } : { dimensionsMap: {} }),
      statistic: 'Sum',
      ...options,
    });
  }

  /** Organization mode: what the monitor says about its own reach, fleet-wide, summed. */
  organization(metricName: OrgMetricName, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: {},
      statistic: 'Sum',
      ...options,
    });
  }

  /** Failed plus timed-out invocations, missing data as zero: what the failure alarms watch. */
  failures(period: Duration, windowId?: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: this.metric(MetricName.FailedInvocations, windowId),
        timedOut: this.metric(MetricName.TimedOutInvocations, windowId),
      },
      label: 'Failed and timed-out invocations',
      period,
    });
  }

  /** Every window's series of `metricName`, found by SEARCH, so new windows appear by themselves. */
  perWindow(metricName: MetricName, period: Duration, label = ''): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{"${this.namespace}",${DimensionName.WindowId}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
      label,
      period,
    });
  }
}

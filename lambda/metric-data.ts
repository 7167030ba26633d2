/**
 * The metric data of one report: what goes into its `PutMetricData` request. Pure.
 */
import { DimensionName, MetricName } from './contract';
import type { MonitoredEvent } from './event';
import { type Counts, ranToItsEnd } from './tally';

/** The subset of CloudWatch's `PutMetricDataInput` the monitor sends. */
export interface MetricPayload {
  readonly Namespace: string;
  readonly MetricData: {
    readonly MetricName: string;
    readonly Dimensions: { readonly Name: string; readonly Value: string }[];
    readonly Timestamp: Date;
    readonly Value: number;
    readonly Unit: 'Count';
  }[];
}

/** CloudWatch rejects data points more than two weeks old; stay an hour inside that. */
const OLDEST_TIMESTAMP_MS = 14 * 24 * 3_600_000 - 3_600_000;

/**
 * One `PutMetricData` request: failed, timed-out, cancelled and total invocations (`counts`: all
 * of the run's, or what finished since an earlier publish), per window and fleet-wide, stamped with
 * the execution's end time (or the oldest time CloudWatch accepts, for a run replayed two weeks
 * later), plus the window's heartbeat when `heartbeat`. Zeros are sent too, so alarms and graphs
 * always have data.
 */
export function metricPayload(
  event: MonitoredEvent,
  counts: Counts,
  namespace: string,
  now: number = Date.now(),
  heartbeat: boolean = ranToItsEnd(event),
): MetricPayload {
  // A run replayed from a queue long after it ended is stamped as late as CloudWatch accepts.
  const timestamp = new Date(Math.max(event.endTime.getTime(), now - OLDEST_TIMESTAMP_MS));
  const values: [MetricName, number][] = [
    [MetricName.FailedInvocations, counts.failed],
    [MetricName.TimedOutInvocations, counts.timedOut],
    [MetricName.CancelledInvocations, counts.cancelled],
    [MetricName.Invocations, counts.total],
  ];
  const perWindow = [{ Name: DimensionName.WindowId, Value: event.windowId }];
  const data = values.flatMap(([name, value]) =>
    [perWindow, []].map((dimensions) => ({
      MetricName: name,
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: value,
      Unit: 'Count' as const,
    })),
  );
  if (heartbeat) {
    data.push({
      MetricName: MetricName.ExecutionsCompleted,
      Dimensions: perWindow,
      Timestamp: timestamp,
      Value: 1,
      Unit: 'Count',
    });
  }
  return { Namespace: namespace, MetricData: data };
}

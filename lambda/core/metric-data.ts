/**
 * The metric data of one report: what goes into its `PutMetricData` request. Pure.
 */
import {
  CAUSE_SERIES,
  type CauseUnavailableReason,
  COUNT_METRICS,
  DimensionName,
  type MetricMode,
  MetricName,
  ORGANIZATION_REACH_SERIES,
  type OrgMetricName,
  PUBLISHED_SERIES,
  type PublishedSeries,
  SeriesWhen,
  SINGLE_ACCOUNT,
} from '../../contract';
import type { MonitoredEvent } from './event';
import type { Counts } from './records';
import { ranToItsEnd } from './tally';

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

type Dimensions = { Name: string; Value: string }[];

/**
 * Counts of account-Regions in a state (unreachable, event path broken), fleet-wide, in the
 * contract's series (`UnreachableTargets`, `EventPathBrokenTargets`: published names keep their
 * words); the counts that are zero are left out (nothing to alarm on).
 */
export function reachCountPayload(
  namespace: string,
  counts: Partial<Record<OrgMetricName, number>>,
  now: number = Date.now(),
): MetricPayload {
  const data = ORGANIZATION_REACH_SERIES.flatMap((series) => {
    const count = counts[series.metricName as OrgMetricName] ?? 0;
    return count > 0
      ? [
          {
            MetricName: series.metricName,
            Dimensions: [],
            Timestamp: new Date(now),
            Value: count,
            Unit: 'Count' as const,
          },
        ]
      : [];
  });
  return { Namespace: namespace, MetricData: data };
}

/**
 * One `PutMetricData` request: failed, timed-out, cancelled and total invocations (`counts`: all
 * of the run's, or what finished since an earlier publish), fleet-wide and split as `PUBLISHED_SERIES`
 * declares for `mode` (the reach's; one account's by default), by the run's window and account-Region, stamped with the execution's end time (or the oldest time CloudWatch accepts, for a run
 * replayed two weeks later), plus the window's heartbeat when `heartbeat` (single-account mode,
 * or per account, Region and window). Fleet-wide zeros are sent too, so alarms and graphs always
 * have data.
 */
export function metricPayload(
  event: MonitoredEvent,
  counts: Counts,
  namespace: string,
  now: number = Date.now(),
  heartbeat: boolean = ranToItsEnd(event),
  mode: MetricMode = SINGLE_ACCOUNT,
): MetricPayload {
  // A run replayed from a queue long after it ended is stamped as late as CloudWatch accepts.
  const timestamp = new Date(Math.max(event.endTime.getTime(), now - OLDEST_TIMESTAMP_MS));
  const values: Record<(typeof COUNT_METRICS)[number], number> = {
    [MetricName.FailedInvocations]: counts.failed,
    [MetricName.TimedOutInvocations]: counts.timedOut,
    [MetricName.CancelledInvocations]: counts.cancelled,
    [MetricName.Invocations]: counts.total,
  };
  const datum = (name: MetricName, dimensions: Dimensions, value: number) => ({
    MetricName: name,
    Dimensions: dimensions,
    Timestamp: timestamp,
    Value: value,
    Unit: 'Count' as const,
  });
  // The counts' dimensions; `Reason` is the cause series' own (`causeData`).
  const dimensionValues: Record<DimensionName, string> = {
    [DimensionName.WindowId]: event.windowId,
    [DimensionName.AccountId]: event.accountRegion.accountId,
    [DimensionName.Region]: event.accountRegion.region,
    [DimensionName.Reason]: '',
  };
  const dimensionsOf = (series: PublishedSeries): Dimensions =>
    series.dimensions.map((name) => ({ Name: name, Value: dimensionValues[name] }));
  const declared = PUBLISHED_SERIES[mode];
  const data = COUNT_METRICS.flatMap((name) =>
    declared
      .filter((series) => series.metricName === name)
      .filter((series) => series.when === SeriesWhen.Always || values[name] > 0)
      .map((series) => datum(name, dimensionsOf(series), values[name])),
  );
  // The heartbeat names the window: per window alone in one account, with its account and Region
  // in an Organization (only when that detail is asked for: a series per window costs).
  if (heartbeat) {
    for (const series of declared.filter(({ when }) => when === SeriesWhen.RunRan)) {
      data.push(datum(series.metricName as MetricName, dimensionsOf(series), 1));
    }
  }
  return { Namespace: namespace, MetricData: data };
}

/**
 * The cause reads of one report that found nothing, per reason (`CausesUnavailable`, one series
 * per `Reason`, only where there are some), stamped like the counts they accompany. Appended to
 * the report's own `PutMetricData` request, so they are published exactly as often as it is.
 */
export function causeData(
  unavailable: Readonly<Partial<Record<CauseUnavailableReason, number>>>,
  timestamp: Date,
): MetricPayload['MetricData'] {
  return CAUSE_SERIES.flatMap((series) =>
    Object.entries(unavailable)
      .filter(([, count]) => (count ?? 0) > 0)
      .map(([reason, count]) => ({
        MetricName: series.metricName,
        Dimensions: series.dimensions.map((name) => ({ Name: name, Value: reason })),
        Timestamp: timestamp,
        Value: count as number,
        Unit: 'Count' as const,
      })),
  );
}

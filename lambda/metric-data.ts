/**
 * The metric data of one report: what goes into its `PutMetricData` request. Pure.
 */
import { DimensionName, MetricName, OrgMetricDetail, type OrgMetricName } from './contract';
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

type Dimensions = { Name: string; Value: string }[];

/**
 * Organization mode's counts of targets in a state (unreachable, event path broken), fleet-wide;
 * the counts that are zero are left out (nothing to alarm on).
 */
export function targetCountPayload(
  namespace: string,
  counts: Partial<Record<OrgMetricName, number>>,
  now: number = Date.now(),
): MetricPayload {
  const data = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => ({
      MetricName: name,
      Dimensions: [],
      Timestamp: new Date(now),
      Value: count,
      Unit: 'Count' as const,
    }));
  return { Namespace: namespace, MetricData: data };
}

/**
 * The series of one run besides the fleet-wide ones, each with the metrics it carries. Single
 * account: per window, everything. Organization mode (the event has a target): per account, only
 * failures and only when there are some (a series costs the same whether it says 0 or 5); per
 * account and Region, or per account, Region and window, everything, when asked for.
 */
function splitSeries(
  event: MonitoredEvent,
  counts: Counts,
  detail: OrgMetricDetail | undefined,
): [Dimensions, MetricName[]][] {
  const all = [
    MetricName.FailedInvocations,
    MetricName.TimedOutInvocations,
    MetricName.CancelledInvocations,
    MetricName.Invocations,
  ];
  const perWindow = { Name: DimensionName.WindowId, Value: event.windowId };
  if (!event.target) return [[[perWindow], all]];
  const account = { Name: DimensionName.AccountId, Value: event.target.accountId };
  const region = { Name: DimensionName.Region, Value: event.target.region };
  const failures = [
    ...(counts.failed > 0 ? [MetricName.FailedInvocations] : []),
    ...(counts.timedOut > 0 ? [MetricName.TimedOutInvocations] : []),
  ];
  const series: [Dimensions, MetricName[]][] = failures.length > 0 ? [[[account], failures]] : [];
  if (detail === OrgMetricDetail.AccountRegion || detail === OrgMetricDetail.AccountRegionWindow) {
    series.push([[account, region], all]);
  }
  if (detail === OrgMetricDetail.AccountRegionWindow) series.push([[account, region, perWindow], all]);
  return series;
}

/**
 * One `PutMetricData` request: failed, timed-out, cancelled and total invocations (`counts`: all
 * of the run's, or what finished since an earlier publish), fleet-wide and split as `splitSeries`
 * says, stamped with the execution's end time (or the oldest time CloudWatch accepts, for a run
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
  detail?: OrgMetricDetail,
): MetricPayload {
  // A run replayed from a queue long after it ended is stamped as late as CloudWatch accepts.
  const timestamp = new Date(Math.max(event.endTime.getTime(), now - OLDEST_TIMESTAMP_MS));
  const values: Record<string, number> = {
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
  const series = splitSeries(event, counts, detail);
  const data = Object.keys(values).flatMap((name) => [
    ...series
      .filter(([, names]) => names.includes(name as MetricName))
      .map(([dimensions]) => datum(name as MetricName, dimensions, values[name] as number)),
    datum(name as MetricName, [], values[name] as number),
  ]);
  // The heartbeat names the window: per window alone in one account, with its account and Region
  // in an Organization (only when that detail is asked for: a series per window costs).
  const heartbeatDimensions = series.find(([dimensions]) =>
    dimensions.some((dimension) => dimension.Name === DimensionName.WindowId),
  )?.[0];
  if (heartbeat && heartbeatDimensions) {
    data.push(datum(MetricName.ExecutionsCompleted, heartbeatDimensions, 1));
  }
  return { Namespace: namespace, MetricData: data };
}

/**
 * The monitor's own metrics, as CloudWatch metric objects: what its alarms and dashboard watch,
 * and what `metricFailedInvocations()` and friends give users for alarms of their own. Each one
 * is a series the functions publish in the monitor's mode (`PUBLISHED_SERIES` in the contract,
 * which the functions' payload builders send from): asked for one they never publish, it throws.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  DimensionName,
  type MetricMode,
  MetricName,
  type OrgMetricName,
  PUBLISHED_SERIES,
  type PublishedSeries,
  publishedSeries,
  SeriesWhen,
} from '../contract';
import { UnpublishedMetricError } from './errors';
import { reachesDescription } from './reach/reach';
import { Reporting } from './settings';

type SeriesName = MetricName | OrgMetricName;

const DIMENSION_WORDS: Record<DimensionName, string> = {
  [DimensionName.WindowId]: 'window',
  [DimensionName.AccountId]: 'account',
  [DimensionName.Region]: 'Region',
  [DimensionName.Reason]: 'reason',
};

/** `per account, Region and window`, or `fleet-wide`: how titles and errors name a split. */
export function splitDescription(dimensions: readonly DimensionName[], words = DIMENSION_WORDS): string {
  if (dimensions.length === 0) return 'fleet-wide';
  const names = dimensions.map((dimension) => words[dimension]);
  const last = names.pop() as string;
  return `per ${names.length > 0 ? `${names.join(', ')} and ${last}` : last}`;
}

const DIMENSION_NAMES = Object.fromEntries(
  Object.values(DimensionName).map((name) => [name, name]),
) as Record<DimensionName, string>;

function sameDimensions(a: readonly DimensionName[], b: readonly DimensionName[]): boolean {
  return a.length === b.length && a.every((dimension) => b.includes(dimension));
}

/** Builds the metrics of one namespace, as the functions publish them in one mode. */
export class MonitorMetrics {
  private readonly published: readonly PublishedSeries[];

  /**
   * @param mode which series the reach publishes (`PUBLISHED_SERIES` in the contract)
   * @param owner the monitor's construct path, for errors
   */
  constructor(
    private readonly namespace: string,
    private readonly mode: MetricMode,
    private readonly reporting: Reporting,
    private readonly owner: string,
  ) {
    this.published = publishedSeries(mode, `${reporting}`);
  }

  /** The series of `metricName` the functions publish in this mode, as declared. */
  seriesOf(metricName: SeriesName): readonly PublishedSeries[] {
    return this.published.filter((series) => series.metricName === metricName);
  }

  /** One published series, summed: fleet-wide, or for `windowId`. */
  metric(
    metricName: SeriesName,
    windowId?: string,
    options: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    this.require(metricName, windowId ? [DimensionName.WindowId] : []);
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: windowId ? { [DimensionName.WindowId]: windowId } : {},
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

  /**
   * The finest split of `metricName` the functions publish (per window in one account; per
   * account, per account and Region, or per account, Region and window in an Organization), every
   * series of it found by SEARCH, so new windows and accounts appear by themselves; undefined when
   * only the fleet-wide series (or none) is published.
   */
  finestSplit(
    metricName: MetricName,
    period: Duration,
  ):
    | { readonly dimensions: readonly DimensionName[]; readonly expression: cloudwatch.MathExpression }
    | undefined {
    const finest = this.seriesOf(metricName)
      .filter((series) => series.dimensions.length > 0)
      .sort((a, b) => b.dimensions.length - a.dimensions.length)[0];
    if (!finest) return undefined;
    const schema = [`"${this.namespace}"`, ...finest.dimensions.map((name) => DIMENSION_NAMES[name])];
    return {
      dimensions: finest.dimensions,
      expression: new cloudwatch.MathExpression({
        expression: `SEARCH('{${schema.join(',')}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
        label: '',
        period,
      }),
    };
  }

  /** Throws, saying what is published instead, unless `metricName` is published with exactly `dimensions`. */
  private require(metricName: SeriesName, dimensions: readonly DimensionName[]): void {
    if (this.seriesOf(metricName).some((series) => sameDimensions(series.dimensions, dimensions))) return;
    const names = (list: readonly DimensionName[]) => splitDescription(list, DIMENSION_NAMES);
    const here = this.seriesOf(metricName).map((series) => names(series.dimensions));
    // Where else it is published: the split, and the reaches (Organization details grouped).
    const modesBySplit = new Map<string, MetricMode[]>();
    for (const [mode, all] of Object.entries(PUBLISHED_SERIES) as [
      MetricMode,
      readonly PublishedSeries[],
    ][]) {
      for (const series of all) {
        if (series.metricName !== metricName) continue;
        if (!dimensions.every((dimension) => series.dimensions.includes(dimension))) continue;
        const runs = series.when === SeriesWhen.RunRan;
        if (mode === this.mode && !runs) continue;
        const split = `${names(series.dimensions)}${runs ? ' (with Reporting.EXECUTION)' : ''}`;
        modesBySplit.set(split, [...(modesBySplit.get(split) ?? []), mode]);
      }
    }
    const elsewhere = [...modesBySplit].map(([split, modes]) => `${split} in ${reachesDescription(modes)}`);
    const heartbeat =
      this.reporting === Reporting.TASK && metricName === MetricName.ExecutionsCompleted
        ? ' with Reporting.TASK (the functions report tasks, not runs, so no run heartbeat)'
        : '';
    throw new UnpublishedMetricError(
      `${this.owner}: ${metricName} ${names(dimensions)} is never published in ${reachesDescription([this.mode])}` +
        `${heartbeat}, so a metric of it would stay empty. ` +
        (here.length > 0
          ? `Published here, in namespace "${this.namespace}": ${metricName} ${here.join('; ')}. Use one of ` +
            'those (a cloudwatch.Metric with its dimensions, or the fleet-wide metric without a window ID).'
          : `No ${metricName} series is published in this mode.`) +
        (elsewhere.length > 0 ? ` It is published ${elsewhere.join('; ')}.` : ''),
    );
  }
}

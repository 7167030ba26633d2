/**
 * The CloudWatch part of the local endpoint: `PutMetricData` with CloudWatch's namespace, size,
 * dimension, unit and timestamp rules, keeping every datum it accepts, and `GetMetricData`
 * summing the kept data back by period. Its rules are copied from AWS's API reference on purpose,
 * not imported from the code under test.
 */
import { type OperationHandler, ServiceError } from './protocols';

/** One datum PutMetricData accepted, with its namespace. */
export interface MetricDatum {
  namespace: string;
  name: string;
  /** The dimensions in a canonical order, `Name=Value` joined by commas. */
  dimensions: string;
  /** Epoch milliseconds. */
  timestamp: number;
  value: number;
}

const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const METRIC_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

export class LocalCloudWatch {
  /** Every datum PutMetricData accepted, with its namespace. */
  readonly metricData: MetricDatum[] = [];

  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    PutMetricData: (i) => this.putMetricData(i),
    GetMetricData: (i) => this.getMetricData(i),
  };

  /** @param now the clock PutMetricData timestamps are checked against */
  constructor(private readonly now: () => number) {}

  private putMetricData(input: Record<string, unknown>): Record<string, unknown> {
    const namespace = input.Namespace;
    if (typeof namespace !== 'string' || namespace.length === 0) {
      throw new ServiceError('MissingParameter', 'The parameter Namespace is required.');
    }
    if (!/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(namespace) || namespace.startsWith('AWS/')) {
      throw new ServiceError(
        'InvalidParameterValue',
        `The value ${namespace} for parameter Namespace is invalid.`,
      );
    }
    const data = input.MetricData;
    if (!Array.isArray(data) || data.length === 0) {
      throw new ServiceError('MissingParameter', 'The parameter MetricData is required.');
    }
    if (data.length > 1000) {
      throw new ServiceError(
        'InvalidParameterValue',
        'The collection MetricData must not have a size greater than 1000.',
      );
    }
    const now = this.now();
    data.forEach((datum: Record<string, unknown>, index) => {
      const where = `MetricData.member.${index + 1}`;
      if (
        typeof datum.MetricName !== 'string' ||
        datum.MetricName.length === 0 ||
        datum.MetricName.length > 255
      ) {
        throw new ServiceError('InvalidParameterValue', `The parameter ${where}.MetricName is required.`);
      }
      const dimensions = (datum.Dimensions ?? []) as { Name?: unknown; Value?: unknown }[];
      if (dimensions.length > 30) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The collection ${where}.Dimensions must not exceed 30 members.`,
        );
      }
      for (const dimension of dimensions) {
        if (
          typeof dimension.Name !== 'string' ||
          !dimension.Name ||
          typeof dimension.Value !== 'string' ||
          !dimension.Value
        ) {
          throw new ServiceError(
            'InvalidParameterValue',
            `The dimensions of ${where} must have a Name and a Value.`,
          );
        }
      }
      if (datum.Value !== undefined && (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value))) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The value for parameter ${where}.Value is not a number.`,
        );
      }
      if (datum.Unit !== undefined && !METRIC_UNITS.has(String(datum.Unit))) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The value ${String(datum.Unit)} for ${where}.Unit is invalid.`,
        );
      }
      if (datum.Timestamp !== undefined) {
        const at = Number(datum.Timestamp) * 1000;
        if (!Number.isFinite(at) || at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) {
          throw new ServiceError(
            'InvalidParameterValue',
            `The parameter ${where}.Timestamp must specify a time no more than two weeks in the past and two hours in the future.`,
          );
        }
      }
    });
    for (const datum of data as Record<string, unknown>[]) {
      this.metricData.push({
        namespace,
        name: String(datum.MetricName),
        dimensions: dimensionKey(datum.Dimensions),
        timestamp: datum.Timestamp === undefined ? now : Number(datum.Timestamp) * 1000,
        value: Number(datum.Value ?? 0),
      });
    }
    return {};
  }

  /** Sums of the kept data, by period, for `MetricStat` queries with the `Sum` statistic. */
  private getMetricData(input: Record<string, unknown>): Record<string, unknown> {
    const start = Number(input.StartTime) * 1000;
    const end = Number(input.EndTime) * 1000;
    const queries = input.MetricDataQueries;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new ServiceError('ValidationError', 'The parameter StartTime must be less than EndTime.');
    }
    if (!Array.isArray(queries) || queries.length === 0 || queries.length > 500) {
      throw new ServiceError('ValidationError', 'MetricDataQueries must hold 1 to 500 queries.');
    }
    return {
      MetricDataResults: (queries as Record<string, unknown>[]).map((query) => {
        const stat = query.MetricStat as
          | { Metric?: Record<string, unknown>; Period?: number; Stat?: string }
          | undefined;
        if (!stat?.Metric || stat.Stat !== 'Sum' || !Number.isInteger(stat.Period)) {
          throw new ServiceError(
            'ValidationError',
            'Only MetricStat queries with the Sum statistic are supported.',
          );
        }
        const periodMs = Number(stat.Period) * 1000;
        const sums = new Map<number, number>();
        for (const datum of this.metricData) {
          if (
            datum.namespace !== stat.Metric.Namespace ||
            datum.name !== stat.Metric.MetricName ||
            datum.dimensions !== dimensionKey(stat.Metric.Dimensions) ||
            datum.timestamp < start ||
            datum.timestamp >= end
          ) {
            continue;
          }
          const bucket = Math.floor(datum.timestamp / periodMs) * periodMs;
          sums.set(bucket, (sums.get(bucket) ?? 0) + datum.value);
        }
        const buckets = [...sums.keys()].sort((a, b) => b - a);
        return {
          Id: query.Id,
          Label: stat.Metric.MetricName,
          Timestamps: buckets.map((bucket) => bucket / 1000),
          Values: buckets.map((bucket) => sums.get(bucket)),
          StatusCode: 'Complete',
        };
      }),
    };
  }
}

/** Dimensions in a canonical order, as one string, for matching queries against kept data. */
function dimensionKey(dimensions: unknown): string {
  return ((dimensions ?? []) as { Name?: string; Value?: string }[])
    .map((dimension) => `${dimension.Name}=${dimension.Value}`)
    .sort()
    .join(',');
}

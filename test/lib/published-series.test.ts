/**
 * The construct's dashboard, alarms and metric methods against what the functions publish: in
 * every mode (single account; Organization at each metric detail) and reporting, each metric they
 * reference is a series the functions' payload builders emit for a sample run, found by calling
 * those builders, never by repeating names.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { CauseUnavailableReason, DEFAULT_METRIC_NAMESPACE, OrgMetricName } from '../../contract';
import type { MonitoredEvent } from '../../lambda/core/event';
import { causeData, metricPayload, reachCountPayload } from '../../lambda/core/metric-data';
import {
  FailureCauses,
  MaintenanceWindowMonitor,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  Reporting,
} from '../../lib/maintenance-window-monitor';
import { EXECUTION, TASK_EVENT } from '../support/records';

const NS = DEFAULT_METRIC_NAMESPACE;
const WINDOW = 'mw-0123456789abcdef0';
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };
const ORGANIZATION = { organizationId: 'o-abcdefghij', regions: ['us-east-1', 'eu-west-1'] };

interface Mode {
  readonly name: string;
  readonly props: MaintenanceWindowMonitorProps;
}

const MODES: Mode[] = [
  {
    name: 'single account, per execution',
    props: { windowIds: [WINDOW], expectedRunInterval: Duration.hours(26) },
  },
  { name: 'single account, per task', props: { windowIds: [WINDOW], reporting: Reporting.TASK } },
  ...Object.values(OrganizationMetricDetail).flatMap((metricDetail) =>
    [Reporting.EXECUTION, Reporting.TASK].map((reporting) => ({
      name: `Organization, metricDetail ${metricDetail}, per ${reporting}`,
      props: { organization: { ...ORGANIZATION, metricDetail }, reporting },
    })),
  ),
  {
    name: 'Organization, failure causes read',
    props: {
      organization: { ...ORGANIZATION, metricDetail: OrganizationMetricDetail.ACCOUNT },
      failureCauses: FailureCauses.SUMMARY,
    },
  },
];

/** `namespace|metric|sorted dimension names`: what identifies a series. */
function seriesKey(namespace: string, metricName: string, dimensions: readonly string[]): string {
  return `${namespace}|${metricName}|${[...dimensions].sort().join(',')}`;
}

/**
 * Every series the functions emit in `mode` for a sample run with failures of each kind (so
 * series published only above zero are there too), by calling their payload builders.
 */
function emitted(props: MaintenanceWindowMonitorProps): Set<string> {
  const organization = props.organization;
  const sample: MonitoredEvent = props.reporting === Reporting.TASK ? TASK_EVENT : EXECUTION;
  const event = organization ? { ...sample, accountRegion: TARGET } : sample;
  const counts = { total: 10, failed: 1, timedOut: 2, cancelled: 3 };
  const payloads = [
    metricPayload(event, counts, NS, event.endTime.getTime(), undefined, organization?.metricDetail),
  ];
  // Causes not read, for every reason: in every mode.
  const reasons = Object.fromEntries(Object.values(CauseUnavailableReason).map((reason) => [reason, 1]));
  payloads.push({ Namespace: NS, MetricData: causeData(reasons, event.endTime) });
  // The reach counts: only where targets exist to be out of reach (events name one).
  if (organization) {
    payloads.push(
      reachCountPayload(NS, {
        [OrgMetricName.UnreachableTargets]: 1,
        [OrgMetricName.EventPathBrokenTargets]: 1,
      }),
    );
  }
  return new Set(
    payloads.flatMap((payload) =>
      payload.MetricData.map((datum) =>
        seriesKey(
          payload.Namespace,
          datum.MetricName,
          datum.Dimensions.map((dimension) => dimension.Name),
        ),
      ),
    ),
  );
}

function build(props: MaintenanceWindowMonitorProps): {
  monitor: MaintenanceWindowMonitor;
  template: Template;
} {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
  const monitor = new MaintenanceWindowMonitor(stack, 'Monitor', props);
  return { monitor, template: Template.fromStack(stack) };
}

type AlarmMetric = { Namespace?: string; MetricName?: string; Dimensions?: { Name: string }[] };

/** The series of the monitor's namespace each alarm watches, directly or in its math. */
function alarmSeries(template: Template): string[] {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: AlarmMetric & { Metrics?: { MetricStat?: { Metric: AlarmMetric } }[] };
  }[];
  const metrics = alarms.flatMap(({ Properties: alarm }) => [
    alarm,
    ...(alarm.Metrics ?? []).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : [])),
  ]);
  return metrics
    .filter((metric) => metric.Namespace === NS)
    .map((metric) =>
      seriesKey(
        NS,
        metric.MetricName as string,
        (metric.Dimensions ?? []).map((dimension) => dimension.Name),
      ),
    );
}

/** The series of the monitor's namespace each dashboard widget graphs: metrics, and SEARCH schemas. */
function dashboardSeries(template: Template): { metrics: string[]; searches: string[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }[];
  const body = JSON.parse(
    (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [])
      .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
      .join(''),
  ) as { widgets: { properties: { metrics?: unknown[][] } }[] };
  const metrics: string[] = [];
  const searches: string[] = [];
  for (const widget of body.widgets) {
    for (const entry of widget.properties.metrics ?? []) {
      const [first, metricName, ...rest] = entry;
      const expression = (first as { expression?: string }).expression;
      if (expression !== undefined) {
        const search = /SEARCH\('\{"([^"]+)",([^}]+)\} MetricName="(\w+)"'/.exec(expression);
        if (expression.includes('SEARCH')) expect(search, expression).not.toBeNull();
        if (search)
          searches.push(
            seriesKey(search[1] as string, search[3] as string, (search[2] as string).split(',')),
          );
      } else if (first === NS) {
        // [namespace, name, dimension name, value, ..., rendering options]
        const pairs = rest.filter((item) => typeof item === 'string');
        metrics.push(seriesKey(NS, metricName as string, pairs.filter((_, i) => i % 2 === 0) as string[]));
      }
    }
  }
  return { metrics, searches };
}

/** Every public metric method, and the series it stands for (as its documentation says). */
const METHODS: [string, (monitor: MaintenanceWindowMonitor) => cloudwatch.Metric, string, string[]][] = [
  ['metricFailedInvocations()', (m) => m.metricFailedInvocations(), 'FailedInvocations', []],
  [
    'metricFailedInvocations(windowId)',
    (m) => m.metricFailedInvocations(WINDOW),
    'FailedInvocations',
    ['WindowId'],
  ],
  ['metricTimedOutInvocations()', (m) => m.metricTimedOutInvocations(), 'TimedOutInvocations', []],
  [
    'metricTimedOutInvocations(windowId)',
    (m) => m.metricTimedOutInvocations(WINDOW),
    'TimedOutInvocations',
    ['WindowId'],
  ],
  ['metricCancelledInvocations()', (m) => m.metricCancelledInvocations(), 'CancelledInvocations', []],
  [
    'metricCancelledInvocations(windowId)',
    (m) => m.metricCancelledInvocations(WINDOW),
    'CancelledInvocations',
    ['WindowId'],
  ],
  ['metricInvocations()', (m) => m.metricInvocations(), 'Invocations', []],
  ['metricInvocations(windowId)', (m) => m.metricInvocations(WINDOW), 'Invocations', ['WindowId']],
  [
    'metricExecutionsCompleted(windowId)',
    (m) => m.metricExecutionsCompleted(WINDOW),
    'ExecutionsCompleted',
    ['WindowId'],
  ],
  ['metricUnreachableTargets()', (m) => m.metricUnreachableTargets(), 'UnreachableTargets', []],
  ['metricEventPathBrokenTargets()', (m) => m.metricEventPathBrokenTargets(), 'EventPathBrokenTargets', []],
];

describe.each(MODES)('the metrics the construct references, $name', ({ props }) => {
  const published = emitted(props);
  const { monitor, template } = build(props);

  it('alarms only on series the functions publish', () => {
    const watched = alarmSeries(template);
    expect(watched.length).toBeGreaterThan(0);
    for (const series of watched) expect(published, series).toContain(series);
  });

  it('graphs only series the functions publish, failures split as finely as they are published', () => {
    const { metrics, searches } = dashboardSeries(template);
    expect(metrics.length).toBeGreaterThan(0);
    for (const series of [...metrics, ...searches]) expect(published, series).toContain(series);
    // Failures are graphed split (per window, per account...), not only fleet-wide.
    expect(searches.some((series) => /\|FailedInvocations\|.+/.test(series))).toBe(true);
  });

  it.each(METHODS)(
    '%s gives a published series, or throws naming the mode',
    (_, call, metricName, dimensions) => {
      const key = seriesKey(NS, metricName, dimensions);
      if (published.has(key)) {
        const metric = call(monitor);
        expect(seriesKey(metric.namespace, metric.metricName, Object.keys(metric.dimensions ?? {}))).toBe(
          key,
        );
      } else {
        expect(() => call(monitor)).toThrow(
          new RegExp(`${metricName} .* is never published in (single-account mode|Organization mode)`),
        );
      }
    },
  );
});

/**
 * Seeds the heartbeat of listed windows at deploy time. A missed-run alarm treats missing data as
 * breaching, so on a first deploy (or for a newly listed window) it would go to ALARM within
 * minutes, although the window ran yesterday, simply because the monitor did not exist then. So
 * before the alarms are created, each window's latest run within the expected interval has its
 * heartbeat (`ExecutionsCompleted`) published: metrics only, never an alert, never a ledger record.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { DimensionName, MetricName } from '../../contract';
import { metricSums, putMetrics, windowExecutionsEndingSince } from '../adapters/aws';
import { describeError } from '../adapters/errors';
import type { Ledger } from '../adapters/ledger';
import { ledgerKey } from '../adapters/ledger';
import { type Clock, systemClock } from '../clock';
import type { MetricPayload } from './metric-data';
import type { MonitorLogger } from './report-event';
import { ran } from './tally';

const HOUR_MS = 3_600_000;

export interface SeedDeps {
  readonly clients: { readonly ssm: SSMClient; readonly cloudWatch: CloudWatchClient };
  readonly ledger: Pick<Ledger, 'heartbeatPublished'>;
  readonly logger: MonitorLogger;
  /** @default systemClock */
  readonly clock?: Clock;
}

export interface SeedOptions {
  readonly windowIds: readonly string[];
  /** The namespace the missed-run alarms watch. */
  readonly metricNamespace: string;
  /** The missed-run alarms' range: only a run that ended within it keeps a window's alarm OK. */
  readonly expectedRunIntervalMs: number;
  readonly now: number;
  /** How long to wait for the seeded data to become visible to alarms. */
  readonly visibleWithinMs: number;
  /** @default 10 seconds */
  readonly pollMs?: number;
  /** Waits before listing again the windows whose runs could not be read. @default 5, 10 and 20 s */
  readonly listingRetryMs?: readonly number[];
}

export interface SeedReport {
  /** Window ID → the execution whose heartbeat was published. */
  readonly seeded: Record<string, string>;
  /** Windows whose latest run was already reported, heartbeat included. */
  readonly alreadyReported: string[];
  /** Windows with no run within the interval: their missed-run alarm rightly fires. */
  readonly noRecentRun: string[];
  /** Windows whose runs could not be listed, with the error. */
  readonly unreached: { readonly windowId: string; readonly error: string }[];
  /** Whether GetMetricData returned every seeded heartbeat before the wait ran out. */
  readonly visible: boolean;
}

export async function seedHeartbeats(deps: SeedDeps, options: SeedOptions): Promise<SeedReport> {
  const { clients, ledger, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const since = options.now - options.expectedRunIntervalMs;
  const latest = new Map<string, { executionId: string; endedAt: Date }>();
  const report = {
    seeded: {} as Record<string, string>,
    alreadyReported: [] as string[],
    noRecentRun: [] as string[],
    unreached: [] as { windowId: string; error: string }[],
    visible: true,
  };

  // A first deploy runs seconds after the role was created; give throttling or a policy still
  // propagating a few rounds before a window is given up on.
  let pending = [...options.windowIds];
  for (const wait of [0, ...(options.listingRetryMs ?? [5_000, 10_000, 20_000])]) {
    if (pending.length === 0) break;
    if (wait > 0) await clock.sleep(wait);
    report.unreached = [];
    for (const windowId of pending) {
      try {
        for (const execution of await windowExecutionsEndingSince(clients.ssm, windowId, new Date(since))) {
          const endedAt = execution.EndTime ?? execution.StartTime;
          // A skipped or cancelled run did not patch: it is no heartbeat.
          if (!execution.WindowExecutionId || !ran(execution.Status) || !endedAt) continue;
          if (endedAt.getTime() < since || endedAt.getTime() > options.now) continue;
          const best = latest.get(windowId);
          if (!best || endedAt > best.endedAt) {
            latest.set(windowId, { executionId: execution.WindowExecutionId, endedAt });
          }
        }
        if (!latest.has(windowId)) report.noRecentRun.push(windowId);
      } catch (error: unknown) {
        report.unreached.push({ windowId, error: describeError(error) });
      }
    }
    pending = report.unreached.map((unreached) => unreached.windowId);
  }

  // A run the monitor already reported (or is reporting) published its own heartbeat.
  const published = await ledger.heartbeatPublished(
    [...latest.values()].map((run) => ledgerKey(run.executionId)),
  );
  const data: MetricPayload['MetricData'] = [];
  for (const [windowId, run] of latest) {
    if (published.has(ledgerKey(run.executionId))) {
      report.alreadyReported.push(windowId);
      continue;
    }
    report.seeded[windowId] = run.executionId;
    data.push({
      MetricName: MetricName.ExecutionsCompleted,
      Dimensions: [{ Name: DimensionName.WindowId, Value: windowId }],
      Timestamp: run.endedAt,
      Value: 1,
      Unit: 'Count',
    });
  }
  if (data.length > 0) {
    await putMetrics(clients.cloudWatch, { Namespace: options.metricNamespace, MetricData: data });
    report.visible = await waitUntilVisible(deps, Object.keys(report.seeded), since, options);
  }
  logger.info('Seeded window heartbeats', { ...report });
  return report;
}

/**
 * Polls GetMetricData until every seeded heartbeat can be read back: an alarm created before its
 * data is visible would still go to ALARM once.
 */
async function waitUntilVisible(
  deps: SeedDeps,
  windowIds: readonly string[],
  since: number,
  options: SeedOptions,
): Promise<boolean> {
  const clock = deps.clock ?? systemClock;
  const metrics = windowIds.map((windowId, i) => ({
    id: `w${i}`,
    namespace: options.metricNamespace,
    metricName: MetricName.ExecutionsCompleted,
    dimensions: [{ Name: DimensionName.WindowId, Value: windowId }],
  }));
  const start = new Date(Math.floor(since / HOUR_MS) * HOUR_MS);
  const end = new Date(Math.ceil(options.now / HOUR_MS) * HOUR_MS + HOUR_MS);
  const giveUpAt = clock.now() + options.visibleWithinMs;
  for (;;) {
    let missing = metrics;
    try {
      const sums = await metricSums(deps.clients.cloudWatch, metrics, start, end);
      missing = metrics.filter((metric) => (sums.get(metric.id) ?? 0) < 1);
    } catch (error: unknown) {
      // Reading back is a courtesy to the alarms; failing to read must not fail the deploy.
      deps.logger.warn('Could not read the seeded heartbeats back yet', { error: describeError(error) });
    }
    if (missing.length === 0) return true;
    const wait = options.pollMs ?? 10_000;
    if (clock.now() + wait > giveUpAt) {
      deps.logger.warn(
        'Seeded heartbeats are not visible yet; their missed-run alarms may go to ALARM once',
        {
          windows: missing.map((metric) => windowIds[Number(metric.id.slice(1))]),
        },
      );
      return false;
    }
    await clock.sleep(wait);
  }
}

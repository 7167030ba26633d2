/**
 * Reporting one event: the pipeline that counts a run's invocations and then takes each step
 * (publish the metrics, send the alert, send the chat card, complete) exactly once, recording each
 * in the ledger as it happens. Every dependency is passed in.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { publishAlert, publishChatCard, putMetrics } from '../adapters/aws';
import type { Config } from '../adapters/config';
import { describeError } from '../adapters/errors';
import {
  ExecutionInProgressError,
  LeaseLostError,
  type Ledger,
  ledgerKey,
  type Notification,
  type Progress,
} from '../adapters/ledger';
import type { SsmReader } from '../adapters/ssm-reader';
import { type Clock, systemClock } from '../clock';
import { ledgerScope } from './account-region';
import { buildAlert } from './alert';
import type { MonitoredEvent } from './event';
import { causeData, metricPayload } from './metric-data';
import type { Reach } from './reach';
import { readFailureCauses } from './report-causes';
import { countInvocations, lookUpWindowName, metricsDue, stepRunner } from './report-steps';
import { type Counts, needsAlert } from './tally';

export interface Clients {
  readonly ssm: SSMClient;
  readonly cloudWatch: CloudWatchClient;
  readonly sns: SNSClient;
}

/** The part of a logger the monitor uses; Powertools' Logger satisfies it. */
export interface MonitorLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** The settings reporting uses: where to publish, and what the alert's links say. */
export type ReportConfig = Pick<
  Config,
  'alertTopicArn' | 'chatTopicArn' | 'metricNamespace' | 'partition' | 'failureCauses'
>;

export interface ReportDeps {
  readonly clients: Clients;
  readonly config: ReportConfig;
  readonly logger: MonitorLogger;
  readonly ledger: Ledger;
  /** Where the function runs, and what differs in its output across its reach. */
  readonly reach: Reach;
  /** The SSM client of a run's account-Region. */
  readonly reader: Pick<SsmReader, 'ssmFor' | 'causeReadsFor'>;
  /**
   * Who is delivering (unique to the invocation); how long a lease taken now may last (beyond the
   * invocation's own end, so that it cannot expire while the invocation still works); and when
   * the invocation must stop working (ms since the epoch).
   */
  readonly delivery: {
    readonly owner: string;
    readonly leaseMs: () => number;
    readonly deadline: () => number;
    /**
     * Event deliveries: the start of every owner this invocation's attempts use (its request ID
     * and `/`). Lambda retries an invocation that failed or timed out under the same request ID,
     * so an unexpired lease whose owner starts with it is an earlier attempt's that ended without
     * finishing, and is taken over at once. Such a delivery can be taken over in turn, so it checks
     * it still holds the lease before its first publish. Without it (the sweep), a lease is only
     * taken once expired.
     */
    readonly earlierAttempts?: string;
  };
  /** @default systemClock */
  readonly clock?: Clock;
}

/** What reporting one event did. */
export type ReportResult =
  | (Counts & {
      readonly tasks: number;
      /** Invocations not finished yet: counted by a later delivery (the sweep). */
      readonly running?: number;
      readonly alertMessageId?: string;
    })
  | { readonly duplicate: true };

/** Stop retrying a ledger record this long before the lease runs out. */
const LEASE_SAFETY_MS = 5_000;

/**
 * Reports one execution (or task) exactly once: takes its lease in the ledger, counts every
 * task's invocations, publishes one set of metrics, then alerts when targets failed. Each step is
 * recorded as it happens, so a duplicate delivery does nothing and a retry after a crash skips
 * the steps already done. Nothing is published until every page has been read. A run with
 * invocations still running is counted as far as they finished and left incomplete; a later
 * delivery (the sweep) publishes the rest, and an update alert if any of them failed.
 */
export async function reportEvent(event: MonitoredEvent, deps: ReportDeps): Promise<ReportResult> {
  const { logger, ledger, delivery } = deps;
  const key = eventKey(event, deps.reach.home);
  const progress = await ledger.claim(
    key,
    delivery.owner,
    delivery.leaseMs(),
    { windowId: event.windowId, status: event.status },
    delivery.earlierAttempts,
  );
  if (progress === 'completed') {
    logger.info('Already reported by an earlier delivery; nothing to do');
    return { duplicate: true };
  }
  if (progress.tookOverFrom) {
    logger.info(
      'Took over the lease of an earlier attempt of this invocation; resuming from its recorded steps',
      {
        earlierAttempt: progress.tookOverFrom,
        owner: delivery.owner,
      },
    );
  }
  try {
    return await reportClaimed(event, deps, key, progress);
  } catch (error: unknown) {
    // Let a retry, or another delivery, resume from the steps recorded so far right away (unless
    // the lease is no longer this delivery's to give back).
    if (!(error instanceof LeaseLostError || error instanceof ExecutionInProgressError)) {
      await ledger.release(key, delivery.owner).catch((release: unknown) => {
        logger.warn('Could not release the lease; it expires by itself', { error: describeError(release) });
      });
    }
    throw error;
  }
}

/** The ledger key of an event: scoped to its account-Region, unless that is the home one. */
export function eventKey(event: MonitoredEvent, home: Reach['home']): string {
  return ledgerKey(
    event.windowExecutionId,
    event.kind === 'task' ? event.taskExecutionId : undefined,
    ledgerScope(event.accountRegion, home),
  );
}

/** The account for the alert, where the reach names it: with its name when a sweep recorded it. */
async function alertAccount(
  event: MonitoredEvent,
  deps: ReportDeps,
): Promise<{ id: string; name?: string } | undefined> {
  if (!deps.reach.namesAccountRegions) return undefined;
  const id = event.accountRegion.accountId;
  try {
    const name = await deps.ledger.accountName(id);
    return name ? { id, name } : { id };
  } catch (error: unknown) {
    deps.logger.warn('Could not read the account name; the alert names the account by ID', {
      error: describeError(error),
    });
    return { id };
  }
}

async function reportClaimed(
  event: MonitoredEvent,
  deps: ReportDeps,
  key: string,
  progress: Progress,
): Promise<ReportResult> {
  const { clients, config, logger, ledger, delivery } = deps;
  const owner = delivery.owner;
  const step = stepRunner(deps, key, Math.min(progress.leaseUntil - LEASE_SAFETY_MS, delivery.deadline()));

  // 1. Count: every page of every task, before anything is published.
  const ssm = deps.reader.ssmFor(event.accountRegion);
  const { tally, tasks, pages } = await countInvocations(event, ssm, config.failureCauses?.maxReads ?? 0);
  const counts = tally.counts;
  const running = tally.running;
  logger.info('Counted task invocations', { ...counts, running, tasks, pages });

  // 2. The alerts due (once, and again only when more targets failed since), and, for them, the
  // causes of the failed targets: read before the metrics, which carry the reads that failed.
  const unhealthy = counts.failed + counts.timedOut;
  const due = needsAlert(event, tally)
    ? destinations(config).filter(([notification]) => {
        const reported = progress.notified[notification];
        if (reported === undefined || unhealthy > reported) return true;
        logger.info(`The ${notification} was sent by an earlier attempt; not sending it again`);
        return false;
      })
    : [];
  const causes = due.length > 0 ? await readFailureCauses(event, tally, deps) : undefined;

  // 3. Publish the metrics: all of them the first time, then only what finished since.
  const metrics = metricsDue(event, counts, progress);
  if (metrics) {
    const now = (deps.clock ?? systemClock).now();
    const payload = metricPayload(
      event,
      metrics.fresh,
      config.metricNamespace,
      now,
      metrics.heartbeat,
      deps.reach.series,
    );
    // The causes not read, once per run: with its first alert (an update reads the same targets again).
    const unread =
      causes && progress.notified.alert === undefined
        ? causeData(causes.unavailable, payload.MetricData[0]?.Timestamp ?? new Date(now))
        : [];
    await step(
      'the metrics',
      () => putMetrics(clients.cloudWatch, { ...payload, MetricData: [...payload.MetricData, ...unread] }),
      () => ledger.recordMetrics(key, owner, counts, metrics.heartbeat || progress.heartbeatPublished),
    );
  } else {
    logger.info('Metrics were published by an earlier attempt; not publishing them again');
  }

  // 4. Alert, and send the chat card, where due.
  let alertMessageId: string | undefined;
  let name: Promise<string | undefined> | undefined;
  let account: Promise<{ id: string; name?: string } | undefined> | undefined;
  for (const [notification, topicArn] of due) {
    const reported = progress.notified[notification];
    name ??= lookUpWindowName(ssm, event.windowId, logger);
    account ??= alertAccount(event, deps);
    const accountOfRun = await account;
    const alert = buildAlert(event, tally, {
      windowName: await name,
      region: event.accountRegion.region,
      ...(accountOfRun ? { account: accountOfRun } : {}),
      partition: config.partition,
      ...(reported !== undefined ? { alreadyReported: reported } : {}),
      ...(causes ? { causes } : {}),
    });
    const messageId = await step(
      `the ${notification}`,
      () =>
        notification === 'alert'
          ? publishAlert(clients.sns, topicArn, alert)
          : publishChatCard(clients.sns, topicArn, alert.chat),
      (id) => ledger.recordNotification(key, owner, notification, unhealthy, id),
    );
    if (notification === 'alert') alertMessageId = messageId;
    logger.info(`Published the ${notification}`, { messageId, subject: alert.subject });
  }

  // 5. Complete, or leave the run for the sweep while invocations still run.
  const result = { ...counts, tasks, ...(alertMessageId ? { alertMessageId } : {}) };
  if (running > 0) {
    await ledger.defer(key, owner, running);
    logger.warn(
      'Invocations are still running although the run ended; counted what finished, the sweep counts the rest',
      { running },
    );
    return { ...result, running };
  }
  await ledger.complete(key, owner);
  return result;
}

/** The alert topic, and the chat topic when there is one. */
function destinations(config: ReportConfig): [Notification, string][] {
  return [
    ['alert', config.alertTopicArn],
    ...(config.chatTopicArn ? [['chat', config.chatTopicArn] as [Notification, string]] : []),
  ];
}

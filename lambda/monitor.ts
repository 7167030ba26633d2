/**
 * What the function does for one event, with every dependency passed in.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  executionTasks,
  publishAlert,
  publishChatCard,
  putMetrics,
  taskInvocationPages,
  windowName,
} from './aws';
import type { Config } from './config';
import type { MonitoredEvent } from './event';
import {
  LeaseLostError,
  type Ledger,
  ledgerKey,
  type Notification,
  type Progress,
  type PublishedCounts,
} from './ledger';
import {
  type Alert,
  buildAlert,
  type Counts,
  ExecutionTally,
  metricPayload,
  needsAlert,
  ranToItsEnd,
  type TaskRecord,
} from './report';

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

export interface MonitorDeps {
  readonly clients: Clients;
  readonly config: Config;
  readonly logger: MonitorLogger;
  readonly ledger: Ledger;
  /**
   * Who is delivering (unique to the invocation); how long a lease taken now may last (beyond the
   * invocation's own end, so that it cannot expire while the invocation still works); and when
   * the invocation must stop working (ms since the epoch).
   */
  readonly delivery: {
    readonly owner: string;
    readonly leaseMs: () => number;
    readonly deadline: () => number;
  };
  /** Waits `ms`; injectable so tests need not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type Report =
  | (Counts & {
      readonly tasks: number;
      /** Invocations not finished yet: counted by a later delivery (the sweep). */
      readonly running?: number;
      readonly alertMessageId?: string;
    })
  | { readonly duplicate: true };

/** An error as one line for a log field: its name and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/**
 * Whether trying again can help: throttling, a fault on the service's side, or no answer at all
 * (a network error or timeout). A refusal (access denied, a missing table) will not go away.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { $fault, $retryable } = error as { $fault?: string; $retryable?: unknown };
  return (
    Boolean($retryable) || $fault === 'server' || $fault === undefined || THROTTLING_ERRORS.has(error.name)
  );
}

const NO_COUNTS: PublishedCounts = { total: 0, failed: 0, timedOut: 0, cancelled: 0 };
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
export async function reportEvent(event: MonitoredEvent, deps: MonitorDeps): Promise<Report> {
  const { logger, ledger, delivery } = deps;
  const key = ledgerKey(event.windowExecutionId, event.kind === 'task' ? event.taskExecutionId : undefined);
  const progress = await ledger.claim(key, delivery.owner, delivery.leaseMs(), {
    windowId: event.windowId,
    status: event.status,
  });
  if (progress === 'completed') {
    logger.info('Already reported by an earlier delivery; nothing to do');
    return { duplicate: true };
  }
  try {
    return await reportClaimed(event, deps, key, progress);
  } catch (error: unknown) {
    // Let a retry, or another delivery, resume from the steps recorded so far right away.
    if (!(error instanceof LeaseLostError)) {
      await ledger.release(key, delivery.owner).catch((release: unknown) => {
        logger.warn('Could not release the lease; it expires by itself', { error: String(release) });
      });
    }
    throw error;
  }
}

async function countInvocations(
  event: MonitoredEvent,
  ssm: SSMClient,
): Promise<{ tally: ExecutionTally; tasks: number; pages: number }> {
  const tasks: TaskRecord[] =
    event.kind === 'task'
      ? [{ TaskExecutionId: event.taskExecutionId, Status: event.status }]
      : await executionTasks(ssm, event.windowExecutionId);
  const tally = new ExecutionTally();
  let pages = 0;
  for (const task of tasks) {
    const taskTally = tally.addTask(task);
    if (!task.TaskExecutionId) continue;
    for await (const page of taskInvocationPages(ssm, event.windowExecutionId, task.TaskExecutionId)) {
      taskTally.add(page);
      pages++;
    }
  }
  return { tally, tasks: tasks.length, pages };
}

function since(counts: Counts, published: PublishedCounts): Counts {
  return {
    total: Math.max(0, counts.total - published.total),
    failed: Math.max(0, counts.failed - published.failed),
    timedOut: Math.max(0, counts.timedOut - published.timedOut),
    cancelled: Math.max(0, counts.cancelled - published.cancelled),
  };
}

async function reportClaimed(
  event: MonitoredEvent,
  deps: MonitorDeps,
  key: string,
  progress: Progress,
): Promise<Report> {
  const { clients, config, logger, ledger, delivery } = deps;
  const owner = delivery.owner;
  const recordBy = Math.min(progress.leaseUntil - LEASE_SAFETY_MS, delivery.deadline());
  const record = (what: string, write: () => Promise<void>) => recordPublished(what, write, recordBy, deps);

  const { tally, tasks, pages } = await countInvocations(event, clients.ssm);
  const counts = tally.counts;
  const running = tally.running;
  logger.info('Counted task invocations', { ...counts, running, tasks, pages });

  const heartbeatDue = ranToItsEnd(event) && !progress.heartbeatPublished;
  if (progress.published === 'all') {
    logger.info('Metrics were published by an earlier attempt; not publishing them again');
  } else {
    const fresh = since(counts, progress.published ?? NO_COUNTS);
    const first = progress.published === undefined;
    if (first || fresh.total > 0 || heartbeatDue) {
      await putMetrics(
        clients.cloudWatch,
        metricPayload(event, fresh, config.metricNamespace, Date.now(), heartbeatDue),
      );
      await record('the metrics', () =>
        ledger.recordMetrics(key, owner, counts, heartbeatDue || progress.heartbeatPublished),
      );
      if (!first) logger.info('Published the invocations that finished since the last report', { ...fresh });
    } else {
      logger.info('Metrics were published by an earlier attempt; not publishing them again');
    }
  }

  let alertMessageId: string | undefined;
  if (needsAlert(event, tally)) {
    const unhealthy = counts.failed + counts.timedOut;
    const destinations: [Notification, string][] = [
      ['alert', config.alertTopicArn],
      ...(config.chatTopicArn ? [['chat', config.chatTopicArn] as [Notification, string]] : []),
    ];
    let name: Promise<string | undefined> | undefined;
    for (const [notification, topicArn] of destinations) {
      const reported = progress.notified[notification];
      if (reported !== undefined && unhealthy <= reported) {
        logger.info(`The ${notification} was sent by an earlier attempt; not sending it again`);
        continue;
      }
      name ??= lookUpWindowName(clients.ssm, event.windowId, logger);
      const alert: Alert = buildAlert(event, tally, {
        windowName: await name,
        region: config.region,
        partition: config.partition,
        ...(reported !== undefined ? { alreadyReported: reported } : {}),
      });
      const messageId =
        notification === 'alert'
          ? await publishAlert(clients.sns, topicArn, alert)
          : await publishChatCard(clients.sns, topicArn, alert.chat);
      await record(`the ${notification}`, () =>
        ledger.recordNotification(key, owner, notification, unhealthy, messageId),
      );
      if (notification === 'alert') alertMessageId = messageId;
      logger.info(`Published the ${notification}`, { messageId, subject: alert.subject });
    }
  }

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

/**
 * Records a step that has just been published. The publish cannot be taken back, so a failed
 * write is retried for as long as this delivery's lease lasts: giving up means a retry publishes
 * it again.
 */
async function recordPublished(
  what: string,
  write: () => Promise<void>,
  deadline: number,
  deps: MonitorDeps,
): Promise<void> {
  const { logger, sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)) } = deps;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      if (attempt > 1) logger.info(`Recorded ${what} in the ledger`, { attempts: attempt });
      return;
    } catch (error: unknown) {
      const failure = describeError(error);
      if (error instanceof LeaseLostError) {
        logger.error(
          `Published ${what}, but another delivery took the lease before it was recorded: it will publish ${what} again`,
          { error: failure },
        );
        throw error;
      }
      const wait = Math.min(250 * 2 ** (attempt - 1), 5_000);
      if (!isTransient(error)) {
        logger.error(
          `Published ${what}, but the ledger refused to record it: a retry of this event will publish ${what} again`,
          { error: failure },
        );
        throw error;
      }
      if (Date.now() + wait > deadline) {
        logger.error(
          `Published ${what}, but could not record it in the ledger while the lease lasted: a retry of this event will publish ${what} again`,
          { attempts: attempt, error: failure },
        );
        throw error;
      }
      logger.warn(`Published ${what}, but could not record it yet; retrying while the lease lasts`, {
        attempt,
        error: failure,
      });
      await sleep(wait);
    }
  }
}

/** The name makes the alert readable, but its absence must not stop the alert. */
async function lookUpWindowName(
  ssm: SSMClient,
  windowId: string,
  logger: MonitorLogger,
): Promise<string | undefined> {
  try {
    return await windowName(ssm, windowId);
  } catch (error: unknown) {
    logger.warn('Could not look up the window name; the alert names the window by ID', {
      error: describeError(error),
    });
    return undefined;
  }
}

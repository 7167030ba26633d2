/**
 * What the function does for one event, with every dependency passed in.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { executionTasks, publishAlert, putMetrics, taskInvocationPages, windowName } from './aws';
import type { Config } from './config';
import type { MonitoredEvent } from './event';
import { type Claim, LeaseLostError, type Ledger, ledgerKey } from './ledger';
import {
  buildAlert,
  type Counts,
  ExecutionTally,
  metricPayload,
  needsAlert,
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
}

export interface MonitorDeps {
  readonly clients: Clients;
  readonly config: Config;
  readonly logger: MonitorLogger;
  readonly ledger: Ledger;
  /**
   * Who is delivering (unique to the invocation), and how long a lease taken now may last: beyond
   * the invocation's own end, so that it cannot expire while the invocation still works.
   */
  readonly delivery: { readonly owner: string; readonly leaseMs: () => number };
}

export type Report =
  | (Counts & { readonly tasks: number; readonly alertMessageId?: string })
  | { readonly duplicate: true };

/**
 * Reports one execution (or task) exactly once: takes its lease in the ledger, counts every
 * task's invocations, publishes one set of metrics, then alerts when targets failed. Each step is
 * recorded as it happens, so a duplicate delivery does nothing and a retry after a crash skips
 * the steps already done. Nothing is published until every page has been read.
 */
export async function reportEvent(event: MonitoredEvent, deps: MonitorDeps): Promise<Report> {
  const { logger, ledger, delivery } = deps;
  const key = ledgerKey(event.windowExecutionId, event.kind === 'task' ? event.taskExecutionId : undefined);
  const claim = await ledger.claim(key, delivery.owner, delivery.leaseMs(), {
    windowId: event.windowId,
    status: event.status,
  });
  if (claim === 'completed') {
    logger.info('Already reported by an earlier delivery; nothing to do');
    return { duplicate: true };
  }
  try {
    return await reportClaimed(event, deps, key, claim);
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

async function reportClaimed(
  event: MonitoredEvent,
  deps: MonitorDeps,
  key: string,
  claim: Claim,
): Promise<Report> {
  const { clients, config, logger, ledger, delivery } = deps;

  const tasks: TaskRecord[] =
    event.kind === 'task'
      ? [{ TaskExecutionId: event.taskExecutionId, Status: event.status }]
      : await executionTasks(clients.ssm, event.windowExecutionId);

  const tally = new ExecutionTally();
  let pages = 0;
  for (const task of tasks) {
    const taskTally = tally.addTask(task);
    if (!task.TaskExecutionId) continue;
    for await (const page of taskInvocationPages(
      clients.ssm,
      event.windowExecutionId,
      task.TaskExecutionId,
    )) {
      taskTally.add(page);
      pages++;
    }
  }
  const counts = tally.counts;
  logger.info('Counted task invocations', { ...counts, tasks: tasks.length, pages });

  if (claim.metricsPublished) {
    logger.info('Metrics were published by an earlier attempt; not publishing them again');
  } else {
    await putMetrics(clients.cloudWatch, metricPayload(event, counts, config.metricNamespace));
    await ledger.mark(key, delivery.owner, 'metricsPublishedAt');
  }

  let alertMessageId: string | undefined;
  const alerting = needsAlert(event, tally);
  if (alerting && claim.alertSent) {
    logger.info('The alert was sent by an earlier attempt; not sending it again');
  } else if (alerting) {
    const alert = buildAlert(event, tally, {
      windowName: await lookUpWindowName(clients.ssm, event.windowId, logger),
      region: config.region,
      partition: config.partition,
    });
    alertMessageId = await publishAlert(clients.sns, config.alertTopicArn, alert);
    await ledger.mark(key, delivery.owner, 'alertSentAt', alertMessageId ? { alertMessageId } : {});
    logger.info('Published alert', { alertMessageId, subject: alert.subject });
  }

  await ledger.complete(key, delivery.owner);
  return { ...counts, tasks: tasks.length, ...(alertMessageId ? { alertMessageId } : {}) };
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
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return undefined;
  }
}

/**
 * What the function does for one event, with every dependency passed in.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { executionTasks, publishAlert, putMetrics, taskInvocationPages, windowName } from './aws';
import type { Config } from './config';
import type { MonitoredEvent } from './event';
import { buildAlert, type Counts, ExecutionTally, metricPayload, type TaskRecord } from './report';

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

export interface Report extends Counts {
  readonly tasks: number;
  readonly alertMessageId?: string;
}

/**
 * Counts the invocations of every task the event covers, publishes one set of metrics, then
 * alerts when targets failed or timed out. Nothing is published until every page has been read,
 * so an SSM error leaves no partial metrics behind; the alert goes out only after the metrics.
 */
export async function reportEvent(
  event: MonitoredEvent,
  clients: Clients,
  config: Config,
  logger: MonitorLogger,
): Promise<Report> {
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

  await putMetrics(clients.cloudWatch, metricPayload(event, counts, config.metricNamespace));

  const report = { ...counts, tasks: tasks.length };
  if (!tally.needsAlert) return report;
  const alert = buildAlert(event, tally, {
    windowName: await lookUpWindowName(clients.ssm, event.windowId, logger),
    region: config.region,
    partition: config.partition,
  });
  const alertMessageId = await publishAlert(clients.sns, config.alertTopicArn, alert);
  logger.info('Published alert', { alertMessageId, subject: alert.subject });
  return { ...report, ...(alertMessageId ? { alertMessageId } : {}) };
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

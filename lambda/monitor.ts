/**
 * What the function does for one task execution, with every dependency passed in.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { publishAlert, putMetrics, taskInvocationPages } from './aws';
import type { Config } from './config';
import type { TaskExecutionEvent } from './event';
import { buildAlert, InvocationTally, metricPayload } from './report';

export interface Clients {
  readonly ssm: SSMClient;
  readonly cloudWatch: CloudWatchClient;
  readonly sns: SNSClient;
}

/** The part of a logger the monitor uses; Powertools' Logger satisfies it. */
export interface MonitorLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface TaskReport {
  readonly total: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly alertMessageId?: string;
}

/**
 * Counts the invocations of one task execution, publishes its metrics, then alerts when any
 * target failed or timed out. Nothing is published until every page has been read, so an SSM
 * error leaves no partial metrics behind.
 */
export async function reportTaskExecution(
  event: TaskExecutionEvent,
  clients: Clients,
  config: Config,
  logger: MonitorLogger,
): Promise<TaskReport> {
  const tally = new InvocationTally();
  let pages = 0;
  for await (const page of taskInvocationPages(clients.ssm, event.windowExecutionId, event.taskExecutionId)) {
    tally.add(page);
    pages++;
  }
  const counts = { total: tally.total, failed: tally.failed, timedOut: tally.timedOut };
  logger.info('Counted task invocations', { ...counts, pages });

  await putMetrics(clients.cloudWatch, metricPayload(event, tally, config.metricNamespace));

  const alert = buildAlert(event, tally);
  if (!alert) return counts;
  const alertMessageId = await publishAlert(clients.sns, config.alertTopicArn, alert);
  logger.info('Published alert', { alertMessageId });
  return { ...counts, ...(alertMessageId ? { alertMessageId } : {}) };
}

/**
 * Thin adapters over the SDK clients. Each does one call shape; the caller owns the clients.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  GetMaintenanceWindowCommand,
  type MaintenanceWindowExecution,
  paginateDescribeMaintenanceWindowExecutions,
  paginateDescribeMaintenanceWindowExecutionTaskInvocations,
  paginateDescribeMaintenanceWindowExecutionTasks,
  paginateDescribeMaintenanceWindows,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Alert, ChatNotification } from '../core/alert';
import type { MetricPayload } from '../core/metric-data';
import type { InvocationRecord, TaskRecord } from '../core/records';

/** The API's maximum page size: fewest calls for a large fleet. */
export const PAGE_SIZE = 100;

/** Yields the invocation records of one task execution, a page at a time. */
export async function* taskInvocationPages(
  ssm: SSMClient,
  windowExecutionId: string,
  taskId: string,
): AsyncGenerator<readonly InvocationRecord[]> {
  const pages = paginateDescribeMaintenanceWindowExecutionTaskInvocations(
    { client: ssm, pageSize: PAGE_SIZE },
    { WindowExecutionId: windowExecutionId, TaskId: taskId },
  );
  for await (const page of pages) {
    yield page.WindowExecutionTaskInvocationIdentities ?? [];
  }
}

/** Every task execution of one window execution. A window has at most a few dozen tasks. */
export async function executionTasks(ssm: SSMClient, windowExecutionId: string): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  const pages = paginateDescribeMaintenanceWindowExecutionTasks(
    { client: ssm, pageSize: PAGE_SIZE },
    { WindowExecutionId: windowExecutionId },
  );
  for await (const page of pages) tasks.push(...(page.WindowExecutionTaskIdentities ?? []));
  return tasks;
}

/** The IDs of every maintenance window in the account and region. */
export async function listWindowIds(ssm: SSMClient): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateDescribeMaintenanceWindows({ client: ssm, pageSize: PAGE_SIZE }, {})) {
    for (const window of page.WindowIdentities ?? []) if (window.WindowId) ids.push(window.WindowId);
  }
  return ids;
}

/** `2024-11-04T05:00:00Z`: the form the SSM API documents for its time filters (no fraction). */
export function wholeSeconds(at: Date): string {
  return `${new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** A maintenance window lasts at most 24 hours, and so does any run of it. */
const LONGEST_RUN_MS = 24 * 3_600_000;

/**
 * Every execution of one window that can have ended at or after `since`. SSM filters on start
 * time, so this asks from a day earlier (the longest a run lasts); callers keep the executions
 * whose end is in their range.
 */
export async function windowExecutionsEndingSince(
  ssm: SSMClient,
  windowId: string,
  since: Date,
): Promise<MaintenanceWindowExecution[]> {
  const executions: MaintenanceWindowExecution[] = [];
  const startedAfter = new Date(since.getTime() - LONGEST_RUN_MS);
  const pages = paginateDescribeMaintenanceWindowExecutions(
    { client: ssm, pageSize: PAGE_SIZE },
    { WindowId: windowId, Filters: [{ Key: 'ExecutedAfter', Values: [wholeSeconds(startedAfter)] }] },
  );
  for await (const page of pages) executions.push(...(page.WindowExecutions ?? []));
  return executions;
}

/** The window's name, or `undefined` when it has none. */
export async function windowName(ssm: SSMClient, windowId: string): Promise<string | undefined> {
  const output = await ssm.send(new GetMaintenanceWindowCommand({ WindowId: windowId }));
  return output.Name || undefined;
}

export async function putMetrics(cloudWatch: CloudWatchClient, payload: MetricPayload): Promise<void> {
  await cloudWatch.send(new PutMetricDataCommand(payload));
}

/**
 * Publishes the alert as a plain string (not `MessageStructure: json`, with which SNS would not
 * deliver the attributes subscription filter policies and subscribers rely on); returns the SNS
 * message ID.
 */
export async function publishAlert(
  sns: SNSClient,
  topicArn: string,
  alert: Alert,
): Promise<string | undefined> {
  const output = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.message,
      MessageAttributes: Object.fromEntries(
        Object.entries(alert.attributes).map(([name, value]) => [
          name,
          { DataType: 'String', StringValue: value },
        ]),
      ),
    }),
  );
  return output.MessageId;
}

/** Publishes a chat card (an Amazon Q Developer custom notification) to the chat topic. */
export async function publishChatCard(
  sns: SNSClient,
  topicArn: string,
  card: ChatNotification,
): Promise<string | undefined> {
  const output = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(card) }));
  return output.MessageId;
}

/** One summed series to read back: a metric, its dimensions, over hourly periods. */
export interface SummedMetric {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: { readonly Name: string; readonly Value: string }[];
}

/** The sum of each metric over [start, end), by `id`: 0 for a metric without data. */
export async function metricSums(
  cloudWatch: CloudWatchClient,
  metrics: readonly SummedMetric[],
  start: Date,
  end: Date,
): Promise<Map<string, number>> {
  const sums = new Map<string, number>(metrics.map((metric) => [metric.id, 0]));
  // GetMetricData takes at most 500 queries a request.
  for (let offset = 0; offset < metrics.length; offset += 500) {
    let nextToken: string | undefined;
    do {
      const output = await cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          NextToken: nextToken,
          MetricDataQueries: metrics.slice(offset, offset + 500).map((metric) => ({
            Id: metric.id,
            MetricStat: {
              Metric: {
                Namespace: metric.namespace,
                MetricName: metric.metricName,
                Dimensions: metric.dimensions,
              },
              Period: 3_600,
              Stat: 'Sum',
            },
          })),
        }),
      );
      for (const result of output.MetricDataResults ?? []) {
        if (!result.Id) continue;
        const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
        sums.set(result.Id, (sums.get(result.Id) ?? 0) + sum);
      }
      nextToken = output.NextToken;
    } while (nextToken);
  }
  return sums;
}

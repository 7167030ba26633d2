/**
 * Thin adapters over the SDK clients. Each does one call shape; the caller owns the clients.
 */
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
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
import type { Alert, InvocationRecord, MetricPayload, TaskRecord } from './report';

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

/** The executions of one window that started after `after`. */
export async function windowExecutionsSince(
  ssm: SSMClient,
  windowId: string,
  after: Date,
): Promise<MaintenanceWindowExecution[]> {
  const executions: MaintenanceWindowExecution[] = [];
  const pages = paginateDescribeMaintenanceWindowExecutions(
    { client: ssm, pageSize: PAGE_SIZE },
    { WindowId: windowId, Filters: [{ Key: 'ExecutedAfter', Values: [after.toISOString()] }] },
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

/** Publishes the alert; returns the SNS message ID. */
export async function publishAlert(
  sns: SNSClient,
  topicArn: string,
  alert: Alert,
): Promise<string | undefined> {
  const output = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      // E-mail subscribers get the plain text; chat (and every other protocol) the custom notification.
      MessageStructure: 'json',
      Message: alert.snsMessage,
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

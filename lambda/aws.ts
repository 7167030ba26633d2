/**
 * Thin adapters over the SDK clients. Each does one call shape; the caller owns the clients.
 */
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  paginateDescribeMaintenanceWindowExecutionTaskInvocations,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Alert, InvocationRecord, MetricPayload } from './report';

/** The API's maximum page size: fewest calls for a large fleet. */
export const INVOCATIONS_PAGE_SIZE = 100;

/** Yields the invocation records of one task execution, a page at a time. */
export async function* taskInvocationPages(
  ssm: SSMClient,
  windowExecutionId: string,
  taskId: string,
): AsyncGenerator<readonly InvocationRecord[]> {
  const pages = paginateDescribeMaintenanceWindowExecutionTaskInvocations(
    { client: ssm, pageSize: INVOCATIONS_PAGE_SIZE },
    { WindowExecutionId: windowExecutionId, TaskId: taskId },
  );
  for await (const page of pages) {
    yield page.WindowExecutionTaskInvocationIdentities ?? [];
  }
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

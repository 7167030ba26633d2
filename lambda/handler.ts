/**
 * Lambda entry point: validates the event, tags the logs, runs the monitor, maps errors.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { readConfig } from './config';
import { InvalidEventError, parseMonitoredEvent } from './event';
import { type Report, reportEvent } from './monitor';

const config = readConfig(process.env);
const logger = new Logger();
// Throttling is retried with the SDK's exponential backoff and jitter; more attempts than the
// default three ride out a burst of window executions hitting SSM at once.
const clientConfig = { maxAttempts: 8 };
const clients = {
  ssm: new SSMClient(clientConfig),
  cloudWatch: new CloudWatchClient(clientConfig),
  sns: new SNSClient(clientConfig),
};

export async function handler(event: unknown, context: Context): Promise<Report> {
  logger.addContext(context);
  try {
    const monitored = parseMonitoredEvent(event);
    logger.appendKeys({
      windowId: monitored.windowId,
      windowExecutionId: monitored.windowExecutionId,
      ...(monitored.kind === 'task' ? { taskExecutionId: monitored.taskExecutionId } : {}),
      status: monitored.status,
    });
    return await reportEvent(monitored, clients, config, logger);
  } catch (error: unknown) {
    if (error instanceof InvalidEventError) {
      logger.error('Rejected malformed event; nothing was published', { field: error.field, error });
    } else if (error instanceof Error && error.name === 'DoesNotExistException') {
      logger.error(
        'SSM no longer has this execution (its history expired or was deleted); nothing was published',
        {
          error,
        },
      );
    } else {
      logger.error('Failed to report the execution', { error });
    }
    // Rethrown so the invocation fails and the event goes to Lambda's retries and failure destination.
    throw error;
  } finally {
    logger.resetKeys();
  }
}

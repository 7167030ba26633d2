/**
 * Lambda entry points: `handler` reports one EventBridge event, `sweep` reconciles on a schedule.
 * Both validate their input, tag the logs, run, and map errors.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { readConfig } from './config';
import { InvalidEventError, parseMonitoredEvent } from './event';
import { ExecutionInProgressError, Ledger } from './ledger';
import { type MonitorDeps, type Report, reportEvent } from './monitor';
import { sweep as runSweep, type SweepReport } from './sweep';

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
const ledger = new Ledger(
  new DynamoDBClient(clientConfig),
  config.ledgerTableName,
  config.ledgerRetentionSeconds,
);
/** A lease outlives the invocation that took it, so it cannot expire while that invocation runs. */
const LEASE_MARGIN_MS = 30_000;

function depsFor(context: Context): MonitorDeps {
  return {
    clients,
    config,
    logger,
    ledger,
    // Unique per invocation: two copies of one event (even with one request ID) never share a lease.
    delivery: {
      owner: `${context.awsRequestId}/${randomUUID()}`,
      leaseMs: () => context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
    },
  };
}

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
    return await reportEvent(monitored, depsFor(context));
  } catch (error: unknown) {
    if (error instanceof InvalidEventError) {
      logger.error('Rejected malformed event; nothing was published', { field: error.field, error });
    } else if (error instanceof ExecutionInProgressError) {
      logger.warn('Another delivery of this execution is being processed; Lambda will retry this one', {
        error,
      });
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

/** Finish starting reports this long before the function times out. */
const SWEEP_SAFETY_MS = 60_000;

export async function sweep(_event: unknown, context: Context): Promise<SweepReport> {
  logger.addContext(context);
  const now = Date.now();
  try {
    return await runSweep(depsFor(context), {
      lookbackMs: config.sweep.lookbackMinutes * 60_000,
      graceMs: config.sweep.graceMinutes * 60_000,
      reporting: config.sweep.reporting,
      ...(config.sweep.windowIds ? { windowIds: config.sweep.windowIds } : {}),
      deadline: now + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MS,
      now,
    });
  } catch (error: unknown) {
    logger.error('The sweep did not finish; the next one tries again', { error });
    throw error;
  }
}

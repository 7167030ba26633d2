/**
 * Lambda entry points: `handler` reports one EventBridge event; `sweep` reconciles on a schedule,
 * and at deploy time (as a CloudFormation custom resource) seeds the listed windows' heartbeats.
 * Each validates its input, tags the logs, runs, and maps errors.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DoesNotExistException, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { readConfig, readSweepSettings, type SweepSettings } from './config';
import { type DeployRequest, isDeployRequest, respond, seedProperties } from './deploy-request';
import { describeError } from './errors';
import { InvalidEventError, parseMonitoredEvent } from './event';
import { seedHeartbeats } from './heartbeat';
import { ExecutionInProgressError, Ledger } from './ledger';
import { type ReportDeps, type ReportResult, reportEvent } from './report-event';
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
/** Stop retrying ledger writes this long before the invocation times out. */
const DEADLINE_MARGIN_MS = 2_000;

function depsFor(context: Context): ReportDeps {
  return {
    clients,
    config,
    logger,
    ledger,
    // Unique per invocation: two copies of one event (even with one request ID) never share a lease.
    delivery: {
      owner: `${context.awsRequestId}/${randomUUID()}`,
      leaseMs: () => context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      deadline: () => Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    },
  };
}

/** What the handler did with an event that needed no report of its own. */
export type Skipped =
  | { readonly ignored: 'window not watched' }
  | { readonly duplicate: true; readonly inProgress: true };

export async function handler(event: unknown, context: Context): Promise<ReportResult | Skipped> {
  logger.addContext(context);
  try {
    // With many windows listed the rule matches every window, and this is the filter: before
    // validation, so that another window's odd event is not this monitor's error.
    const windowId = (event as { detail?: { 'window-id'?: unknown } } | null)?.detail?.['window-id'];
    if (config.windowIds && typeof windowId === 'string' && !config.windowIds.includes(windowId)) {
      logger.info('Not one of the watched windows; ignored', { windowId });
      return { ignored: 'window not watched' };
    }
    const monitored = parseMonitoredEvent(event);
    logger.appendKeys({
      windowId: monitored.windowId,
      windowExecutionId: monitored.windowExecutionId,
      ...(monitored.kind === 'task' ? { taskExecutionId: monitored.taskExecutionId } : {}),
      status: monitored.status,
    });
    return await reportEvent(monitored, depsFor(context));
  } catch (error: unknown) {
    if (error instanceof ExecutionInProgressError) {
      // Not an error: the delivery holding the lease finishes the report; if it fails, its own
      // retries (or the sweep) take over once the lease is released or expires.
      logger.info('Another delivery of this execution is reporting it; nothing to do', {
        reason: error.message,
      });
      return { duplicate: true, inProgress: true };
    }
    if (error instanceof InvalidEventError) {
      logger.error('Rejected malformed event; nothing was published', { field: error.field, error });
    } else if (error instanceof DoesNotExistException) {
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

/** The sweep's own settings, read on its first run. */
let sweepSettings: SweepSettings | undefined;

/** How long a deploy waits for seeded heartbeats to become visible to the alarms. */
const SEED_VISIBLE_WITHIN_MS = 3 * 60_000;

export async function sweep(event: unknown, context: Context): Promise<SweepReport | undefined> {
  if (isDeployRequest(event)) {
    await onDeploy(event, context);
    return undefined;
  }
  logger.addContext(context);
  const now = Date.now();
  try {
    sweepSettings ??= readSweepSettings(process.env);
    const settings = sweepSettings;
    return await runSweep(depsFor(context), {
      lookbackMs: settings.lookbackMinutes * 60_000,
      graceMs: settings.graceMinutes * 60_000,
      reporting: settings.reporting,
      ...(config.windowIds ? { windowIds: config.windowIds } : {}),
      deadline: now + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MS,
      now,
    });
  } catch (error: unknown) {
    logger.error('The sweep did not finish; the next one tries again', { error });
    throw error;
  }
}

/**
 * Answers CloudFormation for the heartbeat seed resource. Windows that cannot be read are named in
 * the log and the response, but do not fail the deployment: their missed-run alarm says the rest.
 */
async function onDeploy(request: DeployRequest, context: Context): Promise<void> {
  logger.addContext(context);
  logger.appendKeys({ requestType: request.RequestType, logicalResourceId: request.LogicalResourceId });
  try {
    if (request.RequestType === 'Delete') {
      await respond(request, { status: 'SUCCESS', reason: 'Nothing to remove: heartbeats are metrics' });
      return;
    }
    const { windowIds, expectedRunIntervalHours, metricNamespace } = seedProperties(request);
    const report = await seedHeartbeats(
      { clients, ledger, logger },
      {
        windowIds,
        metricNamespace,
        expectedRunIntervalMs: expectedRunIntervalHours * 3_600_000,
        now: Date.now(),
        visibleWithinMs: Math.min(SEED_VISIBLE_WITHIN_MS, context.getRemainingTimeInMillis() - 60_000),
      },
    );
    const seeded = Object.keys(report.seeded).length;
    if (report.unreached.length > 0) {
      logger.error('Could not read the runs of some windows; their missed-run alarms may fire', {
        unreached: report.unreached,
      });
    }
    await respond(request, {
      status: 'SUCCESS',
      reason:
        `Seeded the heartbeat of ${seeded} window(s); ${report.noRecentRun.length} had no run within ` +
        `${expectedRunIntervalHours} hours` +
        (report.unreached.length > 0
          ? `; could not read ${report.unreached.map((u) => u.windowId).join(', ')}`
          : ''),
      data: { Seeded: seeded, NoRecentRun: report.noRecentRun.length, Unreached: report.unreached.length },
    });
  } catch (error: unknown) {
    logger.error('Could not seed the window heartbeats', { error });
    await respond(request, {
      status: 'FAILED',
      reason: describeError(error),
    });
  } finally {
    logger.resetKeys();
  }
}

/**
 * Lambda entry points: `handler` reports one EventBridge event; `sweep` sweeps on a schedule,
 * and at deploy time (as a CloudFormation custom resource) seeds the listed windows' heartbeats;
 * `sweepAccount` (Organization mode) sweeps the accounts queued by the planner. Each validates its
 * input, tags the logs, runs, and maps errors.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DoesNotExistException, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { OrgMetricName } from '../contract';
import { putMetrics } from './aws';
import { readConfig, readSweepSettings, type SweepSettings } from './config';
import { type DeployRequest, isDeployRequest, respond, seedProperties } from './deploy-request';
import { describeError } from './errors';
import { InvalidEventError, type MonitoredEvent, parseMonitoredEvent } from './event';
import { seedHeartbeats } from './heartbeat';
import { ExecutionInProgressError, LeaseLostError, Ledger } from './ledger';
import { MemberAccess, TargetUnreachableError, unreachableCause } from './member-access';
import { targetCountPayload } from './metric-data';
import { InvalidAssignmentError, parseAssignment, sweepAccount as runAccountSweep } from './org-sweep';
import { noteUnreachable } from './reachability';
import { type ReportDeps, type ReportResult, reportEvent } from './report-event';
import { sweep as runSweep, type SweepReport } from './sweep';
import { type Target, targetLabel, targetScope } from './target';

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
// Organization mode: member accounts are read through their read roles, assumed in this Region.
const members = config.organization
  ? new MemberAccess({
      sts: new STSClient({ ...clientConfig, region: config.region }),
      partition: config.partition,
      rolePrefix: config.organization.rolePrefix,
      ssmConfig: clientConfig,
    })
  : undefined;
/** A lease outlives the invocation that took it, so it cannot expire while that invocation runs. */
const LEASE_MARGIN_MS = 30_000;
/** Stop retrying ledger writes this long before the invocation times out. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * What reporting needs, for one invocation. Its owner is unique to the attempt (two copies of one
 * event never share a lease) and starts with the request ID, which Lambda keeps when it retries an
 * invocation that failed or timed out: an event delivery (`'event'`) therefore takes over at once
 * the lease an earlier attempt of its own invocation left when it died, while the lease of any
 * other delivery stays untouched until it expires. The sweeps keep to the latter.
 */
function depsFor(context: Context, entry: 'event' | 'sweep'): ReportDeps {
  const attempts = `${context.awsRequestId}/`;
  return {
    clients,
    config,
    logger,
    ledger,
    ...(members ? { members } : {}),
    delivery: {
      owner: `${attempts}${randomUUID()}`,
      leaseMs: () => context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      deadline: () => Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
      ...(entry === 'event' ? { earlierAttempts: attempts } : {}),
    },
  };
}

/** What the handler did with an event that needed no report of its own. */
export type Skipped =
  | { readonly ignored: 'window not watched' }
  | { readonly duplicate: true; readonly inProgress: true }
  | Unreachable;

/**
 * Organization mode: the event's account and Region cannot be read. The invocation succeeds
 * (retrying cannot help, and three failures would page three times for one known cause); the
 * target is counted once, its change announced once, and the event logged for a replay.
 */
export interface Unreachable {
  /** `111122223333/eu-west-1`. */
  readonly unreachable: string;
  readonly cause: string;
  /** Whether this event was the first to find the target unreachable, and announced it. */
  readonly announced: boolean;
}

/** The log message that carries an unreadable target's event (`replay`), for the README's query. */
export const REPLAY_MESSAGE =
  "Cannot read the member account the event came from; nothing was published. Its run is reported by the sweep once it can be read; if the sweep's look-back no longer covers the run, replay this event";

/** The event as received, less what a replay does not need and logs must not hold. */
function replayable(event: unknown): unknown {
  const { detail, ...envelope } = event as { detail?: Record<string, unknown> };
  if (!detail) return event;
  const { 'owner-information': _ownerInformation, ...rest } = detail;
  return { ...envelope, detail: rest };
}

/**
 * Reports `monitored`; when this container remembers its target's role as refused, but the ledger
 * says the target recovered since that refusal, forgets the refusal and reads it once more.
 */
async function reportRereadingRecovered(monitored: MonitoredEvent, deps: ReportDeps): Promise<ReportResult> {
  try {
    return await reportEvent(monitored, deps);
  } catch (error: unknown) {
    if (!(error instanceof TargetUnreachableError && error.remembered && members)) throw error;
    const scope = targetScope(error.target);
    const state = (await ledger.reachability([scope])).get(scope);
    if ((state?.recoveredAt ?? 0) < error.observedAt) throw error;
    logger.info('The target recovered since its role was last refused here; reading it again', {
      target: targetLabel(error.target),
    });
    members.forget(error.target);
    return reportEvent(monitored, deps);
  }
}

export async function handler(event: unknown, context: Context): Promise<ReportResult | Skipped> {
  logger.addContext(context);
  // Organization mode: the account and Region of the event, once parsed.
  let target: Target | undefined;
  try {
    // With many windows listed the rule matches every window, and this is the filter: before
    // validation, so that another window's odd event is not this monitor's error.
    const windowId = (event as { detail?: { 'window-id'?: unknown } } | null)?.detail?.['window-id'];
    if (config.windowIds && typeof windowId === 'string' && !config.windowIds.includes(windowId)) {
      logger.info('Not one of the watched windows; ignored', { windowId });
      return { ignored: 'window not watched' };
    }
    const monitored = parseMonitoredEvent(event, Date.now(), config.organization !== undefined);
    target = monitored.target;
    logger.appendKeys({
      windowId: monitored.windowId,
      windowExecutionId: monitored.windowExecutionId,
      ...(monitored.kind === 'task' ? { taskExecutionId: monitored.taskExecutionId } : {}),
      status: monitored.status,
      ...(monitored.target ? { target: targetLabel(monitored.target) } : {}),
    });
    const result = await reportRereadingRecovered(monitored, depsFor(context, 'event'));
    if (monitored.target && !('duplicate' in result)) {
      // The event path of this target works: the sweep's count of runs it alone found starts over.
      await ledger.recordReportedBy(targetScope(monitored.target), 'event').catch((error: unknown) => {
        logger.warn('Could not record that the event path works', { error: describeError(error) });
      });
    }
    return result;
  } catch (error: unknown) {
    if (error instanceof ExecutionInProgressError) {
      // Not an error: the delivery holding the lease finishes the report; if it dies, Lambda's
      // retry of that invocation (its request ID) takes over at once (ADR 0010), else the sweep.
      logger.info('Another delivery of this execution is reporting it; nothing to do', {
        reason: error.message,
      });
      return { duplicate: true, inProgress: true };
    }
    if (error instanceof LeaseLostError) {
      // Another delivery took the lease mid-way and finishes the report. Failing would have Lambda
      // retry this invocation, whose request ID would take the lease back from that live delivery.
      logger.warn('Another delivery took over this execution mid-way; it finishes the report', {
        reason: error.message,
      });
      return { duplicate: true, inProgress: true };
    }
    const cause = target ? unreachableCause(error) : undefined;
    if (target && cause) {
      // A role that cannot be assumed, or one whose reads are denied (a policy, a Region that is off).
      logger.error(REPLAY_MESSAGE, {
        target: targetLabel(target),
        cause,
        reason: error instanceof TargetUnreachableError ? error.reason : describeError(error),
        replay: replayable(event),
      });
      await putMetrics(
        clients.cloudWatch,
        targetCountPayload(config.metricNamespace, { [OrgMetricName.UnreachableTargets]: 1 }),
      ).catch((metricError: unknown) => {
        logger.warn('Could not count the unreachable target', { error: describeError(metricError) });
      });
      const observedAt = error instanceof TargetUnreachableError ? error.observedAt : undefined;
      const announced = await noteUnreachable(
        { clients, config, logger, ledger },
        target,
        cause,
        observedAt,
      ).catch((noteError: unknown) => {
        logger.warn('Could not record that the target is unreachable; the next sweep does', {
          error: describeError(noteError),
        });
        return false;
      });
      return { unreachable: targetLabel(target), cause, announced };
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
    if (config.organization) {
      throw new Error('In Organization mode the planner queues the sweep, account by account (sweepAccount)');
    }
    sweepSettings ??= readSweepSettings(process.env);
    const settings = sweepSettings;
    return await runSweep(depsFor(context, 'sweep'), {
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
 * Organization mode's sweep worker, fed by the planner's queue (batch size 1): each message is one
 * account. A Region that failed for a passing reason (throttling, a fault) fails the message, so
 * SQS delivers it again (and after a few tries keeps it in the dead-letter queue); an unreadable
 * Region is counted and named, and does not.
 */
export async function sweepAccount(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  try {
    sweepSettings ??= readSweepSettings(process.env);
    const settings = sweepSettings;
    for (const record of event.Records) {
      const now = Date.now();
      try {
        const assignment = parseAssignment(record.body);
        logger.appendKeys({ accountId: assignment.accountId });
        const outcome = await runAccountSweep(assignment, depsFor(context, 'sweep'), {
          lookbackMs: settings.lookbackMinutes * 60_000,
          graceMs: settings.graceMinutes * 60_000,
          reporting: settings.reporting,
          deadline: now + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MS,
          now,
        });
        logger.info('Swept the account', { ...outcome });
        if (outcome.failed.length > 0) batchItemFailures.push({ itemIdentifier: record.messageId });
      } catch (error: unknown) {
        if (error instanceof InvalidAssignmentError) {
          logger.error('Dropped a message that is not a sweep assignment', { error });
          continue;
        }
        logger.error('Could not sweep the account; the message is delivered again', { error });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      } finally {
        logger.removeKeys(['accountId']);
      }
    }
    return { batchItemFailures };
  } catch (error: unknown) {
    logger.error('The account sweep could not start; every message is delivered again', { error });
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

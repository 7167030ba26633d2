/**
 * The event path: one delivered EventBridge event, from the window filter to its report, with the
 * bookkeeping around it (the account-Region's event path works; one that cannot be read is
 * counted, announced and logged for a replay). What is left to the entry point: the logs' context,
 * and the logging of errors it rethrows.
 */

import { OrgMetricName } from '../../contract';
import { putMetrics } from '../adapters/aws';
import { describeError } from '../adapters/errors';
import { ExecutionInProgressError, LeaseLostError } from '../adapters/ledger';
import type { SsmReader } from '../adapters/ssm-reader';
import { type AccountRegion, accountRegionLabel, accountRegionScope } from './account-region';
import { type MonitoredEvent, parseMonitoredEvent } from './event';
import { reachCountPayload } from './metric-data';
import { noteUnreachable } from './reachability';
import { type ReportDeps, type ReportResult, reportEvent } from './report-event';
import { AccountRegionUnreachableError, type unreachableCause } from './unreachable';

export interface DeliveryDeps extends ReportDeps {
  readonly reader: SsmReader;
  /** Windows the monitor watches; events of other windows are ignored. All when undefined. */
  readonly windowIds?: readonly string[];
  /** Adds keys to every later log line of this delivery. */
  readonly tagLogs: (keys: Record<string, unknown>) => void;
  /** When the event arrived (ms since the epoch): how old and how new its times may be. */
  readonly now: number;
}

/** What the handler did with an event that needed no report of its own. */
export type Skipped =
  | { readonly ignored: 'window not watched' }
  | { readonly duplicate: true; readonly inProgress: true }
  | Unreachable;

/**
 * The event's account-Region cannot be read. The invocation succeeds (retrying cannot help, and
 * three failures would page three times for one known cause); the account-Region is counted once,
 * its change announced once, and the event logged for a replay.
 */
export interface Unreachable {
  /** `111122223333/eu-west-1`. */
  readonly unreachable: string;
  readonly cause: string;
  /** Whether this event was the first to find it unreachable, and announced it. */
  readonly announced: boolean;
}

/** The log message that carries an unreadable account-Region's event (`replay`), for the Logs Insights query in docs/organization.md. */
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
 * Reports one delivered event: ignores another window's (before validation, so that its odd event
 * is not this monitor's error), validates it, reports it, and records that its account-Region's
 * event path works. A delivery that finds another one reporting the same run, or an account-Region
 * that cannot be read, ends without an error; any other error is thrown.
 */
export async function deliverEvent(event: unknown, deps: DeliveryDeps): Promise<ReportResult | Skipped> {
  const { logger, ledger, reach } = deps;
  let accountRegion: AccountRegion | undefined;
  try {
    const windowId = (event as { detail?: { 'window-id'?: unknown } } | null)?.detail?.['window-id'];
    if (deps.windowIds && typeof windowId === 'string' && !deps.windowIds.includes(windowId)) {
      logger.info('Not one of the watched windows; ignored', { windowId });
      return { ignored: 'window not watched' };
    }
    const monitored = parseMonitoredEvent(event, deps.now, reach.eventOrigin);
    accountRegion = monitored.accountRegion;
    deps.tagLogs({
      windowId: monitored.windowId,
      windowExecutionId: monitored.windowExecutionId,
      ...(monitored.kind === 'task' ? { taskExecutionId: monitored.taskExecutionId } : {}),
      status: monitored.status,
      ...(reach.namesAccountRegions ? { target: accountRegionLabel(accountRegion) } : {}),
    });
    const result = await reportRereadingRecovered(monitored, deps);
    if (reach.namesAccountRegions && !('duplicate' in result)) {
      // Its event path works: the sweep's count of runs it alone found starts over.
      await ledger.recordReportedBy(accountRegionScope(accountRegion), 'event').catch((error: unknown) => {
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
    // Only the reader knows whether a denial means an account-Region to announce (a member) or
    // the monitor's own role failing (its own account), which is thrown like any other error.
    const cause = deps.reader.unreachableCause(error);
    if (!accountRegion || !cause) throw error;
    return unreachable(event, error, accountRegion, cause, deps);
  }
}

/**
 * Reports `monitored`; when the reader remembers its account-Region's role as refused, but the
 * ledger says it recovered since that refusal, forgets the refusal and reads it once more.
 */
async function reportRereadingRecovered(
  monitored: MonitoredEvent,
  deps: DeliveryDeps,
): Promise<ReportResult> {
  try {
    return await reportEvent(monitored, deps);
  } catch (error: unknown) {
    if (!(error instanceof AccountRegionUnreachableError && error.remembered)) throw error;
    const scope = accountRegionScope(error.accountRegion);
    const state = (await deps.ledger.reachability([scope])).get(scope);
    if ((state?.recoveredAt ?? 0) < error.observedAt) throw error;
    deps.logger.info('The target recovered since its role was last refused here; reading it again', {
      target: accountRegionLabel(error.accountRegion),
    });
    deps.reader.forget(error.accountRegion);
    return reportEvent(monitored, deps);
  }
}

/** A role that cannot be assumed, or one whose reads are denied (a policy, a Region that is off). */
async function unreachable(
  event: unknown,
  error: unknown,
  accountRegion: AccountRegion,
  cause: NonNullable<ReturnType<typeof unreachableCause>>,
  deps: DeliveryDeps,
): Promise<Unreachable> {
  const { logger } = deps;
  logger.error(REPLAY_MESSAGE, {
    target: accountRegionLabel(accountRegion),
    cause,
    reason: error instanceof AccountRegionUnreachableError ? error.reason : describeError(error),
    replay: replayable(event),
  });
  await putMetrics(
    deps.clients.cloudWatch,
    reachCountPayload(deps.config.metricNamespace, { [OrgMetricName.UnreachableTargets]: 1 }),
  ).catch((metricError: unknown) => {
    logger.warn('Could not count the unreachable target', { error: describeError(metricError) });
  });
  const observedAt = error instanceof AccountRegionUnreachableError ? error.observedAt : undefined;
  const announced = await noteUnreachable(deps, accountRegion, cause, observedAt).catch(
    (noteError: unknown) => {
      logger.warn('Could not record that the target is unreachable; the next sweep does', {
        error: describeError(noteError),
      });
      return false;
    },
  );
  return { unreachable: accountRegionLabel(accountRegion), cause, announced };
}

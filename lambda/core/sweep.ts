/**
 * The reconciliation backstop. SSM sends maintenance window events best-effort, so once in a
 * while a run ends without one. The sweep lists the recent executions of every watched window of
 * an account-Region and reports each terminal one the ledger has not recorded as reported, through
 * the same code path as the event handler (and so with the same exactly-once guarantees). An
 * account's Regions (a queued assignment) are swept a few at once, so one account's SSM rate budget
 * is not spent in a burst; one that cannot be read is named and counted, never retried in a loop
 * and never in the way of the others.
 */

import type { SweepAssignment } from '../../contract';
import {
  type ExecutionStatus,
  type TaskStatus,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../../contract';
import { executionTasks, listWindowIds, windowExecutionsEndingSince } from '../adapters/aws';
import { describeError } from '../adapters/errors';
import { ExecutionInProgressError } from '../adapters/ledger';
import { type Clock, systemClock } from '../clock';
import { type AccountRegion, accountRegionLabel } from './account-region';
import type { ReachCause } from './alert/reachability';
import type { MonitoredEvent } from './event';
import {
  logEventPathBroken,
  logReach,
  noteReach,
  publishReachCounts,
  readReach,
  sweptOnly,
} from './reach-tracking';
import { eventKey, type ReportDeps, reportEvent } from './report-event';
import { isUnreachable, unreachableCause } from './unreachable';

export interface SweepOptions {
  /** How far back to look for executions. */
  readonly lookbackMs: number;
  /** Executions that ended less than this long ago are left to their event, which is likely on its way. */
  readonly graceMs: number;
  /** Windows to sweep; every window of the account and region when undefined. */
  readonly windowIds?: readonly string[];
  readonly reporting: 'execution' | 'task';
  /** Stop starting new reports at this time (ms since epoch). */
  readonly deadline: number;
  /** When the sweep started (ms since epoch): the look-back and the grace count from it. */
  readonly now: number;
  /** The clock the deadline is checked against. @default systemClock */
  readonly clock?: Clock;
  /** The account-Region to sweep, read through `deps.reader`. */
  readonly accountRegion: AccountRegion;
}

export interface Unreached {
  readonly what: string;
  readonly error: string;
}

export interface SweepReport {
  readonly windows: number;
  /** Terminal executions (or tasks) found in the look-back window. */
  readonly candidates: number;
  readonly alreadyReported: number;
  readonly reported: string[];
  /** The window executions of `reported`: one per run, whatever the reporting. */
  readonly reportedRuns: string[];
  /** Reported as far as their invocations finished; the next sweep counts the rest. */
  readonly stillRunning: string[];
  /** Being reported by a delivery of their event right now. */
  readonly inProgress: string[];
  /** Left for the next sweep because this one ran out of time. */
  readonly deferred: string[];
  readonly unreached: Unreached[];
}

/** Some windows or executions could not be reached; the next sweep tries them again. */
export class SweepIncompleteError extends Error {
  override readonly name = 'SweepIncompleteError';
}

const TERMINAL_EXECUTION = new Set<string>(TERMINAL_EXECUTION_STATUSES);
const TERMINAL_TASK = new Set<string>(TERMINAL_TASK_STATUSES);

/** Sweeps one account-Region; throws `SweepIncompleteError` naming what it could not reach. */
export async function sweepAccountRegion(deps: ReportDeps, options: SweepOptions): Promise<SweepReport> {
  const { ledger, logger } = deps;
  const unreached: Unreached[] = [];
  // One that cannot be read at all is thrown at once (`isUnreachable`): nothing else of it can be.
  const ssm = deps.reader.ssmFor(options.accountRegion);
  const notBefore = new Date(
    Math.max(options.now - options.lookbackMs, (await ledger.createdAt()).getTime()),
  );
  const endedBy = options.now - options.graceMs;

  let windowIds: readonly string[] = options.windowIds ?? [];
  if (!options.windowIds) {
    try {
      windowIds = await listWindowIds(ssm);
    } catch (error: unknown) {
      if (isUnreachable(error)) throw error;
      unreached.push({ what: 'the list of maintenance windows', error: describeError(error) });
    }
  }

  // Events to report, keyed as the ledger keys them.
  const events = new Map<string, MonitoredEvent>();
  for (const windowId of windowIds) {
    try {
      for (const execution of await windowExecutionsEndingSince(ssm, windowId, notBefore)) {
        const { WindowExecutionId: id, Status: status, StartTime: startTime } = execution;
        // EndTime is optional in the API (a skipped run may have none); its start is then the best clock.
        const endTime = execution.EndTime ?? startTime;
        if (!id || !status || !TERMINAL_EXECUTION.has(status) || !endTime || endTime.getTime() > endedBy)
          continue;
        if (endTime.getTime() < notBefore.getTime()) continue;
        const base = {
          windowId,
          windowExecutionId: id,
          endTime,
          ...(startTime ? { startTime } : {}),
          accountRegion: options.accountRegion,
        };
        if (options.reporting === 'execution') {
          const event: MonitoredEvent = { kind: 'execution', ...base, status: status as ExecutionStatus };
          events.set(eventKey(event, deps.reach.home), event);
          continue;
        }
        for (const task of await executionTasks(ssm, id)) {
          if (!task.TaskExecutionId || !TERMINAL_TASK.has(task.Status ?? '')) continue;
          const event: MonitoredEvent = {
            kind: 'task',
            ...base,
            taskExecutionId: task.TaskExecutionId,
            status: task.Status as TaskStatus,
          };
          events.set(eventKey(event, deps.reach.home), event);
        }
      }
    } catch (error: unknown) {
      if (isUnreachable(error)) throw error;
      unreached.push({ what: `window ${windowId}`, error: describeError(error) });
    }
  }

  const done = await ledger.completed([...events.keys()]);
  const report = {
    windows: windowIds.length,
    candidates: events.size,
    alreadyReported: done.size,
    reported: [] as string[],
    reportedRuns: [] as string[],
    stillRunning: [] as string[],
    inProgress: [] as string[],
    deferred: [] as string[],
    unreached,
  };
  for (const [key, event] of events) {
    if (done.has(key)) continue;
    if ((options.clock ?? systemClock).now() > options.deadline) {
      report.deferred.push(key);
      continue;
    }
    try {
      logger.info('Reporting an execution that has no completed record', { key, windowId: event.windowId });
      const result = await reportEvent(event, deps);
      if ('duplicate' in result) continue;
      if (result.running) report.stillRunning.push(key);
      else report.reported.push(key);
      if (!report.reportedRuns.includes(event.windowExecutionId))
        report.reportedRuns.push(event.windowExecutionId);
    } catch (error: unknown) {
      // An account-Region that became unreadable midway: nothing more of it can be read.
      if (isUnreachable(error)) throw error;
      if (error instanceof ExecutionInProgressError) report.inProgress.push(key);
      else unreached.push({ what: key, error: describeError(error) });
    }
  }

  logger.info('Sweep finished', {
    ...report,
    notBefore: notBefore.toISOString(),
    ...(deps.reach.namesAccountRegions ? { target: accountRegionLabel(options.accountRegion) } : {}),
  });
  if (unreached.length > 0) {
    throw new SweepIncompleteError(
      `The sweep could not reach ${unreached.map((u) => u.what).join(', ')}; the next sweep tries again`,
    );
  }
  return report;
}

/** What sweeping one account did, Region by Region. */
export interface AccountSweepOutcome {
  readonly accountId: string;
  /** Regions swept to the end. */
  readonly swept: string[];
  /** Runs reported by this sweep (their events never arrived). */
  reported: number;
  /** Regions that cannot be read, and why: counted in `UnreachableTargets`. */
  readonly unreachable: { region: string; reason: string; cause: ReachCause }[];
  /**
   * The management account's Regions that have never been readable: its member stack is not
   * deployed there. Noticed once, counted in no alarm.
   */
  readonly notDeployed: string[];
  /** Messages this sweep published about changes of reach (each for one or more Regions). */
  announcements: number;
  /** Regions whose last runs all came through the sweep: counted in `EventPathBrokenTargets`. */
  readonly eventPathBroken: string[];
  /** Regions that failed for a reason that may pass (throttling, a fault): the message is retried. */
  readonly failed: { region: string; error: string }[];
}

/** Regions of one account swept at once: each spends that account's SSM budget in that Region. */
const REGIONS_AT_ONCE = 4;

export type AccountSweepOptions = Omit<SweepOptions, 'accountRegion' | 'windowIds'>;

/**
 * Sweeps the Regions of one queued assignment, then records and announces what changed of their
 * reach and counts the account-Regions that cannot be read or whose event path is broken.
 */
export async function sweepAccount(
  assignment: SweepAssignment,
  deps: ReportDeps,
  options: AccountSweepOptions,
): Promise<AccountSweepOutcome> {
  const { logger, ledger } = deps;
  const outcome: AccountSweepOutcome = {
    accountId: assignment.accountId,
    swept: [],
    reported: 0,
    unreachable: [],
    notDeployed: [],
    announcements: 0,
    eventPathBroken: [],
    failed: [],
  };
  const known = await readReach(deps, assignment);
  const stateOf = (region: string) => known?.get(region);
  if (assignment.accountName) {
    await ledger.recordAccountName(assignment.accountId, assignment.accountName).catch((error: unknown) => {
      logger.warn('Could not record the account name; alerts name the account by ID', {
        error: describeError(error),
      });
    });
  }

  const sweepRegion = async (region: string): Promise<void> => {
    const accountRegion: AccountRegion = { accountId: assignment.accountId, region };
    try {
      const report = await sweepAccountRegion(deps, { ...options, accountRegion });
      outcome.swept.push(region);
      outcome.reported += report.reported.length;
      if (await sweptOnly(deps, accountRegion, report.reportedRuns.length))
        outcome.eventPathBroken.push(region);
    } catch (error: unknown) {
      const cause = unreachableCause(error);
      if (!cause) outcome.failed.push({ region, error: describeError(error) });
      // StackSets never deploy to the management account: until it was ever readable, a refusal
      // there means its member stack is not deployed, which is a notice, not a breakage.
      else if (assignment.management && known && stateOf(region)?.reachedAt === undefined)
        outcome.notDeployed.push(region);
      else outcome.unreachable.push({ region, reason: describeError(error), cause });
    }
  };
  const queue = [...assignment.regions];
  await Promise.all(
    Array.from({ length: Math.min(REGIONS_AT_ONCE, queue.length) }, async () => {
      for (let region = queue.shift(); region; region = queue.shift()) await sweepRegion(region);
    }),
  );

  logReach(deps, assignment.accountId, outcome);
  await noteReach(deps, assignment, outcome, stateOf, options.reporting).catch((error: unknown) => {
    logger.warn('Could not record or announce changes of reach; the next sweep tries again', {
      error: describeError(error),
    });
  });
  logEventPathBroken(deps, assignment.accountId, outcome);
  await publishReachCounts(deps, outcome).catch((error: unknown) => {
    logger.warn('Could not count the unreachable and broken targets; the logs above name them', {
      error: describeError(error),
    });
  });
  return outcome;
}

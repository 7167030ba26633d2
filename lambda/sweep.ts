/**
 * The reconciliation backstop. SSM sends maintenance window events best-effort, so once in a
 * while a run ends without one. The sweep lists the recent executions of every watched window and
 * reports each terminal one the ledger has not recorded as reported, through the same code path
 * as the event handler (and so with the same exactly-once guarantees).
 */

import {
  type ExecutionStatus,
  type TaskStatus,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../contract';
import { executionTasks, listWindowIds, windowExecutionsEndingSince } from './aws';
import { type Clock, systemClock } from './clock';
import { describeError } from './errors';
import type { MonitoredEvent } from './event';
import { ExecutionInProgressError } from './ledger';
import { isUnreachable } from './member-access';
import { eventKey, type ReportDeps, reportEvent } from './report-event';
import { type Target, targetLabel } from './target';

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
  /** Organization mode: the member account and Region to sweep, read through `deps.members`. */
  readonly target?: Target;
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

export async function sweep(deps: ReportDeps, options: SweepOptions): Promise<SweepReport> {
  const { clients, ledger, logger } = deps;
  const unreached: Unreached[] = [];
  // A target that cannot be read at all is thrown at once (`isUnreachable`): nothing else of it can be.
  const ssm = options.target ? (deps.members ?? missingMembers()).ssmFor(options.target) : clients.ssm;
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
          ...(options.target ? { target: options.target } : {}),
        };
        if (options.reporting === 'execution') {
          const event: MonitoredEvent = { kind: 'execution', ...base, status: status as ExecutionStatus };
          events.set(eventKey(event, deps.config), event);
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
          events.set(eventKey(event, deps.config), event);
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
      // A target that became unreadable midway: nothing more of it can be read.
      if (isUnreachable(error)) throw error;
      if (error instanceof ExecutionInProgressError) report.inProgress.push(key);
      else unreached.push({ what: key, error: describeError(error) });
    }
  }

  logger.info('Sweep finished', {
    ...report,
    notBefore: notBefore.toISOString(),
    ...(options.target ? { target: targetLabel(options.target) } : {}),
  });
  if (unreached.length > 0) {
    throw new SweepIncompleteError(
      `The sweep could not reach ${unreached.map((u) => u.what).join(', ')}; the next sweep tries again`,
    );
  }
  return report;
}

function missingMembers(): never {
  throw new Error('A sweep of a member account, but no access to member accounts');
}

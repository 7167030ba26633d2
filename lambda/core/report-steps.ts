/**
 * The steps of a report that are not the pipeline itself: counting a run's invocations, what of
 * its metrics is due, one ledger-recorded publish, and the window's name for the alert.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { executionTasks, taskInvocationPages, windowName } from '../adapters/aws';
import { describeError, isTransient } from '../adapters/errors';
import { ExecutionInProgressError, LeaseLostError, type Progress } from '../adapters/ledger';
import { systemClock } from '../clock';
import { loadCauses } from '../load-causes';
import type { MonitoredEvent } from './event';
import type { MonitorLogger, ReportDeps } from './report-event';
import { type Counts, ExecutionTally, ranToItsEnd, type TaskRecord } from './tally';

/**
 * One ledger-recorded step: publish, then record it. The publish cannot be taken back, so a
 * failed record is retried, while the error is transient, until `deadline` (before the lease
 * runs out, so no other delivery can take over meanwhile): giving up means a retry publishes it
 * again, which is then said loudly. A delivery that a later attempt may take over first checks
 * that it still holds the lease (the count before it can take minutes); each later publish
 * follows a record, which fails once the lease is lost.
 */
export function stepRunner(
  deps: Pick<ReportDeps, 'logger' | 'ledger' | 'delivery' | 'clock'>,
  key: string,
  deadline: number,
) {
  const { logger, ledger, delivery } = deps;
  const clock = deps.clock ?? systemClock;
  let checked = delivery.earlierAttempts === undefined;
  return async <T>(what: string, publish: () => Promise<T>, record: (published: T) => Promise<void>) => {
    if (!checked) {
      if (!(await ledger.holds(key, delivery.owner))) {
        throw new ExecutionInProgressError(
          `${key} was taken over by a later attempt of this invocation, which finishes the report; stopping before publishing ${what}`,
        );
      }
      checked = true;
    }
    const published = await publish();
    for (let attempt = 1; ; attempt++) {
      try {
        await record(published);
        if (attempt > 1) logger.info(`Recorded ${what} in the ledger`, { attempts: attempt });
        return published;
      } catch (error: unknown) {
        const failure = describeError(error);
        const wait = Math.min(250 * 2 ** (attempt - 1), 5_000);
        const giveUp =
          error instanceof LeaseLostError
            ? `Published ${what}, but another delivery took the lease before it was recorded: it will publish ${what} again`
            : !isTransient(error)
              ? `Published ${what}, but the ledger refused to record it: a retry of this event will publish ${what} again`
              : clock.now() + wait > deadline
                ? `Published ${what}, but could not record it in the ledger while the lease lasted: a retry of this event will publish ${what} again`
                : undefined;
        if (giveUp) {
          logger.error(giveUp, { attempts: attempt, error: failure });
          throw error;
        }
        logger.warn(`Published ${what}, but could not record it yet; retrying while the lease lasts`, {
          attempt,
          error: failure,
        });
        await clock.sleep(wait);
      }
    }
  };
}

/** The name makes the alert readable, but its absence must not stop the alert. */
export async function lookUpWindowName(
  ssm: SSMClient,
  windowId: string,
  logger: MonitorLogger,
): Promise<string | undefined> {
  try {
    return await windowName(ssm, windowId);
  } catch (error: unknown) {
    logger.warn('Could not look up the window name; the alert names the window by ID', {
      error: describeError(error),
    });
    return undefined;
  }
}

/**
 * Counts every page of every task of the event's run, keeping up to `causeSubjects` failed targets
 * per task whose causes may be read; the first failed target starts loading the causes' bundle,
 * which then loads while the pages are read.
 */
export async function countInvocations(
  event: MonitoredEvent,
  ssm: SSMClient,
  causeSubjects: number,
): Promise<{ tally: ExecutionTally; tasks: number; pages: number }> {
  const tasks: TaskRecord[] =
    event.kind === 'task'
      ? [{ TaskExecutionId: event.taskExecutionId, Status: event.status }]
      : await executionTasks(ssm, event.windowExecutionId);
  const tally = new ExecutionTally(undefined, { maxSubjects: causeSubjects });
  let pages = 0;
  let warming = false;
  for (const task of tasks) {
    const taskTally = tally.addTask(task);
    if (!task.TaskExecutionId) continue;
    for await (const page of taskInvocationPages(ssm, event.windowExecutionId, task.TaskExecutionId)) {
      taskTally.add(page);
      pages++;
      if (!warming && taskTally.subjects.length > 0) {
        warming = true;
        // Not awaited: the reads await it (the module loader keeps one load); a failure is theirs to report.
        loadCauses().catch(() => undefined);
      }
    }
  }
  return { tally, tasks: tasks.length, pages };
}

/**
 * What the metrics step must publish: everything the first time; later (the rest of a run whose
 * invocations were still running) only what finished since, and the heartbeat if it is not out
 * yet. `undefined` when there is nothing new.
 */
export function metricsDue(
  event: MonitoredEvent,
  counts: Counts,
  progress: Progress,
): { fresh: Counts; heartbeat: boolean } | undefined {
  if (progress.published === 'all') return undefined;
  const published = progress.published ?? { total: 0, failed: 0, timedOut: 0, cancelled: 0 };
  const fresh = {
    total: Math.max(0, counts.total - published.total),
    failed: Math.max(0, counts.failed - published.failed),
    timedOut: Math.max(0, counts.timedOut - published.timedOut),
    cancelled: Math.max(0, counts.cancelled - published.cancelled),
  };
  const heartbeat = ranToItsEnd(event) && !progress.heartbeatPublished;
  return progress.published === undefined || fresh.total > 0 || heartbeat ? { fresh, heartbeat } : undefined;
}

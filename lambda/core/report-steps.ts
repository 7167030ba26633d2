/**
 * The steps of a report that are not the pipeline itself: one ledger-recorded publish, and the
 * window's name for the alert.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { windowName } from '../adapters/aws';
import { describeError, isTransient } from '../adapters/errors';
import { ExecutionInProgressError, LeaseLostError } from '../adapters/ledger';
import { systemClock } from '../clock';
import type { MonitorLogger, ReportDeps } from './report-event';

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

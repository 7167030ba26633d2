/**
 * The causes step of a report: when an alert is due and causes are read (`failureCauses`), read
 * the causes of a bounded number of its failed targets in the run's account-Region, within a time
 * budget, and group them. It never fails the report and never delays it beyond its budget: a read
 * that cannot be made is a line of the alert and a data point of `CausesUnavailable`. The reads and
 * the rules that name causes are a bundle of their own, loaded on first need (`load-causes.ts`).
 */
import { describeError } from '../adapters/errors';
import { systemClock } from '../clock';
import { type CausesBundle, loadCauses } from '../load-causes';
import { CAUSE_READ_CONCURRENCY, pickSubjects } from './causes/read';
import type { CauseSubject, CauseSummary, Examined } from './causes/types';
import type { MonitoredEvent } from './event';
import type { ReportDeps } from './report-event';
import type { ExecutionTally } from './tally';

/** The most time one report spends reading causes: the alert goes out with what is known by then. */
export const CAUSE_READ_BUDGET_MS = 15_000;
/** Leave the invocation this long after the reads, for the metrics, the alert and the ledger. */
const AFTER_READS_MS = 10_000;

/** The grouped causes of the tally's failed targets, or `undefined` when none are read. */
export async function readFailureCauses(
  event: MonitoredEvent,
  tally: ExecutionTally,
  deps: Pick<ReportDeps, 'config' | 'reader' | 'logger' | 'delivery' | 'clock'>,
  load: () => Promise<CausesBundle> = loadCauses,
): Promise<CauseSummary | undefined> {
  const settings = deps.config.failureCauses;
  const { failed, timedOut } = tally.counts;
  if (!settings || failed + timedOut === 0) return undefined;
  const clock = deps.clock ?? systemClock;
  const deadline = Math.min(clock.now() + CAUSE_READ_BUDGET_MS, deps.delivery.deadline() - AFTER_READS_MS);
  const subjects = pickSubjects(tally, settings.maxReads);
  let summary: CauseSummary;
  try {
    const causes = await load();
    // Whose cause the record alone says, decided once: they are not read, and keep their place below.
    const byRecord = new Set(subjects.filter((subject) => causes.causeWithoutRead(subject) !== undefined));
    const known = (subject: CauseSubject) => byRecord.has(subject);
    const read = await causes.readCauses(subjects, deps.reader.causeReadsFor(event.accountRegion), {
      concurrency: CAUSE_READ_CONCURRENCY,
      deadline,
      clock,
      known,
    });
    // The targets whose record alone names the cause were not read: they keep their place, and
    // their cause comes from the record (the evidence beside it is not looked at).
    const byRead = read[Symbol.iterator]();
    const examined = subjects.flatMap((subject): Examined[] => {
      if (known(subject)) {
        return [{ subject, evidence: { kind: 'message', message: subject.statusDetails ?? subject.status } }];
      }
      const next = byRead.next();
      return next.done ? [] : [next.value];
    });
    summary = causes.summarizeCauses(failed + timedOut, examined);
  } catch (error: unknown) {
    // The reads never throw: only a bundle that cannot be loaded does. The alert goes out without causes.
    deps.logger.error('Could not read failure causes; the alert lists the targets without them', {
      error: describeError(error),
    });
    return undefined;
  }
  // Counts only: the causes' text comes from command output, which is never logged.
  deps.logger.info('Read failure causes', {
    examined: summary.examined,
    groups: summary.groups.length,
    unavailable: summary.unavailable,
  });
  return summary;
}

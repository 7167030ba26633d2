/**
 * Which failed targets a report reads the cause of, and the reading itself: a few at a time, in a
 * time budget, never failing the report. Pure: the reads are given.
 */
import { CauseUnavailableReason } from '../../../contract';
import type { Clock } from '../../clock';
import type { ExecutionTally } from '../tally';
import type { CauseEvidence, CauseReads, CauseSubject, Examined } from './types';

/** Reads in flight at once, per report: the run's account-Region shares its rate with other reads. */
export const CAUSE_READ_CONCURRENCY = 4;

/**
 * Up to `max` of the tally's subjects, taken in turn from each task (its first, then each one's
 * second, …), so that every task's failures are represented, not only the first task's.
 */
export function pickSubjects(tally: ExecutionTally, max: number): CauseSubject[] {
  const picked: CauseSubject[] = [];
  for (let rank = 0; picked.length < max; rank++) {
    const ofRank = tally.tasks.flatMap((task) => task.subjects[rank] ?? []);
    if (ofRank.length === 0) break;
    picked.push(...ofRank.slice(0, max - picked.length));
  }
  return picked;
}

export interface ReadCausesOptions {
  /** Reads in flight at once (`CAUSE_READ_CONCURRENCY`). */
  readonly concurrency: number;
  /** When reading stops, in milliseconds since the epoch. */
  readonly deadline: number;
  readonly clock: Clock;
  /** Subjects whose cause is known without a read (not read; their evidence is left to the caller). */
  readonly known?: (subject: CauseSubject) => boolean;
}

const TIME_BUDGET: CauseEvidence = { kind: 'unavailable', reason: CauseUnavailableReason.TimeBudget };
const ERROR: CauseEvidence = { kind: 'unavailable', reason: CauseUnavailableReason.Error };

/**
 * Reads the cause of each subject not `known`, `concurrency` at a time; the results in the
 * subjects' order (known subjects left out). When the deadline passes, reads not started and reads
 * in flight (aborted through their signal, not waited for) are `TimeBudget`. Once a read answers
 * `Denied` or `Throttled`, the subjects of its task type not yet started get that answer without a
 * read (reads in flight finish as they will). Never throws.
 */
export async function readCauses(
  subjects: readonly CauseSubject[],
  reads: CauseReads,
  options: ReadCausesOptions,
): Promise<Examined[]> {
  const { clock, deadline } = options;
  const toRead = subjects.filter((subject) => !options.known?.(subject));
  const evidence: CauseEvidence[] = toRead.map(() => TIME_BUDGET);
  const timeUp = new AbortController();
  const done = new AbortController();
  // The deadline, as a promise the reads race: it aborts them when it comes first.
  const deadlinePassed = clock.sleep(Math.max(0, deadline - clock.now()), done.signal).then(() => {
    if (!done.signal.aborted) timeUp.abort();
  });
  const outOfTime = () => timeUp.signal.aborted || clock.now() >= deadline;

  // Per task type, the refusal a read of it answered.
  const refused = new Map<string, CauseEvidence>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toRead.length && !outOfTime()) {
      const index = next++;
      const subject = toRead[index] as CauseSubject;
      const refusal = refused.get(subject.taskType);
      if (refusal) {
        evidence[index] = refusal;
        continue;
      }
      const found = await Promise.race([
        readOne(reads, subject, timeUp.signal),
        deadlinePassed.then(() => TIME_BUDGET),
      ]);
      evidence[index] = found;
      if (found.kind === 'unavailable' && isRefusal(found.reason)) {
        refused.set(subject.taskType, { kind: 'unavailable', reason: found.reason });
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency, toRead.length)) }, worker),
    );
  } finally {
    done.abort();
  }
  return toRead.map((subject, index) => ({ subject, evidence: evidence[index] as CauseEvidence }));
}

/**
 * Whether an answer holds for every read of its task type in the report: the role may not read it,
 * or the service will not now. A function, not a constant: the monitor's bundle keeps no array of it.
 */
function isRefusal(reason: CauseUnavailableReason): boolean {
  return reason === CauseUnavailableReason.Denied || reason === CauseUnavailableReason.Throttled;
}

/** One read, whatever it does: a read that throws (which a `CauseReads` should not) is an `Error`. */
async function readOne(
  reads: CauseReads,
  subject: CauseSubject,
  signal: AbortSignal,
): Promise<CauseEvidence> {
  try {
    return await reads.read(subject, signal);
  } catch {
    return ERROR;
  }
}

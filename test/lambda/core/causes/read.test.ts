import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../lambda/clock';
import { CAUSE_READ_CONCURRENCY, pickSubjects, readCauses } from '../../../../lambda/core/causes/read';
import type { CauseEvidence, CauseReads, CauseSubject } from '../../../../lambda/core/causes/types';
import { ExecutionTally } from '../../../../lambda/core/tally';
import { PATCH_TASK, RESTART_TASK, record } from '../../../support/records';

const START = Date.parse('2026-12-02T10:00:00Z');
const DEADLINE = START + 15_000;

/** A clock whose waits end only when the test moves its time past them (or their signal aborts). */
function manualClock(): Clock & { advance(to: number): void } {
  let time = START;
  const waits: { until: number; end: () => void }[] = [];
  return {
    now: () => time,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        waits.push({ until: time + ms, end: resolve });
        signal?.addEventListener('abort', () => resolve());
      }),
    advance(to) {
      time = to;
      for (const wait of waits) if (wait.until <= time) wait.end();
    },
  };
}

/** Reads the test answers one by one: each waits until the test settles it. */
class HeldReads implements CauseReads {
  inFlight = 0;
  mostInFlight = 0;
  readonly started: string[] = [];
  readonly held = new Map<string, { settle: (evidence: CauseEvidence) => void; signal: AbortSignal }>();

  read(subject: CauseSubject, signal: AbortSignal): Promise<CauseEvidence> {
    this.started.push(subject.target);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    return new Promise((resolve) => {
      this.held.set(subject.target, {
        signal,
        settle: (evidence) => {
          this.inFlight--;
          this.held.delete(subject.target);
          resolve(evidence);
        },
      });
    });
  }

  answer(target: string, evidence: CauseEvidence = { kind: 'message', message: `cause of ${target}` }): void {
    this.held.get(target)?.settle(evidence);
  }
}

function subject(n: number, extra: Partial<CauseSubject> = {}): CauseSubject {
  return { taskType: 'RUN_COMMAND', executionId: `c-${n}`, target: `node-${n}`, status: 'FAILED', ...extra };
}

/** Lets every pending promise callback run (no time passes: an event loop turn). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('readCauses', () => {
  it(`reads at most ${CAUSE_READ_CONCURRENCY} at a time and answers in the subjects' order`, async () => {
    // Prepare
    const reads = new HeldReads();
    const subjects = Array.from({ length: 10 }, (_, n) => subject(n));

    // Act: answer the latest read first, each time.
    const result = readCauses(subjects, reads, {
      concurrency: CAUSE_READ_CONCURRENCY,
      deadline: DEADLINE,
      clock: manualClock(),
    });
    for (let answered = 0; answered < subjects.length; answered++) {
      await settled();
      expect(reads.inFlight).toBeLessThanOrEqual(CAUSE_READ_CONCURRENCY);
      reads.answer([...reads.held.keys()].at(-1) as string);
    }

    // Assess
    expect(reads.mostInFlight).toBe(CAUSE_READ_CONCURRENCY);
    expect((await result).map(({ subject, evidence }) => [subject.target, evidence])).toEqual(
      subjects.map(({ target }) => [target, { kind: 'message', message: `cause of ${target}` }]),
    );
  });

  it('gives TimeBudget to reads not started by the deadline and aborts those in flight', async () => {
    // Prepare
    const clock = manualClock();
    const reads = new HeldReads();
    const result = readCauses(
      [1, 2, 3, 4, 5, 6].map((n) => subject(n)),
      reads,
      {
        concurrency: 2,
        deadline: DEADLINE,
        clock,
      },
    );
    await settled();
    reads.answer('node-1');
    await settled();
    const inFlight = [...reads.held.values()].map(({ signal }) => signal);

    // Act: the deadline passes with node-2 and node-3 in flight; neither ever answers.
    clock.advance(DEADLINE);

    // Assess
    const evidence = (await result).map((examined) => examined.evidence);
    expect(evidence[0]).toEqual({ kind: 'message', message: 'cause of node-1' });
    expect(evidence.slice(1)).toEqual(Array(5).fill({ kind: 'unavailable', reason: 'TimeBudget' }));
    expect(reads.started).toEqual(['node-1', 'node-2', 'node-3']);
    expect(inFlight.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it('reads nothing once the deadline has passed', async () => {
    const clock = manualClock();
    clock.advance(DEADLINE);
    const reads = new HeldReads();

    const result = await readCauses([subject(1)], reads, { concurrency: 4, deadline: DEADLINE, clock });

    expect(result).toEqual([
      { subject: subject(1), evidence: { kind: 'unavailable', reason: 'TimeBudget' } },
    ]);
    expect(reads.started).toEqual([]);
  });

  it('gives a task type refused Denied or Throttled that answer without another read', async () => {
    // Prepare: three Run Command subjects, then three Automation ones; two reads at a time.
    const reads = new HeldReads();
    const automation = { taskType: 'AUTOMATION' };
    const subjects = [1, 2, 3].map((n) => subject(n)).concat([4, 5, 6].map((n) => subject(n, automation)));
    const result = readCauses(subjects, reads, { concurrency: 2, deadline: DEADLINE, clock: manualClock() });
    const denied: CauseEvidence = { kind: 'unavailable', reason: 'Denied' };
    const throttled: CauseEvidence = { kind: 'unavailable', reason: 'Throttled' };

    // Act: node-1 is denied while node-2 is in flight; node-4 is throttled while node-5 is.
    await settled();
    reads.answer('node-1', denied);
    await settled();
    reads.answer('node-2');
    await settled();
    reads.answer('node-4', throttled);
    await settled();
    reads.answer('node-5');

    // Assess
    expect(reads.started).toEqual(['node-1', 'node-2', 'node-4', 'node-5']);
    expect((await result).map(({ evidence }) => evidence)).toEqual([
      denied,
      { kind: 'message', message: 'cause of node-2' },
      denied,
      throttled,
      { kind: 'message', message: 'cause of node-5' },
      throttled,
    ]);
  });

  it('does not read subjects whose cause is known, and leaves them out', async () => {
    const reads: CauseReads = { read: async (s) => ({ kind: 'message', message: s.target }) };

    const result = await readCauses(
      [subject(1), subject(2, { statusDetails: 'Undeliverable' }), subject(3)],
      reads,
      {
        concurrency: 4,
        deadline: DEADLINE,
        clock: manualClock(),
        known: (s) => s.statusDetails === 'Undeliverable',
      },
    );

    expect(result.map(({ subject }) => subject.target)).toEqual(['node-1', 'node-3']);
  });

  it('never throws: a read that throws is an Error', async () => {
    const reads: CauseReads = {
      read: async (s) => {
        if (s.target === 'node-1') throw new Error('a read that broke its promise');
        return { kind: 'message', message: 'fine' };
      },
    };

    const result = await readCauses([subject(1), subject(2)], reads, {
      concurrency: 4,
      deadline: DEADLINE,
      clock: manualClock(),
    });

    expect(result.map(({ evidence }) => evidence)).toEqual([
      { kind: 'unavailable', reason: 'Error' },
      { kind: 'message', message: 'fine' },
    ]);
  });

  it('ends its wait for the deadline once every read is done', async () => {
    // Prepare: a clock that records whether the deadline's wait was let go.
    const clock = manualClock();
    let released = false;
    const watched: Clock = {
      now: clock.now,
      sleep: (ms, signal) => {
        signal?.addEventListener('abort', () => {
          released = true;
        });
        return clock.sleep(ms, signal);
      },
    };

    await readCauses(
      [subject(1)],
      { read: async () => ({ kind: 'message', message: 'x' }) },
      {
        concurrency: 4,
        deadline: DEADLINE,
        clock: watched,
      },
    );

    expect(released).toBe(true);
  });
});

describe('pickSubjects', () => {
  it("takes each task's failures in turn, not the first task's alone", () => {
    // Prepare: three failures in the patch task, one in the restart task.
    const tally = new ExecutionTally(undefined, { maxSubjects: 5 });
    tally.addTask(PATCH_TASK).add([record('FAILED', 1), record('TIMED_OUT', 2), record('FAILED', 3)]);
    tally.addTask(RESTART_TASK).add([record('FAILED', 4, { TaskType: 'AUTOMATION' })]);

    // Act
    const picked = pickSubjects(tally, 3);

    // Assess
    expect(picked.map(({ target }) => target)).toEqual([
      'i-00000000000000001',
      'i-00000000000000004',
      'i-00000000000000002',
    ]);
    expect(pickSubjects(tally, 10)).toHaveLength(4);
  });
});

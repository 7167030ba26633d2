/**
 * The causes step of a report, with fake reads: what it reads, what it does when the causes'
 * bundle cannot be loaded, and where the targets needing no read go.
 */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../lambda/clock';
import type { CauseReads } from '../../../lambda/core/causes/types';
import { readFailureCauses } from '../../../lambda/core/report-causes';
import { ExecutionTally } from '../../../lambda/core/tally';
import { loadCauses } from '../../../lambda/load-causes';
import { EXECUTION, PATCH_TASK } from '../../support/records';

function tallyOf(details: string[]): ExecutionTally {
  const tally = new ExecutionTally(undefined, { maxSubjects: 50 });
  tally.addTask(PATCH_TASK).add(
    details.map((StatusDetails, i) => ({
      Status: 'FAILED',
      StatusDetails,
      TaskType: 'RUN_COMMAND',
      ExecutionId: `5eed0000-0000-4000-8000-00000000000${i}`,
      Parameters: JSON.stringify({ instanceIds: [`i-0000000000000100${i}`] }),
    })),
  );
  return tally;
}

function depsWith(reads: CauseReads, maxReads = 50) {
  const logged: { level: string; message: string; extra: unknown }[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      logged.push({ level, message, extra: Object.assign({}, ...extra) });
  return {
    logged,
    deps: {
      config: { alertTopicArn: '', metricNamespace: '', partition: 'aws', failureCauses: { maxReads } },
      reader: { ssmFor: vi.fn(), causeReadsFor: () => reads },
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      delivery: { owner: 'o', leaseMs: () => 60_000, deadline: () => Date.now() + 60_000 },
      clock: systemClock,
    },
  };
}

describe('readFailureCauses', () => {
  it('reads only the targets whose record does not say the cause, keeping every target in its place', async () => {
    // Prepare
    const read = vi.fn<CauseReads['read']>(async () => ({ kind: 'message', message: 'disk full' }));
    const { deps, logged } = depsWith({ read });

    // Act
    const summary = await readFailureCauses(EXECUTION, tallyOf(['Failed', 'Undeliverable', 'Failed']), deps);

    // Assess
    expect(read).toHaveBeenCalledTimes(2);
    expect(summary?.examined).toBe(3);
    expect(summary?.groups.map((group) => [group.count, group.cause.text, group.targets])).toEqual([
      [2, 'disk full', ['i-00000000000001000', 'i-00000000000001002']],
      [1, expect.stringContaining('not delivered'), ['i-00000000000001001']],
    ]);
    // Counts only in the log: no cause text.
    expect(JSON.stringify(logged)).not.toContain('disk full');
  });

  it('reads no more than the cap', async () => {
    const read = vi.fn<CauseReads['read']>(async () => ({ kind: 'message', message: 'disk full' }));
    const summary = await readFailureCauses(
      EXECUTION,
      tallyOf(['Failed', 'Failed', 'Failed']),
      depsWith({ read }, 2).deps,
    );
    expect(read).toHaveBeenCalledTimes(2);
    expect(summary).toMatchObject({ unhealthy: 3, examined: 2 });
  });

  it('sends the alert without causes, and says so, when the causes cannot be loaded', async () => {
    // Prepare
    const read = vi.fn<CauseReads['read']>();
    const { deps, logged } = depsWith({ read });
    const load = vi.fn(async (): ReturnType<typeof loadCauses> => {
      throw new Error('Cannot find module ./causes.js');
    });

    // Act
    const summary = await readFailureCauses(EXECUTION, tallyOf(['Failed']), deps, load);

    // Assess
    expect(summary).toBeUndefined();
    expect(read).not.toHaveBeenCalled();
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'Could not read failure causes; the alert lists the targets without them',
      }),
    ]);
  });

  it('reads nothing when causes are off, or no target failed', async () => {
    const read = vi.fn<CauseReads['read']>();
    const load = vi.fn(loadCauses);
    const { deps } = depsWith({ read });
    const off = { ...deps, config: { ...deps.config, failureCauses: undefined } };
    expect(await readFailureCauses(EXECUTION, tallyOf(['Failed']), off, load)).toBeUndefined();
    expect(await readFailureCauses(EXECUTION, tallyOf([]), deps, load)).toBeUndefined();
    expect(load).not.toHaveBeenCalled();
  });
});

/**
 * `npm run bench`'s Organization sweep and failure causes, at a size a test can afford: the same
 * code paths as the bench's runs (the synthesized functions on the local endpoint), so the bench
 * cannot break without a test failing. Shapes only, never a timing.
 */
import { describe, expect, it } from 'vitest';
import { benchCauses, type CauseSize, verdict } from '../scripts/bench/causes';
import { startFleet } from '../scripts/bench/fleet';
import { benchOrganization } from '../scripts/bench/organization';

describe('npm run bench, the Organization sweep', () => {
  it('plans and sweeps a small simulated Organization to the end, every message handled', async () => {
    // Act
    const result = await benchOrganization({
      accounts: 3,
      regions: ['us-east-1', 'eu-west-1'],
      activeEvery: 2,
      windowsPerActive: 2,
      containers: 2,
      latencyMs: 0,
    });

    // Assess: the planner queued every account (the central one too), every worker message ended
    // well, and every account-Region was listed once, with one more call per window of the active ones
    expect(result.accountRegions).toBe(6);
    expect(result.queued).toBe(4);
    expect(result.failedMessages).toBe(0);
    expect(result.assumeRoles).toBe(6);
    expect(result.callsByAction['ssm:DescribeMaintenanceWindows']).toBe(6);
    expect(result.callsByAction['ssm:DescribeMaintenanceWindowExecutions']).toBe(6);
    expect(result.ssmPerAccountRegionMax).toBe(result.ssmMinimum);
  });
});

describe('npm run bench, failure causes', () => {
  it('counts the cause reads by action: one per failed target with summary, none with off', async () => {
    // Prepare
    const fleet = await startFleet();
    try {
      // Act
      const [size] = await benchCauses(fleet, { targets: 40, failed: [10], runs: 1, latencyMs: 0 });

      // Assess: one read per failed target with summary (within the cap), none with off, and the
      // calls of summary are those of off plus its reads; only summary's alert names causes
      const summary = size?.figures.summary;
      const off = size?.figures.off;
      expect(size?.failed).toBe(10);
      expect(summary?.causeReads['ssm:ListCommandInvocations']).toBe(10);
      expect(verdict(size as CauseSize)).toMatchObject({ listReads: 10, readsWithinCap: true });
      expect(off?.causeReads).toEqual({});
      const reads = Object.values(summary?.causeReads ?? {}).reduce((sum, n) => sum + n, 0);
      expect(summary?.calls).toBe((off?.calls ?? 0) + reads);
      expect(summary?.causesInAlert).toBe(true);
      expect(off?.causesInAlert).toBe(false);
    } finally {
      await fleet.stop();
    }
  });
});

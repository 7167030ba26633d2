/**
 * `npm run bench`'s Organization sweep, at a size a test can afford: the same code path as the
 * 1,000-account run (the synthesized planner and sweep worker on the local endpoint), so the bench
 * cannot break without a test failing.
 */
import { describe, expect, it } from 'vitest';
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

/**
 * The bundle runner's own rules (tools/lambda-runner), apart from the bundles it runs.
 */
import { describe, expect, it } from 'vitest';
import { processTimeoutMs } from '../../tools/lambda-runner/bundle';

describe('the bundle runner', () => {
  it("gives a warm container's batch the function's timeout for each of its invocations", () => {
    // Act
    const single = processTimeoutMs({ timeoutSeconds: 600 }, { Records: [] });
    const batch = processTimeoutMs(
      { timeoutSeconds: 600 },
      { batch: Array.from({ length: 100 }, (_, i) => ({ event: {}, requestId: `r-${i}` })) },
    );

    // Assess: 100 sweeps of 10 minutes each may take 1,000 minutes, plus 10 s to start
    expect(single).toBe(610_000);
    expect(batch).toBe(60_010_000);
  });
});

/**
 * The monitor's bundle entry: a runtime built from the environment at load, and the entry point
 * names the templates use (`index.handler`, `index.sweep`, `index.sweepAccount`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the monitor bundle', () => {
  it('builds its runtime from the environment at load and exports its three entry points', async () => {
    for (const [name, value] of Object.entries({
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      METRIC_NAMESPACE: 'MaintenanceWindowMonitor',
      LEDGER_TABLE_NAME: 'ledger',
      LEDGER_RETENTION_DAYS: '17',
      FAILURE_CAUSES: 'summary',
      MAX_CAUSE_READS: '50',
    }))
      vi.stubEnv(name, value);

    const monitor = await import('../../lambda/monitor');

    expect(Object.keys(monitor).sort()).toEqual(['handler', 'sweep', 'sweepAccount']);
    expect(Object.values(monitor).every((entry) => typeof entry === 'function')).toBe(true);
  });
});

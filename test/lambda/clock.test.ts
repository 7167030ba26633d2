import { describe, expect, it } from 'vitest';
import { systemClock } from '../../lambda/clock';

describe('systemClock', () => {
  it('reads the time and waits for real', async () => {
    const before = Date.now();
    await systemClock.sleep(20);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(19);
  });
});

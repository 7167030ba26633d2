import { describe, expect, it } from 'vitest';
import { systemClock } from '../../lambda/clock';

describe('systemClock', () => {
  it('reads the time and waits for real', async () => {
    const before = Date.now();
    await systemClock.sleep(20);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(19);
  });
});

describe('systemClock.sleep with a signal', () => {
  it('ends a wait when its signal aborts, and does not start one whose signal already did', async () => {
    // A wait of an hour: the test ends only if the signal ends it.
    const stop = new AbortController();
    const waiting = systemClock.sleep(3_600_000, stop.signal);
    stop.abort();
    await waiting;

    await systemClock.sleep(3_600_000, stop.signal);
  });
});

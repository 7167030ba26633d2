/**
 * A clock tests control: it reads the time they set, and records each wait instead of sleeping,
 * moving its time on by it.
 */
import type { Clock } from '../../lambda/clock';

export interface TestClock extends Clock {
  /** Every wait asked for, in milliseconds, in order. */
  readonly waits: number[];
  set(time: number): void;
}

export function testClock(start: number = Date.now()): TestClock {
  let time = start;
  const waits: number[] = [];
  return {
    waits,
    now: () => time,
    set: (to) => {
      time = to;
    },
    sleep: async (ms) => {
      waits.push(ms);
      time += ms;
    },
  };
}

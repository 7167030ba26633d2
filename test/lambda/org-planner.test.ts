/** The planner's bundle entry: the entry point name its template uses (`index.plan`). */
import { describe, expect, it } from 'vitest';

describe('the planner bundle', () => {
  it('exports its entry point, reading its settings only when it plans', async () => {
    const planner = await import('../../lambda/org-planner');

    expect(Object.keys(planner)).toEqual(['plan']);
    expect(typeof planner.plan).toBe('function');
  });
});

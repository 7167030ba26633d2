import { describe, expect, it } from 'vitest';
import { breakingAllowed } from '../../.ci/api-check.mjs';

describe('the API check (npm run api:check) lets the public API break', () => {
  it('in a new major', () => {
    expect(breakingAllowed('1.4.2', '2.0.0')).toBe(true);
    expect(breakingAllowed('0.4.0', '1.0.0')).toBe(true);
  });

  it('before 1.0, in a new minor', () => {
    expect(breakingAllowed('0.4.0', '0.5.0')).toBe(true);
    expect(breakingAllowed('0.4.0', '0.5.0-rc.1')).toBe(true);
  });

  it('not in a patch, nor after 1.0 in a minor, nor in the same version', () => {
    expect(breakingAllowed('0.4.0', '0.4.1')).toBe(false);
    expect(breakingAllowed('0.4.0', '0.4.0')).toBe(false);
    expect(breakingAllowed('1.4.2', '1.5.0')).toBe(false);
  });

  it('not in a version lower than the baseline', () => {
    expect(breakingAllowed('1.0.0', '0.9.0')).toBe(false);
    expect(breakingAllowed('0.4.0', '0.3.9')).toBe(false);
  });
});

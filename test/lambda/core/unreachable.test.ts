import { describe, expect, it } from 'vitest';
import {
  AccountRegionUnreachableError,
  isUnreachable,
  unreachableCause,
} from '../../../lambda/core/unreachable';

const named = (name: string) => Object.assign(new Error('refused'), { name });

describe('unreachableCause', () => {
  it.each([
    [
      'a read role that could not be assumed',
      new AccountRegionUnreachableError({ accountId: '111122223333', region: 'eu-west-1' }, 'refused', 0),
      'assume-refused',
    ],
    ["SSM's refusal of the role's reads", named('AccessDeniedException'), 'reads-denied'],
    ['an opt-in Region the account has not enabled', named('UnrecognizedClientException'), 'region-disabled'],
    ['throttling, which passes', named('ThrottlingException'), undefined],
    ['something that is not an error', 'AccessDeniedException', undefined],
  ])('tells %s', (_what, error, cause) => {
    expect(unreachableCause(error)).toBe(cause);
    expect(isUnreachable(error)).toBe(cause !== undefined);
  });

  it('names the account-Region and the reason in the message', () => {
    const error = new AccountRegionUnreachableError(
      { accountId: '111122223333', region: 'eu-west-1' },
      'no role',
      5,
    );
    expect(error.message).toBe('Cannot read 111122223333/eu-west-1: no role');
    expect(error).toMatchObject({ observedAt: 5, remembered: false });
  });
});

import { describe, expect, it } from 'vitest';
import { accountRegionLabel, ledgerScope } from '../../../lambda/core/account-region';

describe('ledgerScope', () => {
  it('scopes the runs of other account-Regions, and leaves the home one with its single-account keys', () => {
    const home = { accountId: '123456789012', region: 'us-east-1' };

    expect(ledgerScope({ accountId: '111122223333', region: 'eu-west-1' }, home)).toBe(
      '111122223333:eu-west-1',
    );
    expect(ledgerScope({ ...home }, home)).toBeUndefined();
    expect(ledgerScope({ ...home, region: 'eu-west-1' }, home)).toBe('123456789012:eu-west-1');
    expect(accountRegionLabel(home)).toBe('123456789012/us-east-1');
  });
});

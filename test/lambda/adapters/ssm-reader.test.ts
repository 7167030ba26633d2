import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { HomeReader, type SsmReader } from '../../../lambda/adapters/ssm-reader';

describe('HomeReader', () => {
  it("reads with the function's own client, which no refusal is remembered for", () => {
    const ssm = new SSMClient({ region: 'us-east-1' });
    const reader: SsmReader = new HomeReader(ssm);
    const home = { accountId: '123456789012', region: 'us-east-1' };

    reader.forget(home);

    expect(reader.ssmFor(home)).toBe(ssm);
  });
});

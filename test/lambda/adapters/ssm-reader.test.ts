import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { HomeReader, type SsmReader } from '../../../lambda/adapters/ssm-reader';

describe('HomeReader', () => {
  const home = { accountId: '123456789012', region: 'us-east-1' };

  it("reads with the function's own client, which no refusal is remembered for", () => {
    const ssm = new SSMClient({ region: 'us-east-1' });
    const reader: SsmReader = new HomeReader(ssm);

    reader.forget(home);

    expect(reader.ssmFor(home)).toBe(ssm);
  });

  it("reads causes with a client of its own, in the function's Region, at its client's endpoint", async () => {
    // Prepare
    const ssmMock = mockClient(SSMClient);
    ssmMock.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    const ssm = new SSMClient({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      credentials: { accessKeyId: 'AKIDHOME', secretAccessKey: 'secret' },
      maxAttempts: 8,
    });
    const reader: SsmReader = new HomeReader(ssm);
    const subject = {
      taskType: 'RUN_COMMAND',
      executionId: '8d1f4c1e-9d4a-4bb5-9c3e-0123456789ab',
      target: 'node',
      status: 'FAILED' as const,
    };

    // Act
    const evidence = await reader.causeReadsFor(home).read(subject, new AbortController().signal);
    await reader.causeReadsFor(home).read(subject, new AbortController().signal);

    // Assess
    expect(evidence).toEqual({ kind: 'unavailable', reason: 'Expired' });
    const [first, second] = ssmMock.calls().map((call) => call.thisValue as SSMClient);
    expect(first).not.toBe(ssm);
    expect(second).toBe(first);
    expect(await first?.config.maxAttempts()).toBe(3);
    expect(await first?.config.region()).toBe('eu-west-1');
    expect(await first?.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
    ssmMock.restore();
  });
});

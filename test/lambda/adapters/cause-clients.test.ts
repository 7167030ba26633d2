import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CauseClients, causeClientConfigOf, unreadable } from '../../../lambda/adapters/cause-clients';
import type { CauseReadClients } from '../../../lambda/adapters/cause-reads';
import type { CauseSubject } from '../../../lambda/core/causes/types';
import { loadCauses } from '../../../lambda/load-causes';

const ssmMock = mockClient(SSMClient);
const SUBJECT: CauseSubject = {
  taskType: 'RUN_COMMAND',
  executionId: '8d1f4c1e-9d4a-4bb5-9c3e-0123456789ab',
  target: 'i-0123456789abcdef0',
  status: 'FAILED',
};
const signal = () => new AbortController().signal;

beforeEach(() => {
  ssmMock.reset();
});

describe('CauseClients', () => {
  it("loads the cause reads' file on the first read, once, and reads through it", async () => {
    // Prepare
    const clients: CauseReadClients = {
      reads: vi.fn(() => ({ read: async () => ({ kind: 'message' as const, message: 'read' }) })),
      destroy: vi.fn(),
    };
    const load = vi.fn(async () => ({ ...(await loadCauses()), causeReadClients: () => clients }));
    const causes = new CauseClients({ region: 'eu-west-1' }, load);
    expect(load).not.toHaveBeenCalled();

    // Act
    const report = causes.reads();
    const found = [await report.read(SUBJECT, signal()), await report.read(SUBJECT, signal())];
    await causes.reads().read(SUBJECT, signal());
    causes.destroy();
    await Promise.resolve();

    // Assess
    expect(found).toEqual([
      { kind: 'message', message: 'read' },
      { kind: 'message', message: 'read' },
    ]);
    expect(load).toHaveBeenCalledOnce();
    // One reads (one deep-read budget) per report.
    expect(clients.reads).toHaveBeenCalledTimes(2);
    expect(clients.destroy).toHaveBeenCalledOnce();
  });

  it('answers Error when the file cannot be loaded, and tries again on the next read', async () => {
    const load = vi
      .fn<() => ReturnType<typeof loadCauses>>()
      .mockRejectedValueOnce(new Error('Cannot find module ./causes.js'))
      .mockImplementation(loadCauses);
    ssmMock.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    const causes = new CauseClients({ region: 'eu-west-1' }, load);

    expect(await causes.reads().read(SUBJECT, signal())).toEqual({ kind: 'unavailable', reason: 'Error' });
    expect(await causes.reads().read(SUBJECT, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });
    expect(load).toHaveBeenCalledTimes(2);
    causes.destroy();
  });

  it('can be destroyed while its file is loading, even when the load fails', async () => {
    const causes = new CauseClients({}, async () => {
      throw new Error('Cannot find module ./causes.js');
    });

    const reading = causes.reads().read(SUBJECT, signal());
    causes.destroy();

    expect(await reading).toEqual({ kind: 'unavailable', reason: 'Error' });
  });

  it('destroys nothing when no read was made', () => {
    const load = vi.fn(loadCauses);
    new CauseClients({}, load).destroy();
    expect(load).not.toHaveBeenCalled();
  });
});

describe('unreadable', () => {
  it('answers its reason for every subject', async () => {
    expect(await unreadable('Denied').read(SUBJECT, signal())).toEqual({
      kind: 'unavailable',
      reason: 'Denied',
    });
  });
});

describe('causeClientConfigOf', () => {
  it("takes a client's Region, credentials and endpoint when one was set", async () => {
    const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
    const custom = causeClientConfigOf(
      new SSMClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', credentials }),
    );
    const standard = causeClientConfigOf(new SSMClient({ region: 'eu-west-1', credentials }));

    const copy = new SSMClient({ ...custom, maxAttempts: 3 });
    expect(await copy.config.region()).toBe('eu-west-1');
    expect(await copy.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
    expect(await (copy.config.credentials as () => Promise<unknown>)()).toMatchObject(credentials);
    expect(standard).not.toHaveProperty('endpoint');
  });
});

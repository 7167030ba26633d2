import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CauseClients } from '../../../lambda/adapters/cause-clients';
import { MemberReader } from '../../../lambda/adapters/member-reader';
import type { CauseSubject } from '../../../lambda/core/causes/types';
import { AccountRegionUnreachableError, isUnreachable } from '../../../lambda/core/unreachable';
import { testClock } from '../../support/clock';

const sts = mockClient(STSClient);
const ssmMock = mockClient(SSMClient);
const sfnMock = mockClient(SFNClient);
const START = Date.parse('2026-11-29T10:00:00Z');
const A = { accountId: '111122223333', region: 'eu-west-1' };
const B = { accountId: '444455556666', region: 'us-east-1' };

function credentialsUntil(expiration: number, key = 'ASIAMEMBER') {
  return {
    Credentials: {
      AccessKeyId: key,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(expiration),
    },
  };
}

/** Resolves the credentials an SSM client signs with, as it does before each request. */
async function signingKey(access: MemberReader, target: typeof A): Promise<string> {
  const provider = access.ssmFor(target).config.credentials as () => Promise<{ accessKeyId: string }>;
  return (await provider()).accessKeyId;
}

function denied(): STSServiceException {
  return new STSServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: {},
    message: 'User is not authorized to perform: sts:AssumeRole',
  });
}

describe('MemberReader', () => {
  let clock: ReturnType<typeof testClock>;
  let access: MemberReader;
  beforeEach(() => {
    sts.reset();
    ssmMock.reset();
    sfnMock.reset();
    clock = testClock(START);
    access = new MemberReader({
      sts: new STSClient({ region: 'us-east-1' }),
      partition: 'aws',
      rolePrefix: 'MWM',
      clock,
      maxClients: 2,
    });
  });

  it("assumes the target's read role once, for an hour, whatever the number of reads", async () => {
    sts.on(AssumeRoleCommand).resolves(credentialsUntil(START + 3_600_000));

    for (let read = 0; read < 5; read++) expect(await signingKey(access, A)).toBe('ASIAMEMBER');

    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      {
        RoleArn: 'arn:aws:iam::111122223333:role/MWM-Read-eu-west-1',
        RoleSessionName: 'maintenance-window-monitor',
        DurationSeconds: 3600,
      },
    ]);
    expect(access.assumptions).toBe(1);
  });

  it('assumes the role again shortly before the credentials expire', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(credentialsUntil(START + 3_600_000, 'ASIAFIRST'))
      .resolves(credentialsUntil(START + 7_200_000, 'ASIASECOND'));
    expect(await signingKey(access, A)).toBe('ASIAFIRST');

    clock.set(START + 3_600_000 - 4 * 60_000);

    expect(await signingKey(access, A)).toBe('ASIASECOND');
    expect(access.assumptions).toBe(2);
  });

  it('keeps at most maxClients clients, destroying the least recently used', () => {
    const first = access.ssmFor(A);
    const destroy = vi.spyOn(first, 'destroy');
    access.ssmFor(B);
    access.ssmFor({ accountId: '777788889999', region: 'ap-south-1' });

    expect(access.size).toBe(2);
    expect(destroy).toHaveBeenCalledOnce();
    expect(access.ssmFor(A)).not.toBe(first);
  });

  it('names a target whose role cannot be assumed, and does not ask STS again for 15 minutes', async () => {
    sts.on(AssumeRoleCommand).rejects(denied());

    const error = await signingKey(access, A).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(AccountRegionUnreachableError);
    expect((error as Error).message).toBe(
      'Cannot read 111122223333/eu-west-1: could not assume arn:aws:iam::111122223333:role/MWM-Read-eu-west-1 ' +
        '(AccessDenied: User is not authorized to perform: sts:AssumeRole)',
    );
    expect(isUnreachable(error)).toBe(true);
    expect(error).toMatchObject({ observedAt: START, remembered: false });
    // Remembered: dated when it was first met, not now.
    clock.set(START + 60_000);
    expect(() => access.ssmFor(A)).toThrow(
      expect.objectContaining({ name: 'AccountRegionUnreachableError', observedAt: START, remembered: true }),
    );
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    clock.set(START + 15 * 60_000 + 1);
    sts.on(AssumeRoleCommand).resolves(credentialsUntil(START + 7_200_000));

    expect(await signingKey(access, A)).toBe('ASIAMEMBER');
  });

  it('refuses, without asking STS again, a read by a client made before its role was refused', async () => {
    // Prepare: one client, whose first read finds the role refused.
    sts.on(AssumeRoleCommand).rejects(denied());
    const provider = access.ssmFor(A).config.credentials as () => Promise<unknown>;
    await expect(provider()).rejects.toMatchObject({ remembered: false });
    clock.set(START + 60_000);

    // Act
    const again = await provider().catch((thrown: unknown) => thrown);

    // Assess
    expect(again).toMatchObject({
      name: 'AccountRegionUnreachableError',
      observedAt: START,
      remembered: true,
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('fails, naming the role, when STS answers without credentials, and does not take the target as unreachable', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce({})
      .resolves(credentialsUntil(START + 3_600_000));

    const error = await signingKey(access, A).catch((thrown: unknown) => thrown);

    expect((error as Error).message).toBe(
      'STS returned no credentials for arn:aws:iam::111122223333:role/MWM-Read-eu-west-1',
    );
    expect(isUnreachable(error)).toBe(false);
    expect(await signingKey(access, A)).toBe('ASIAMEMBER');
  });

  it('passes on a throttled assumption without remembering the target as unreachable', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(
        new STSServiceException({
          name: 'Throttling',
          $fault: 'client',
          $metadata: {},
          message: 'Rate exceeded',
        }),
      )
      .resolves(credentialsUntil(START + 3_600_000));

    await expect(signingKey(access, A)).rejects.toMatchObject({ name: 'Throttling' });
    expect(isUnreachable(new Error('x'))).toBe(false);

    expect(await signingKey(access, A)).toBe('ASIAMEMBER');
  });
});

describe('MemberReader.causeReadsFor', () => {
  const COMMAND: CauseSubject = {
    taskType: 'RUN_COMMAND',
    executionId: '8d1f4c1e-9d4a-4bb5-9c3e-0123456789ab',
    target: 'node',
    status: 'FAILED',
  };
  const EXECUTION: CauseSubject = {
    ...COMMAND,
    taskType: 'STEP_FUNCTIONS',
    executionId: 'arn:aws:states:eu-west-1:111122223333:execution:Patch:run-1',
  };
  let access: MemberReader;
  beforeEach(() => {
    sts.reset();
    ssmMock.reset();
    sfnMock.reset();
    access = new MemberReader({
      sts: new STSClient({ region: 'us-east-1' }),
      partition: 'aws',
      rolePrefix: 'MWM',
      clock: testClock(START),
      maxClients: 1,
    });
  });

  /** The access key a mocked call was signed with, and the Region and attempts of its client. */
  async function signedAs(call: { thisValue: unknown }) {
    const { config } = call.thisValue as SSMClient;
    const credentials = await (config.credentials as () => Promise<{ accessKeyId: string }>)();
    return {
      key: credentials.accessKeyId,
      region: await config.region(),
      attempts: await config.maxAttempts(),
    };
  }

  it("reads SSM and Step Functions as the member's read role, with no second assumption", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(credentialsUntil(START + 3_600_000));
    ssmMock.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'States.TaskFailed' });
    await signingKey(access, A);

    // Act
    const reads = access.causeReadsFor(A);
    const found = [
      await reads.read(COMMAND, new AbortController().signal),
      await reads.read(EXECUTION, new AbortController().signal),
    ];

    // Assess
    expect(found).toEqual([
      { kind: 'unavailable', reason: 'Expired' },
      { kind: 'message', message: 'States.TaskFailed' },
    ]);
    const expected = { key: 'ASIAMEMBER', region: 'eu-west-1', attempts: 3 };
    expect(await signedAs(ssmMock.call(0))).toEqual(expected);
    expect(await signedAs(sfnMock.call(0))).toEqual(expected);
    expect(access.assumptions).toBe(1);
  });

  it('answers Denied, with no call, while the role is known to be refused', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(
        new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'no' }),
      );
    await signingKey(access, A).catch(() => undefined);

    const evidence = await access.causeReadsFor(A).read(COMMAND, new AbortController().signal);

    expect(evidence).toEqual({ kind: 'unavailable', reason: 'Denied' });
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it("keeps an account-Region's cause clients while its client is kept, and destroys them with it", () => {
    const destroy = vi.spyOn(CauseClients.prototype, 'destroy');
    access.causeReadsFor(A);
    access.causeReadsFor(A);
    expect(destroy).not.toHaveBeenCalled();

    access.ssmFor(B);

    expect(destroy).toHaveBeenCalledOnce();
    destroy.mockRestore();
  });
});

/**
 * The local AWS endpoint as an Organization, exercised with the real SDK clients: STS sessions into
 * member roles, SSM answered per account and Region, member credentials kept away from the central
 * account's services, Organizations' ListAccounts, SQS batches, and per-tenant throttling.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  ListAccountsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DescribeMaintenanceWindowExecutionTaskInvocationsCommand,
  DescribeMaintenanceWindowExecutionTasksCommand,
  DescribeMaintenanceWindowsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  memberAccountId,
  memberReadRole,
  type SeededAccountRegion,
  seedOrganization,
  taskExecution,
  windowExecution,
  windowId,
} from '../../tools/fixtures';
import { LocalAws } from '../../tools/local-aws';

const CENTRAL = '123456789012';
const CENTRAL_CREDENTIALS = { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'central-secret' };
const TOPIC_ARN = `arn:aws:sns:us-east-1:${CENTRAL}:alerts`;
let fake: LocalAws;
let sts: STSClient;

beforeAll(async () => {
  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  sts = new STSClient(config(fake));
});

afterAll(() => fake.stop());
beforeEach(() => fake.reset());

function config(
  endpoint: LocalAws,
  { region = 'us-east-1', credentials = CENTRAL_CREDENTIALS as AwsCredentialIdentity, maxAttempts = 1 } = {},
) {
  return { endpoint: endpoint.endpoint, region, credentials, maxAttempts };
}

/** The central account's STS assuming `roleName` in `accountId`, as the SDK returns the credentials. */
async function assume(
  accountId: string,
  roleName: string,
  client = sts,
  durationSeconds?: number,
): Promise<AwsCredentialIdentity> {
  const { Credentials } = await client.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: 'maintenance-window-monitor',
      ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
    }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
    ...(Credentials?.Expiration ? { expiration: Credentials.Expiration } : {}),
  };
}

/** An SSM client of one seeded target, signed as its read role. */
async function memberSsm(target: SeededAccountRegion, endpoint = fake): Promise<SSMClient> {
  const credentials = await assume(target.accountId, target.roleName);
  return new SSMClient(config(endpoint, { region: target.region, credentials }));
}

/** How many FAILED invocations the client's SSM lists for the target's one task. */
async function failedIn(ssm: SSMClient, target: SeededAccountRegion): Promise<number> {
  const [task] = target.execution.tasks;
  const output = await ssm.send(
    new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({
      WindowExecutionId: target.execution.windowExecutionId,
      TaskId: task?.taskExecutionId,
      Filters: [{ Key: 'STATUS', Values: ['FAILED'] }],
      MaxResults: 100,
    }),
  );
  return output.WindowExecutionTaskInvocationIdentities?.length ?? 0;
}

function seedTwoByTwo(): SeededAccountRegion[] {
  return seedOrganization(fake, { accounts: 2, regions: ['us-east-1', 'eu-west-1'] });
}

describe('STS AssumeRole and per-tenant SSM', () => {
  it("answers SSM from the state of the signer's account and Region only", async () => {
    // Prepare
    const targets = seedTwoByTwo();

    // Act
    const results = [];
    for (const target of targets) {
      const ssm = await memberSsm(target);
      const others = targets.filter((other) => other !== target);
      results.push({
        failed: await failedIn(ssm, target),
        windows: (await ssm.send(new DescribeMaintenanceWindowsCommand({}))).WindowIdentities,
        othersUnknown: await Promise.all(
          others.map((other) =>
            ssm
              .send(
                new DescribeMaintenanceWindowExecutionTasksCommand({
                  WindowExecutionId: other.execution.windowExecutionId,
                }),
              )
              .then(
                () => 'found',
                (error: Error) => error.name,
              ),
          ),
        ),
      });
    }

    // Assess
    expect(targets.map((target) => target.failed)).toEqual([1, 2, 3, 4]);
    expect(results.map((result) => result.failed)).toEqual([1, 2, 3, 4]);
    expect(results.map((result) => result.windows?.map((window) => window.Name))).toEqual([
      ['patch-member-1-us-east-1'],
      ['patch-member-1-eu-west-1'],
      ['patch-member-2-us-east-1'],
      ['patch-member-2-eu-west-1'],
    ]);
    for (const result of results)
      expect(result.othersUnknown).toEqual(Array(3).fill('DoesNotExistException'));
    const ssmCalls = fake.callsTo('ssm');
    expect(ssmCalls).toHaveLength(4 * 5);
    for (const call of ssmCalls) {
      expect(call.roleName).toBe(`MaintenanceWindowMonitor-Read-${call.region}`);
      expect(call.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect([memberAccountId(1), memberAccountId(2)]).toContain(call.accountId);
    }
    expect(fake.assumedRoles.map((role) => [role.accountId, role.roleName, role.signedRegion])).toEqual([
      [memberAccountId(1), 'MaintenanceWindowMonitor-Read-us-east-1', 'us-east-1'],
      [memberAccountId(1), 'MaintenanceWindowMonitor-Read-eu-west-1', 'us-east-1'],
      [memberAccountId(2), 'MaintenanceWindowMonitor-Read-us-east-1', 'us-east-1'],
      [memberAccountId(2), 'MaintenanceWindowMonitor-Read-eu-west-1', 'us-east-1'],
    ]);
  });

  it('returns credentials, an expiration an hour out and the assumed-role user, as the SDK parses them', async () => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const before = Date.now();

    // Act
    const output = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${target.accountId}:role/${target.roleName}`,
        RoleSessionName: 'sweep@central',
      }),
    );

    // Assess
    expect(output.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(output.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(output.Credentials?.Expiration).toBeInstanceOf(Date);
    // An hour from when the endpoint answered (to the second), however long the call took
    const after = Date.now();
    const expiration = output.Credentials?.Expiration?.getTime() ?? 0;
    expect(expiration).toBeGreaterThan(before + 3_599_000);
    expect(expiration).toBeLessThanOrEqual(after + 3_600_000);
    expect(output.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${target.accountId}:assumed-role/${target.roleName}/sweep@central`,
    );
    expect(output.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:sweep@central$/);
    expect(fake.callsTo('sts', 'AssumeRole')[0]).toMatchObject({
      accountId: CENTRAL,
      region: 'us-east-1',
      action: 'sts:AssumeRole',
      statusCode: 200,
    });
  });

  it('works with a credentials function, as the monitor uses it, assuming once for many calls', async () => {
    // Prepare
    const target = seedTwoByTwo()[3];
    if (!target) throw new Error('no target');
    const ssm = new SSMClient({
      endpoint: fake.endpoint,
      region: target.region,
      maxAttempts: 1,
      credentials: async () => assume(target.accountId, target.roleName),
    });

    // Act
    const first = await failedIn(ssm, target);
    const second = await failedIn(ssm, target);

    // Assess
    expect([first, second]).toEqual([4, 4]);
    expect(fake.assumedRoles).toHaveLength(1);
    expect(fake.callsTo('ssm').map((call) => [call.accountId, call.region])).toEqual([
      [memberAccountId(2), 'eu-west-1'],
      [memberAccountId(2), 'eu-west-1'],
    ]);
  });

  it('refuses a role that does not exist, or no longer does, with AccessDenied (HTTP 403)', async () => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const credentials = await assume(target.accountId, target.roleName);
    fake.removeRole(target.accountId, target.roleName);
    const ssm = new SSMClient(config(fake, { region: target.region, credentials }));

    // Act
    const missing = assume(target.accountId, 'MaintenanceWindowMonitor-Read-ap-south-1');
    const removed = assume(target.accountId, target.roleName);
    const read = failedIn(ssm, target);

    // Assess
    await expect(missing).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:iam::${CENTRAL}:user/central is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${target.accountId}:role/MaintenanceWindowMonitor-Read-ap-south-1`,
    });
    await expect(removed).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(read).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    [
      'a malformed role ARN',
      { RoleArn: 'arn:aws:iam::12345:role/Reader', RoleSessionName: 'ok' },
      'AccessDenied',
    ],
    ['a user ARN', { RoleArn: `arn:aws:iam::${CENTRAL}:user/Reader`, RoleSessionName: 'ok' }, 'AccessDenied'],
    ['a role ARN too short', { RoleArn: 'arn:aws:iam::1:role', RoleSessionName: 'ok' }, 'ValidationError'],
    ['a session name of one character', { RoleSessionName: 'x' }, 'ValidationError'],
    ['a session name with a space', { RoleSessionName: 'two words' }, 'ValidationError'],
    ['a session name of 65 characters', { RoleSessionName: 's'.repeat(65) }, 'ValidationError'],
    ['899 seconds', { DurationSeconds: 899 }, 'ValidationError'],
    ['3601 seconds (more than the role allows)', { DurationSeconds: 3601 }, 'ValidationError'],
  ])('refuses %s', async (_, input, name) => {
    // Prepare
    fake.addRole(CENTRAL, 'Reader');

    // Act
    const call = sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${CENTRAL}:role/Reader`,
        RoleSessionName: 'session',
        ...input,
      }),
    );

    // Assess
    await expect(call).rejects.toMatchObject({
      name,
      $metadata: { httpStatusCode: name === 'AccessDenied' ? 403 : 400 },
    });
    expect(fake.assumedRoles).toEqual([]);
  });

  it('accepts 900 and 3600 seconds, and a role path', async () => {
    // Prepare
    fake.addRole(CENTRAL, 'Reader');

    // Act
    const arns = [];
    for (const seconds of [900, 3600]) {
      const output = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${CENTRAL}:role/monitor/Reader`,
          RoleSessionName: 'session',
          DurationSeconds: seconds,
        }),
      );
      arns.push(output.AssumedRoleUser?.Arn);
    }

    // Assess
    expect(arns).toEqual([
      `arn:aws:sts::${CENTRAL}:assumed-role/Reader/session`,
      `arn:aws:sts::${CENTRAL}:assumed-role/Reader/session`,
    ]);
    const [short, long] = fake.assumedRoles;
    expect((long?.expiresAt ?? 0) - (short?.expiresAt ?? 0)).toBeCloseTo(2_700_000, -3);
  });

  it('refuses role chaining: a session cannot assume another role', async () => {
    // Prepare
    const [first, second] = seedTwoByTwo();
    if (!first || !second) throw new Error('no targets');
    const credentials = await assume(first.accountId, first.roleName);
    const chained = new STSClient(config(fake, { credentials }));

    // Act
    const call = assume(second.accountId, second.roleName, chained);

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(
        `User: arn:aws:sts::${first.accountId}:assumed-role/${first.roleName}/maintenance-window-monitor is not authorized`,
      ),
    });
    expect(fake.callsTo('sts', 'AssumeRole').map((c) => [c.accountId, c.statusCode])).toEqual([
      [CENTRAL, 200],
      [first.accountId, 403],
    ]);
  });

  it('tells who signed with GetCallerIdentity', async () => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const credentials = await assume(target.accountId, target.roleName);

    // Act
    const central = await sts.send(new GetCallerIdentityCommand({}));
    const member = await new STSClient(config(fake, { credentials })).send(new GetCallerIdentityCommand({}));

    // Assess
    expect(central).toMatchObject({ Account: CENTRAL, Arn: `arn:aws:iam::${CENTRAL}:user/central` });
    expect(member).toMatchObject({
      Account: target.accountId,
      Arn: `arn:aws:sts::${target.accountId}:assumed-role/${target.roleName}/maintenance-window-monitor`,
      UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:maintenance-window-monitor$/),
    });
  });
});

describe('refused credentials', () => {
  it.each([
    ['without its session token', undefined],
    ["with another session's token", 'other'],
  ])('refuses an issued key %s with UnrecognizedClientException', async (_, token) => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const credentials = await assume(target.accountId, target.roleName);
    const other = await assume(target.accountId, target.roleName);
    const forged = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(token ? { sessionToken: other.sessionToken } : {}),
    };
    const ssm = new SSMClient(config(fake, { region: target.region, credentials: forged }));

    // Act
    const call = failedIn(ssm, target);

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fake.callsTo('ssm')[0]).toMatchObject({
      accountId: target.accountId,
      errorCode: 'UnrecognizedClientException',
    });
  });

  it('refuses a session once it expired, on the endpoint clock, with ExpiredTokenException', async () => {
    // Prepare
    const start = Math.floor(Date.now() / 1000) * 1000;
    let clock = start;
    const timed = await LocalAws.start({ now: () => clock });
    try {
      const [target] = seedOrganization(timed, { accounts: 1, regions: ['eu-west-1'] });
      if (!target) throw new Error('no target');
      const credentials = await assume(target.accountId, target.roleName, new STSClient(config(timed)), 900);
      const ssm = new SSMClient(config(timed, { region: target.region, credentials }));
      const fresh = await failedIn(ssm, target);

      // Act
      clock += 899_000;
      const lastSecond = await failedIn(ssm, target);
      clock += 1_000;
      const expired = failedIn(ssm, target);

      // Assess
      expect(credentials.expiration?.getTime()).toBe(start + 900_000);
      expect([fresh, lastSecond]).toEqual([1, 1]);
      await expect(expired).rejects.toMatchObject({
        name: 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
      });
    } finally {
      await timed.stop();
    }
  });

  it('refuses a session in a Region its account has off, as SSM does for opt-in Regions', async () => {
    // Prepare
    const member = memberAccountId(7);
    fake.addAccount({ accountId: member, name: 'opt-in' });
    fake.addRole(member, memberReadRole('ap-east-1'));
    fake.addRole(member, memberReadRole('eu-west-1'));
    fake.disableRegion(member, 'ap-east-1');
    const off = await assume(member, memberReadRole('ap-east-1'));
    const on = await assume(member, memberReadRole('eu-west-1'));

    // Act
    const answered = await new SSMClient(config(fake, { region: 'eu-west-1', credentials: on })).send(
      new DescribeMaintenanceWindowsCommand({}),
    );
    const refused = new SSMClient(config(fake, { region: 'ap-east-1', credentials: off })).send(
      new DescribeMaintenanceWindowsCommand({}),
    );
    const stsThere = new STSClient(config(fake, { region: 'ap-east-1', credentials: on })).send(
      new GetCallerIdentityCommand({}),
    );

    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(answered.WindowIdentities).toEqual([]);
    await expect(stsThere).rejects.toMatchObject({
      name: 'RegionDisabledException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("refuses a read role's session outside the Regions its policy allows", async () => {
    // Prepare
    const target = seedTwoByTwo().find((t) => t.region === 'eu-west-1');
    if (!target) throw new Error('no target');
    const credentials = await assume(target.accountId, target.roleName);

    // Act
    const call = new SSMClient(config(fake, { region: 'us-east-1', credentials })).send(
      new DescribeMaintenanceWindowsCommand({}),
    );

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: ssm:DescribeMaintenanceWindows'),
    });
  });

  it('revokes issued credentials on reset, so a stale client never reads the central account', async () => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const ssm = await memberSsm(target);

    // Act
    fake.reset();
    fake.addWindow({ windowId: windowId(0xc), name: 'central-window' });
    const call = ssm.send(new DescribeMaintenanceWindowsCommand({}));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(fake.calls.map((c) => c.accountId)).toEqual([target.accountId]);
  });

  it("refuses member credentials in the central account's CloudWatch, SNS, SQS and Organizations", async () => {
    // Prepare
    const [target] = seedTwoByTwo();
    if (!target) throw new Error('no target');
    const credentials = await assume(target.accountId, target.roleName);
    const member = config(fake, { credentials });
    const queueUrl = fake.queueUrl('sweep');
    fake.addQueue(queueUrl);

    // Act
    const calls = [
      new CloudWatchClient(member).send(
        new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 1 }] }),
      ),
      new SNSClient(member).send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'x' })),
      new SQSClient(member).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })),
      new OrganizationsClient(member).send(new ListAccountsCommand({})),
    ].map((call) =>
      call.then(
        () => undefined,
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => [
          error.name,
          error.$metadata?.httpStatusCode,
        ],
      ),
    );

    // Assess
    expect(await Promise.all(calls)).toEqual([
      ['AccessDenied', 403],
      ['AuthorizationErrorException', 403],
      ['AccessDenied', 403],
      ['AccessDeniedException', 403],
    ]);
    expect(fake.published).toEqual([]);
    expect(fake.sqsMessages).toEqual([]);
    expect(fake.metricData).toEqual([]);
    const refused = fake.calls.filter((call) => call.service !== 'sts');
    expect(refused.map((call) => [call.action, call.accountId, call.roleName]).sort()).toEqual([
      ['cloudwatch:PutMetricData', target.accountId, target.roleName],
      ['organizations:ListAccounts', target.accountId, target.roleName],
      ['sns:Publish', target.accountId, target.roleName],
      ['sqs:SendMessage', target.accountId, target.roleName],
    ]);
  });

  it("records credentials STS did not issue as the central account's, with the signed Region", async () => {
    // Prepare
    const ssm = new SSMClient(config(fake, { region: 'eu-central-1' }));

    // Act
    await ssm.send(new DescribeMaintenanceWindowsCommand({}));

    // Assess
    expect(fake.calls).toEqual([
      expect.objectContaining({
        accountId: CENTRAL,
        region: 'eu-central-1',
        accessKeyId: 'AKIDCENTRAL',
        action: 'ssm:DescribeMaintenanceWindows',
      }),
    ]);
    expect(fake.calls[0]).not.toHaveProperty('roleName');
  });
});

describe('Organizations ListAccounts', () => {
  function addMembers(count: number): void {
    for (let n = 1; n <= count; n++) {
      fake.addAccount({
        accountId: memberAccountId(n),
        name: `member-${n}`,
        ...(n === 3 ? { status: 'SUSPENDED' } : {}),
      });
    }
  }

  it('pages through the central account and every member, 20 at most a page', async () => {
    // Prepare
    addMembers(25);
    const organizations = new OrganizationsClient(config(fake));

    // Act
    const pages = [];
    for await (const page of paginateListAccounts({ client: organizations, pageSize: 20 }, {}))
      pages.push(page);

    // Assess
    expect(pages.map((page) => page.Accounts?.length)).toEqual([20, 6]);
    const accounts = pages.flatMap((page) => page.Accounts ?? []);
    expect(accounts.map((account) => account.Id)).toEqual([
      CENTRAL,
      ...Array.from({ length: 25 }, (_, i) => memberAccountId(i + 1)),
    ]);
    expect(accounts[3]).toMatchObject({
      Id: memberAccountId(3),
      Name: 'member-3',
      Status: 'SUSPENDED',
      State: 'SUSPENDED',
      Email: `aws+${memberAccountId(3)}@example.com`,
      Arn: `arn:aws:organizations::${CENTRAL}:account/o-a1b2c3d4e5/${memberAccountId(3)}`,
      JoinedMethod: 'INVITED',
    });
    expect(accounts[0]).toMatchObject({ Name: 'Central', Status: 'ACTIVE', JoinedMethod: 'CREATED' });
    expect(accounts[3]?.JoinedTimestamp).toBeInstanceOf(Date);
    expect(fake.callsTo('organizations').map((call) => call.input.MaxResults)).toEqual([20, 20]);
  });

  it('uses a page of 20 without MaxResults and refuses a MaxResults outside 1-20', async () => {
    // Prepare
    addMembers(21);
    const organizations = new OrganizationsClient(config(fake));

    // Act
    const first = await organizations.send(new ListAccountsCommand({}));
    const one = await organizations.send(new ListAccountsCommand({ MaxResults: 1 }));
    const tooMany = organizations.send(new ListAccountsCommand({ MaxResults: 21 }));
    const none = organizations.send(new ListAccountsCommand({ MaxResults: 0 }));
    const badToken = organizations.send(new ListAccountsCommand({ NextToken: 'not-a-token' }));

    // Assess
    expect(first.Accounts).toHaveLength(20);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(one.Accounts?.map((account) => account.Id)).toEqual([CENTRAL]);
    await expect(tooMany).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(none).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(badToken).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});

describe('SQS SendMessageBatch and SendMessage', () => {
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(() => {
    sqs = new SQSClient(config(fake));
  });

  beforeEach(() => {
    queueUrl = fake.queueUrl('sweep-assignments');
    fake.addQueue(queueUrl);
  });

  function entries(count: number, body = (i: number) => `{"accountId":"${memberAccountId(i)}"}`) {
    return Array.from({ length: count }, (_, i) => ({
      Id: memberAccountId(i + 1),
      MessageBody: body(i + 1),
    }));
  }

  it('accepts up to 10 entries with MD5s the SDK verifies, and records each message', async () => {
    // Act
    const output = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...entries(9), { Id: 'derp', MessageBody: 'derp' }],
      }),
    );

    // Assess
    expect(output.Successful).toHaveLength(10);
    expect(output.Failed ?? []).toEqual([]);
    // AWS's checksum of "derp", as pinned by moto's tests against the real service.
    expect(output.Successful?.find((entry) => entry.Id === 'derp')?.MD5OfMessageBody).toBe(
      '58fd9edd83341c29f1aebba81c31e257',
    );
    expect(fake.sqsMessages.map((message) => message.body)).toEqual([
      ...entries(9).map((entry) => entry.MessageBody),
      'derp',
    ]);
    expect(fake.sqsMessages.map((message) => message.messageId)).toEqual(
      output.Successful?.map((entry) => entry.MessageId),
    );
    expect(fake.callsTo('sqs')[0]).toMatchObject({ operation: 'SendMessageBatch', accountId: CENTRAL });
  });

  it.each<[string, () => SendMessageBatchRequestEntry[], string]>([
    ['no entries', () => [], 'EmptyBatchRequest'],
    ['11 entries', () => entries(11), 'TooManyEntriesInBatchRequest'],
    ['repeated IDs', () => [...entries(2), ...entries(1)], 'BatchEntryIdsNotDistinct'],
    ['an ID with a dot', () => [{ Id: 'a.b', MessageBody: 'x' }], 'InvalidBatchEntryId'],
    ['an ID of 81 characters', () => [{ Id: 'a'.repeat(81), MessageBody: 'x' }], 'InvalidBatchEntryId'],
    ['more than 1 MiB in all', () => entries(2, () => 'x'.repeat(524_289)), 'BatchRequestTooLong'],
  ])('refuses a batch with %s', async (_, batch, name) => {
    // Act
    const call = sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch() }));

    // Assess
    await expect(call).rejects.toMatchObject({ name, $metadata: { httpStatusCode: 400 } });
    expect(fake.sqsMessages).toEqual([]);
  });

  it('accepts exactly 1 MiB in all', async () => {
    // Act
    const output = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(2, () => 'x'.repeat(524_288)) }),
    );

    // Assess
    expect(output.Successful).toHaveLength(2);
  });

  it('answers QueueDoesNotExist, from its query-compatible code, for an unknown queue', async () => {
    // Act
    const call = sqs.send(
      new SendMessageBatchCommand({ QueueUrl: fake.queueUrl('missing'), Entries: entries(1) }),
    );

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
    });
    expect(fake.callsTo('sqs')[0]?.errorCode).toBe('QueueDoesNotExist');
  });

  it('reports entries made to fail, and invalid characters, in Failed', async () => {
    // Prepare
    fake.failSqsEntries([memberAccountId(2)]);

    // Act
    const output = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...entries(3), { Id: 'bell', MessageBody: 'ring \u0007' }],
      }),
    );

    // Assess
    expect(output.Successful?.map((entry) => entry.Id)).toEqual([memberAccountId(1), memberAccountId(3)]);
    expect(output.Failed).toEqual([
      { Id: memberAccountId(2), SenderFault: false, Code: 'InternalError', Message: 'Injected failure' },
      expect.objectContaining({ Id: 'bell', SenderFault: true, Code: 'InvalidMessageContents' }),
    ]);
    expect(fake.sqsMessages).toHaveLength(2);
  });

  it('answers SendMessage with the body and attribute checksums AWS computes', async () => {
    // Act: the attribute sets and checksums moto's tests pin against the real service
    const single = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'derp',
        MessageAttributes: { timestamp: { StringValue: '1493147359900', DataType: 'Number' } },
      }),
    );
    const several = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'derp',
        MessageAttributes: {
          ccc: { StringValue: 'testjunk', DataType: 'String' },
          aaa: { BinaryValue: Uint8Array.of(2, 3, 4), DataType: 'Binary' },
          zzz: { DataType: 'Number', StringValue: '0230.01' },
          öther_encodings: { DataType: 'String', StringValue: 'Tüst' },
        },
      }),
    );

    // Assess
    expect(single).toMatchObject({
      MD5OfMessageBody: '58fd9edd83341c29f1aebba81c31e257',
      MD5OfMessageAttributes: '235c5c510d26fb653d073faed50ae77c',
    });
    expect(several.MD5OfMessageAttributes).toBe('8ae21a7957029ef04146b42aeaa18a22');
  });
});

describe('per-tenant faults', () => {
  it("throttles one member account's SSM only; the SDK's retries absorb it", async () => {
    // Prepare
    const targets = seedTwoByTwo();
    const [slow] = targets;
    if (!slow) throw new Error('no target');
    fake.failEveryNth({ everyNth: 2, service: 'ssm', accountId: slow.accountId, region: slow.region });
    const clients = await Promise.all(
      targets.map(async (target) => {
        const credentials = await assume(target.accountId, target.roleName);
        return new SSMClient(config(fake, { region: target.region, credentials, maxAttempts: 3 }));
      }),
    );

    // Act
    const failed = [];
    for (const [i, target] of targets.entries()) {
      const client = clients[i] as SSMClient;
      failed.push(await failedIn(client, target), await failedIn(client, target));
    }

    // Assess
    expect(failed).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    const throttled = fake.calls.filter((call) => call.errorCode === 'ThrottlingException');
    expect(throttled.map((call) => [call.accountId, call.region])).toEqual([[slow.accountId, slow.region]]);
    expect(
      fake.callsTo('ssm').filter((call) => call.accountId !== slow.accountId || call.region !== slow.region),
    ).toHaveLength(6);
  });

  it('rate-limits one Region without touching the others', async () => {
    // Prepare
    const targets = seedTwoByTwo();
    fake.rateLimit({ service: 'ssm', region: 'eu-west-1', burst: 1, servedShare: 0.5 });
    const clients = await Promise.all(
      targets.map(async (target) => ({
        target,
        ssm: await memberSsm(target),
      })),
    );

    // Act
    const outcomes = [];
    for (const { target, ssm } of clients) {
      for (let i = 0; i < 2; i++) {
        outcomes.push(
          await failedIn(ssm, target).then(
            () => `${target.region}:ok`,
            (error: Error) => `${target.region}:${error.name}`,
          ),
        );
      }
    }

    // Assess
    expect(outcomes).toEqual([
      'us-east-1:ok',
      'us-east-1:ok',
      'eu-west-1:ok',
      'eu-west-1:ThrottlingException',
      'us-east-1:ok',
      'us-east-1:ok',
      'eu-west-1:ok',
      'eu-west-1:ThrottlingException',
    ]);
  });
});

describe('the Organization it serves', () => {
  it('refuses SSM data or roles for an account that is not in the Organization', () => {
    // Prepare
    const execution = windowExecution([taskExecution('RUN_COMMAND', { SUCCESS: 1 })]);

    // Act
    const seed = () => fake.addWindowExecution(execution, { accountId: memberAccountId(9) });
    const role = () => fake.addRole(memberAccountId(9), 'Reader');

    // Assess
    expect(seed).toThrow(`addWindowExecution: account ${memberAccountId(9)} is not in the Organization`);
    expect(role).toThrow(`addRole: account ${memberAccountId(9)} is not in the Organization`);
  });
});

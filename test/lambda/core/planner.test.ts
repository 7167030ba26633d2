/**
 * Organization mode's sweep planner: with real SDK clients against the local AWS endpoint
 * (Organizations, SQS) for what it queues, and with a mocked Organizations client for what it does
 * when Organizations will not say which account manages it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planSweep } from '../../../lambda/core/planner';
import { memberAccountId } from '../../../tools/fixtures';
import { clientConfig, fake, useLocalOrganization } from '../../support/local-report';

useLocalOrganization();

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('planSweep', () => {
  it('queues one assignment per active account, with every Region and its name', async () => {
    const queueUrl = fake.queueUrl('sweep');
    fake.addQueue(queueUrl);
    fake.addAccount({ accountId: memberAccountId(9), name: 'closing', status: 'PENDING_CLOSURE' });
    fake.setManagementAccount(memberAccountId(2));
    // The central account lists the Organization as the StackSets delegated administrator.
    fake.registerDelegatedAdministrator(
      fake.centralAccountId,
      'member.org.stacksets.cloudformation.amazonaws.com',
    );
    const sqs = new SQSClient(clientConfig());

    const report = await planSweep({
      logger: quiet,
      organizations: new OrganizationsClient(clientConfig()),
      sqs,
      queueUrl,
      regions: ['us-east-1', 'eu-west-1'],
    });

    expect(report).toEqual({
      accounts: 3,
      inactive: 1,
      managementAccountId: memberAccountId(2),
      regions: ['us-east-1', 'eu-west-1'],
      queued: 3,
    });
    // The management account, which StackSets skip, is marked (DescribeOrganization's MasterAccountId).
    expect(fake.sqsMessages.map((message) => JSON.parse(message.body))).toEqual([
      { accountId: fake.centralAccountId, accountName: 'Central', regions: ['us-east-1', 'eu-west-1'] },
      { accountId: memberAccountId(1), accountName: 'member-1', regions: ['us-east-1', 'eu-west-1'] },
      {
        accountId: memberAccountId(2),
        accountName: 'member-2',
        regions: ['us-east-1', 'eu-west-1'],
        management: true,
      },
    ]);
  });

  it('queues only the accounts of the listed units and of the units under them', async () => {
    const queueUrl = fake.queueUrl('sweep');
    fake.addQueue(queueUrl);
    fake.addOrganizationalUnit({ id: 'ou-a1b2-11111111', name: 'Workloads' });
    fake.addOrganizationalUnit({ id: 'ou-a1b2-22222222', name: 'Prod', parentId: 'ou-a1b2-11111111' });
    fake.addOrganizationalUnit({ id: 'ou-a1b2-33333333', name: 'Sandbox' });
    fake.addAccount({ accountId: memberAccountId(1), name: 'member-1', parentId: 'ou-a1b2-11111111' });
    fake.addAccount({ accountId: memberAccountId(2), name: 'member-2', parentId: 'ou-a1b2-22222222' });
    fake.addAccount({ accountId: memberAccountId(3), name: 'sandbox', parentId: 'ou-a1b2-33333333' });

    const report = await planSweep({
      logger: quiet,
      organizations: new OrganizationsClient(clientConfig()),
      sqs: new SQSClient(clientConfig()),
      queueUrl,
      regions: ['us-east-1'],
      organizationalUnitIds: ['ou-a1b2-11111111'],
    });

    expect(report.queued).toBe(2);
    expect(fake.sqsMessages.map((message) => JSON.parse(message.body).accountId)).toEqual([
      memberAccountId(1),
      memberAccountId(2),
    ]);
  });

  it('fails, naming the accounts, when the queue refuses some of a batch', async () => {
    const queueUrl = fake.queueUrl('sweep');
    fake.addQueue(queueUrl);
    fake.failSqsEntries([memberAccountId(2)]);

    await expect(
      planSweep({
        logger: quiet,
        organizations: new OrganizationsClient(clientConfig()),
        sqs: new SQSClient(clientConfig()),
        queueUrl,
        regions: ['us-east-1'],
      }),
    ).rejects.toThrow(`The sweep queue refused the assignments of ${memberAccountId(2)}`);
    fake.failSqsEntries(undefined);
  });
});

describe('planSweep, when Organizations will not name its management account', () => {
  let logs: Record<string, unknown>[];
  beforeEach(() => {
    logs = [];
    for (const method of ['info', 'error', 'warn', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((line: string) => {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sweeps every account like any other, with a warning, when Organizations will not name its management account', async () => {
    // Prepare
    const organizations = new OrganizationsClient({ region: 'us-east-1' });
    const sqs = new SQSClient({ region: 'us-east-1' });
    const organizationsMock = mockClient(organizations);
    const sqsMock = mockClient(sqs);
    organizationsMock.on(DescribeOrganizationCommand).rejects(
      new OrganizationsServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized',
      }),
    );
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111122223333', Name: 'payments', State: 'ACTIVE' },
        { Name: 'no id', State: 'ACTIVE' },
        { Id: '444455556666', State: 'ACTIVE' },
      ],
    });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const report = await planSweep({
      logger: new Logger(),
      organizations,
      sqs,
      queueUrl: 'https://queue',
      regions: ['us-east-1'],
    });

    // Assess: an account without an ID cannot be swept; no assignment claims the management account.
    expect(report).toEqual({ accounts: 2, inactive: 0, regions: ['us-east-1'], queued: 2 });
    const bodies = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => JSON.parse(entry.MessageBody as string));
    expect(bodies).toEqual([
      { accountId: '111122223333', accountName: 'payments', regions: ['us-east-1'] },
      { accountId: '444455556666', regions: ['us-east-1'] },
    ]);
    expect(logs.find((line) => line.level === 'WARN')).toMatchObject({
      message: 'Could not look up the management account; it is swept like any other',
      error: expect.stringContaining('not authorized'),
    });
  });
});

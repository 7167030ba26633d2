/**
 * The planner's own failure paths, with the Organizations and SQS clients mocked: what it queues
 * when Organizations will not say which account manages it, and what it answers CloudFormation.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListDelegatedAdministratorsCommand,
  ListRootsCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planSweep } from '../../../lambda/core/planner';
import { stackSetAccess } from '../../../lambda/core/stack-set-access';
import { planHandler } from '../../../lambda/handlers/plan';
import { createPlannerRuntime } from '../../../lambda/handlers/planner-runtime';
import { useResponseUrl } from '../../support/response-url';

const organizations = mockClient(OrganizationsClient);
const sqs = mockClient(SQSClient);
const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const CENTRAL = '123456789012';

let logs: Record<string, unknown>[];
let waits: number[];
const clock = {
  now: () => 0,
  sleep: async (ms: number) => {
    waits.push(ms);
  },
};
const denied = (message = 'not authorized') =>
  new OrganizationsServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message,
  });

beforeEach(() => {
  organizations.reset();
  sqs.reset();
  logs = [];
  waits = [];
  for (const method of ['info', 'error', 'warn', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((line: string) => {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('planSweep', () => {
  it('sweeps every account like any other, with a warning, when Organizations will not name its management account', async () => {
    // Prepare
    organizations.on(DescribeOrganizationCommand).rejects(denied());
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111122223333', Name: 'payments', State: 'ACTIVE' },
        { Name: 'no id', State: 'ACTIVE' },
        { Id: '444455556666', State: 'ACTIVE' },
      ],
    });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const report = await planSweep({
      logger: new Logger(),
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://queue',
      regions: ['us-east-1'],
    });

    // Assess: an account without an ID cannot be swept; no assignment claims the management account.
    expect(report).toEqual({ accounts: 2, inactive: 0, regions: ['us-east-1'], queued: 2 });
    const bodies = sqs
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

describe('stackSetAccess', () => {
  const request = { organizationId: ORGANIZATION_ID, accountId: CENTRAL, lookUpRoot: true };
  const client = () => new OrganizationsClient({ region: 'us-east-1' });

  it('fails at once, without waiting, on an error other than a refusal', async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    await expect(stackSetAccess(client(), request, clock, [10, 20])).rejects.toThrow('Rate exceeded');
    expect(organizations).toHaveReceivedCommandTimes(DescribeOrganizationCommand, 1);
    expect(waits).toEqual([]);
  });

  it('fails when this account belongs to no Organization, or to another one', async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .resolvesOnce({})
      .resolvesOnce({
        Organization: { Id: 'o-zzzzzzzzzz', MasterAccountId: CENTRAL },
      });

    await expect(stackSetAccess(client(), request, clock, [])).rejects.toThrow(
      'Organizations described no Organization',
    );
    await expect(stackSetAccess(client(), request, clock, [])).rejects.toThrow(
      `This account's Organization is not ${ORGANIZATION_ID}: it is o-zzzzzzzzzz`,
    );
  });

  it("fails when Organizations lists no root, or one of another Organization's", async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: ORGANIZATION_ID, MasterAccountId: CENTRAL } });
    const otherRoot = `arn:aws:organizations::${CENTRAL}:root/o-zzzzzzzzzz/r-a1b2`;
    organizations
      .on(ListRootsCommand)
      .resolvesOnce({ Roots: [] })
      .resolvesOnce({ Roots: [{ Id: 'r-a1b2', Arn: otherRoot }] });

    await expect(stackSetAccess(client(), request, clock, [])).rejects.toThrow(
      'Organizations listed no root',
    );
    await expect(stackSetAccess(client(), request, clock, [])).rejects.toThrow(
      `This account's Organization is not ${ORGANIZATION_ID}: its root is ${otherRoot}`,
    );
  });

  it('passes on an error listing the delegated administrators that is not a refusal, rather than blaming the registration', async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: ORGANIZATION_ID, MasterAccountId: '999999999999' } });
    organizations
      .on(ListDelegatedAdministratorsCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceException' }));

    const access = stackSetAccess(client(), request, clock, []);

    await expect(access).rejects.toThrow('Service unavailable');
    await expect(access).rejects.not.toMatchObject({ name: 'NotStackSetsAdministratorError' });
  });
});

describe('plan, as the CloudFormation custom resource that finds CallAs', () => {
  const cloudFormation = useResponseUrl();

  beforeEach(() => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const deployRequest = (requestType: string, stackId: string) => ({
    RequestType: requestType,
    ResponseURL: cloudFormation.url,
    StackId: stackId,
    RequestId: 'request-1',
    LogicalResourceId: 'OrganizationRoot',
    ResourceProperties: { OrganizationId: ORGANIZATION_ID, LookUpRoot: 'true' },
  });

  async function loadPlan() {
    return planHandler(createPlannerRuntime(process.env));
  }

  it('answers a deletion at once, asking Organizations nothing', async () => {
    const plan = await loadPlan();

    await plan(deployRequest('Delete', `arn:aws:cloudformation:us-east-1:${CENTRAL}:stack/Monitor/1`));

    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: 'OrganizationRoot-organization-root',
      }),
    ]);
    expect(organizations).not.toHaveReceivedAnyCommand();
  });

  it('answers FAILED, naming the stack ID, when it holds no account', async () => {
    const plan = await loadPlan();

    await plan(deployRequest('Create', 'arn:aws:cloudformation:us-east-1::stack/Monitor/1'));

    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringContaining('No account in the stack ID arn:aws:cloudformation:us-east-1::stack'),
      }),
    ]);
    expect(organizations).not.toHaveReceivedAnyCommand();
  });
});

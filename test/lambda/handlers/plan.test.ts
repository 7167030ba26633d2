/**
 * The entry point `index.plan`: on the sweep schedule it queues the Organization (real SDK clients
 * against the local AWS endpoint), at deploy time it answers `Custom::OrganizationRoot` (against
 * the local endpoint, and with a mocked Organizations client where it must ask nothing).
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planHandler } from '../../../lambda/handlers/plan';
import { createPlannerRuntime } from '../../../lambda/handlers/planner-runtime';
import { memberAccountId } from '../../../tools/fixtures';
import { fake, useLocalOrganization } from '../../support/local-report';
import { useResponseUrl } from '../../support/response-url';

useLocalOrganization();

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const CENTRAL = '123456789012';

describe('plan, the scheduled entry point', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  async function loadPlan(env: Record<string, string>) {
    for (const [key, value] of Object.entries({
      AWS_ENDPOINT_URL: fake.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDCENTRAL',
      AWS_SECRET_ACCESS_KEY: 'secret',
      ...env,
    }))
      vi.stubEnv(key, value);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    return planHandler(createPlannerRuntime(process.env));
  }

  it('queues the Organization with the clients and settings of its environment', async () => {
    const queueUrl = fake.queueUrl('planned');
    fake.addQueue(queueUrl);
    const plan = await loadPlan({ SWEEP_QUEUE_URL: queueUrl, ORGANIZATION_REGIONS: 'eu-west-1' });

    await expect(plan()).resolves.toMatchObject({ accounts: 3, queued: 3, regions: ['eu-west-1'] });
    expect(fake.sqsMessages.every((message) => message.queueUrl === queueUrl)).toBe(true);
  });

  it("answers CloudFormation with how to call StackSets and the Organization's root, or why not", async () => {
    const plan = await loadPlan({
      SWEEP_QUEUE_URL: fake.queueUrl('planned'),
      ORGANIZATION_REGIONS: 'eu-west-1',
    });
    const request = (organizationId: string, properties: Record<string, unknown> = {}) => ({
      RequestType: 'Create',
      ResponseURL: `${fake.endpoint}/cloudformation-response/${organizationId}`,
      StackId: `arn:aws:cloudformation:us-east-1:${fake.centralAccountId}:stack/Central/1`,
      RequestId: `request-${organizationId}`,
      LogicalResourceId: 'Root',
      ResourceProperties: { OrganizationId: organizationId, ...properties },
    });

    await plan(request('o-a1b2c3d4e5', { LookUpRoot: 'true' }));
    await plan(request('o-zzzzzzzzzz', { LookUpRoot: 'true' }));

    expect(fake.cloudFormationResponses.map((response) => response.body)).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        Data: { CallAs: 'SELF', RootId: 'r-a1b2' },
        PhysicalResourceId: 'Root-organization-root',
      }),
      expect.objectContaining({
        Status: 'FAILED',
        Reason: "Error: This account's Organization is not o-zzzzzzzzzz: it is o-a1b2c3d4e5",
      }),
    ]);
  });

  it('fails the deploy from an account that may not create the StackSet, with the command that registers it', async () => {
    const plan = await loadPlan({
      SWEEP_QUEUE_URL: fake.queueUrl('planned'),
      ORGANIZATION_REGIONS: 'eu-west-1',
    });
    fake.setManagementAccount(memberAccountId(1));
    // A delegated administrator of another service: Organizations answers the listing, without this account.
    fake.registerDelegatedAdministrator(fake.centralAccountId, 'guardduty.amazonaws.com');

    await plan({
      RequestType: 'Create',
      ResponseURL: `${fake.endpoint}/cloudformation-response/unregistered`,
      StackId: `arn:aws:cloudformation:us-east-1:${fake.centralAccountId}:stack/Central/1`,
      RequestId: 'request-unregistered',
      LogicalResourceId: 'Root',
      ResourceProperties: { OrganizationId: 'o-a1b2c3d4e5' },
    });

    const [answer] = fake.cloudFormationResponses.map((response) => response.body);
    expect(answer).toMatchObject({ Status: 'FAILED', Data: {} });
    expect(answer?.Reason).toContain(
      'From the management account, run: aws organizations register-delegated-administrator ' +
        `--service-principal member.org.stacksets.cloudformation.amazonaws.com --account-id ${fake.centralAccountId}; ` +
        'then deploy again.',
    );
  });
  it('fails, naming the variable, without its queue', async () => {
    const plan = await loadPlan({ SWEEP_QUEUE_URL: '', ORGANIZATION_REGIONS: 'eu-west-1' });

    await expect(plan()).rejects.toThrow(
      'Environment variable SWEEP_QUEUE_URL is not set; the stack sets it on deploy',
    );
  });

  it('fails, naming the variable, without its Regions', async () => {
    const plan = await loadPlan({ SWEEP_QUEUE_URL: fake.queueUrl('planned'), ORGANIZATION_REGIONS: '' });

    await expect(plan()).rejects.toThrow(
      'Environment variable ORGANIZATION_REGIONS is not set; the stack sets it on deploy',
    );
  });
});

describe('plan, as the CloudFormation custom resource that finds CallAs', () => {
  const cloudFormation = useResponseUrl();

  beforeEach(() => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  const deployRequest = (requestType: string, stackId: string) => ({
    RequestType: requestType,
    ResponseURL: cloudFormation.url,
    StackId: stackId,
    RequestId: 'request-1',
    LogicalResourceId: 'OrganizationRoot',
    ResourceProperties: { OrganizationId: ORGANIZATION_ID, LookUpRoot: 'true' },
  });

  let organizations: AwsClientStub<OrganizationsClient>;
  async function loadPlan() {
    const client = new OrganizationsClient({ region: 'us-east-1' });
    organizations = mockClient(client);
    return planHandler(createPlannerRuntime(process.env, { organizations: client }));
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

/**
 * How the deploy calls StackSets (as the management account, or as a delegated administrator) and
 * finds the Organization's root, before the StackSet exists: against the local AWS endpoint's
 * Organizations, and with a mocked client for the answers it cannot be made to give.
 */
import {
  DescribeOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { NotStackSetsAdministratorError, stackSetAccess } from '../../../lambda/core/stack-set-access';
import { memberAccountId } from '../../../tools/fixtures';
import { clientConfig, fake, useLocalOrganization } from '../../support/local-report';

useLocalOrganization();

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const CENTRAL = '123456789012';
let waits: number[];
const clock = {
  now: () => 0,
  sleep: async (ms: number) => {
    waits.push(ms);
  },
};
beforeEach(() => {
  waits = [];
});

describe('stackSetAccess, at deploy time before the StackSet', () => {
  const organizations = () => new OrganizationsClient(clientConfig());
  const STACKSETS = 'member.org.stacksets.cloudformation.amazonaws.com';
  const request = (lookUpRoot: boolean) => ({
    organizationId: 'o-a1b2c3d4e5',
    accountId: fake.centralAccountId,
    lookUpRoot,
  });

  it('calls StackSets as SELF in the management account, and looks up the root only when asked', async () => {
    await expect(stackSetAccess(organizations(), request(false), clock)).resolves.toEqual({ callAs: 'SELF' });
    expect(fake.callsTo('organizations').map((call) => call.operation)).toEqual(['DescribeOrganization']);

    await expect(stackSetAccess(organizations(), request(true), clock)).resolves.toEqual({
      callAs: 'SELF',
      rootId: 'r-a1b2',
    });
  });

  it('calls StackSets as DELEGATED_ADMIN in an account registered for StackSets', async () => {
    fake.setManagementAccount(memberAccountId(1));
    fake.registerDelegatedAdministrator(fake.centralAccountId, STACKSETS);

    await expect(stackSetAccess(organizations(), request(true), clock)).resolves.toEqual({
      callAs: 'DELEGATED_ADMIN',
      rootId: 'r-a1b2',
    });
    expect(fake.callsTo('organizations', 'ListDelegatedAdministrators')[0]?.input).toEqual({
      ServicePrincipal: STACKSETS,
    });
  });

  it.each([
    ['registered for another service only', 'Organizations lists it for guardduty.amazonaws.com only', true],
    ['not registered at all (Organizations refuses the listing)', 'AccessDeniedException', false],
  ])('refuses an account %s, naming the command, before any root lookup', async (_, __, otherService) => {
    fake.setManagementAccount(memberAccountId(1));
    if (otherService) fake.registerDelegatedAdministrator(fake.centralAccountId, 'guardduty.amazonaws.com');

    const refused = stackSetAccess(organizations(), request(true), clock);

    await expect(refused).rejects.toThrow(NotStackSetsAdministratorError);
    await expect(refused).rejects.toThrow(
      `Account ${fake.centralAccountId} is neither the management account of o-a1b2c3d4e5 nor a delegated ` +
        'administrator for StackSets',
    );
    await expect(refused).rejects.toThrow(
      `aws organizations register-delegated-administrator --service-principal ${STACKSETS} ` +
        `--account-id ${fake.centralAccountId}`,
    );
    expect(fake.callsTo('organizations', 'ListRoots')).toEqual([]);
  });

  it('tries again, waiting a little longer each time, while a new role is not yet allowed (IAM propagation)', async () => {
    fake.failAfter({
      service: 'organizations',
      calls: 3,
      error: { code: 'AccessDeniedException', statusCode: 403 },
    });

    await expect(stackSetAccess(organizations(), request(true), clock, [10, 20, 40])).resolves.toEqual({
      callAs: 'SELF',
      rootId: 'r-a1b2',
    });
    expect(waits).toEqual([10, 20, 40]);
    expect(fake.callsTo('organizations').map((call) => `${call.operation} ${call.statusCode}`)).toEqual([
      'DescribeOrganization 403',
      'DescribeOrganization 403',
      'DescribeOrganization 403',
      'DescribeOrganization 200',
      'ListRoots 200',
    ]);
  });

  it('gives up after its bounded waits when the refusal stays', async () => {
    fake.failAfter({
      service: 'organizations',
      calls: 100,
      error: { code: 'AccessDeniedException', statusCode: 403 },
    });

    await expect(stackSetAccess(organizations(), request(true), clock, [10, 20])).rejects.toThrow(
      'Injected AccessDeniedException',
    );
    expect(waits).toEqual([10, 20]);
    expect(fake.callsTo('organizations')).toHaveLength(3);
  });
});

describe('stackSetAccess, when Organizations answers otherwise', () => {
  let organizations: AwsClientStub<OrganizationsClient>;
  let client: OrganizationsClient;
  beforeEach(() => {
    client = new OrganizationsClient({ region: 'us-east-1' });
    organizations = mockClient(client);
  });

  const request = { organizationId: ORGANIZATION_ID, accountId: CENTRAL, lookUpRoot: true };

  it('fails at once, without waiting, on an error other than a refusal', async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    await expect(stackSetAccess(client, request, clock, [10, 20])).rejects.toThrow('Rate exceeded');
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

    await expect(stackSetAccess(client, request, clock, [])).rejects.toThrow(
      'Organizations described no Organization',
    );
    await expect(stackSetAccess(client, request, clock, [])).rejects.toThrow(
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

    await expect(stackSetAccess(client, request, clock, [])).rejects.toThrow('Organizations listed no root');
    await expect(stackSetAccess(client, request, clock, [])).rejects.toThrow(
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

    const access = stackSetAccess(client, request, clock, []);

    await expect(access).rejects.toThrow('Service unavailable');
    await expect(access).rejects.not.toMatchObject({ name: 'NotStackSetsAdministratorError' });
  });
});

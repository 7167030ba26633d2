/**
 * Organization mode's planner and sweep worker with real SDK clients: STS, SSM per account and
 * Region, Organizations, SQS, CloudWatch and SNS on the local AWS endpoint, the ledger on dynalite.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readPlannerSettings } from '../../../lambda/adapters/config';
import { Ledger } from '../../../lambda/adapters/ledger';
import { MemberReader } from '../../../lambda/adapters/member-reader';
import { systemClock } from '../../../lambda/clock';
import { planSweep } from '../../../lambda/core/planner';
import type { ReportDeps } from '../../../lambda/core/report-event';
import { NotStackSetsAdministratorError, stackSetAccess } from '../../../lambda/core/stack-set-access';
import { sweepAccount } from '../../../lambda/core/sweep';
import { planHandler } from '../../../lambda/handlers/plan';
import { createPlannerRuntime } from '../../../lambda/handlers/planner-runtime';
import {
  LocalAws,
  type LocalDynamo,
  memberAccountId,
  type SeededTarget,
  seedOrganization,
  startDynamo,
  taskExecution,
  windowExecution,
  windowId,
} from '../../../tools/local-aws';
import { organizationReach } from '../../support/records';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
const PREFIX = 'MaintenanceWindowMonitor';
let fake: LocalAws;
let dynamo: LocalDynamo;
let deps: ReportDeps;
let members: MemberReader;
let targets: SeededTarget[];
let table: string;
let logs: { message: string; extra: Record<string, unknown> }[];

function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

beforeAll(async () => {
  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  dynamo = await startDynamo();
  fake.forwardDynamoDb(dynamo.endpoint);
});
afterAll(async () => {
  await fake.stop();
  await dynamo.stop();
});

beforeEach(async () => {
  fake.reset();
  table = await dynamo.createLedgerTable();
  // Every seeded run ended after the ledger existed: the sweep looks no further back than that.
  targets = seedOrganization(fake, {
    accounts: 2,
    regions: ['us-east-1', 'eu-west-1'],
    endTime: new Date(Date.now() + 1_000),
  });
  // Everything seeded ended just now; a ledger created an hour ago covers it.
  const ledger = new Ledger(dynamo.client, table, 17 * 86_400);
  logs = [];
  const log = (message: string, ...extra: Record<string, unknown>[]) =>
    logs.push({ message, extra: Object.assign({}, ...extra) });
  members = new MemberReader({
    sts: new STSClient(clientConfig()),
    partition: 'aws',
    rolePrefix: PREFIX,
    ssmConfig: { endpoint: fake.endpoint, maxAttempts: 1 },
  });
  deps = {
    clients: {
      ssm: new SSMClient(clientConfig()),
      cloudWatch: new CloudWatchClient(clientConfig()),
      sns: new SNSClient(clientConfig()),
    },
    config: {
      alertTopicArn: TOPIC_ARN,
      metricNamespace: 'MaintenanceWindowMonitor',
      partition: 'aws',
    },
    logger: { info: log, warn: log, error: log },
    ledger,
    reach: organizationReach({ accountId: fake.centralAccountId, region: 'us-east-1' }),
    reader: members,
    delivery: { owner: 'sweep-request', leaseMs: () => 60_000, deadline: () => Date.now() + 55_000 },
  };
});

function options(now = Date.now() + 60_000) {
  return {
    lookbackMs: 86_400_000,
    graceMs: 0,
    reporting: 'execution' as const,
    deadline: now + 600_000,
    now,
  };
}

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
    const sqs = new SQSClient({ ...clientConfig(), endpoint: fake.endpoint });

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

  it('reads its settings, naming what is not a Region', () => {
    const env = { SWEEP_QUEUE_URL: ' https://queue ', ORGANIZATION_REGIONS: 'us-east-1, eu-west-1' };

    expect(readPlannerSettings(env)).toEqual({
      queueUrl: 'https://queue',
      regions: ['us-east-1', 'eu-west-1'],
    });
    expect(
      readPlannerSettings({ ...env, ORGANIZATIONAL_UNIT_IDS: 'ou-a1b2-11111111, r-a1b2' }),
    ).toMatchObject({
      organizationalUnitIds: ['ou-a1b2-11111111', 'r-a1b2'],
    });
    expect(() => readPlannerSettings({ ...env, ORGANIZATION_REGIONS: 'us-east-1,Mars' })).toThrow(
      'Environment variable ORGANIZATION_REGIONS must list Regions, got "Mars"',
    );
  });
});

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

describe('stackSetAccess, at deploy time before the StackSet', () => {
  const organizations = () => new OrganizationsClient(clientConfig());
  const STACKSETS = 'member.org.stacksets.cloudformation.amazonaws.com';
  let waits: number[];
  const clock = {
    now: () => 0,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
  const request = (lookUpRoot: boolean) => ({
    organizationId: 'o-a1b2c3d4e5',
    accountId: fake.centralAccountId,
    lookUpRoot,
  });
  beforeEach(() => {
    waits = [];
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

describe('sweepAccount', () => {
  it("reports every Region's runs of the account through its read roles, then nothing the second time", async () => {
    const [first, second] = targets.filter((target) => target.accountId === memberAccountId(1));

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), accountName: 'member-1', regions: ['us-east-1', 'eu-west-1'] },
      deps,
      options(),
    );
    const again = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['us-east-1', 'eu-west-1'] },
      deps,
      options(),
    );

    expect(outcome).toMatchObject({ reported: 2, unreachable: [], failed: [], eventPathBroken: [] });
    expect(outcome.swept.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(again.reported).toBe(0);
    expect(fake.published.map((message) => message.subject).sort()).toEqual(
      [first, second]
        .map(
          (target) =>
            `Window patch-member-1-${target?.region} in ${memberAccountId(1)}/${target?.region}: ${target?.failed} failed, 0 timed out of ${20 + (target?.failed ?? 0)} targets`,
        )
        .sort(),
    );
    expect(fake.published[0]?.message).toContain(`Account:           member-1 (${memberAccountId(1)})`);
    // Every member read was signed with that member's role, once per Region.
    const memberReads = fake.calls.filter((call) => call.service === 'ssm');
    expect(memberReads.every((call) => call.accountId === memberAccountId(1))).toBe(true);
    expect(fake.assumedRoles.map((role) => `${role.roleName}@${role.signedRegion}`).sort()).toEqual([
      `${PREFIX}-Read-eu-west-1@us-east-1`,
      `${PREFIX}-Read-us-east-1@us-east-1`,
    ]);
  });

  it('names and counts a Region whose role is missing, and sweeps the others', async () => {
    fake.removeRole(memberAccountId(2), `${PREFIX}-Read-eu-west-1`);

    const outcome = await sweepAccount(
      { accountId: memberAccountId(2), regions: ['us-east-1', 'eu-west-1'] },
      deps,
      options(),
    );

    expect(outcome).toMatchObject({ swept: ['us-east-1'], reported: 1, failed: [] });
    expect(outcome.unreachable).toEqual([
      {
        region: 'eu-west-1',
        cause: 'assume-refused',
        reason: expect.stringContaining(
          `AccountRegionUnreachableError: Cannot read ${memberAccountId(2)}/eu-west-1: could not assume arn:aws:iam::${memberAccountId(2)}:role/${PREFIX}-Read-eu-west-1`,
        ),
      },
    ]);
    const counted = fake.metricData.filter((datum) => datum.name === 'UnreachableTargets');
    expect(counted.map((datum) => [datum.value, datum.dimensions])).toEqual([[1, '']]);
    expect(logs.find((log) => log.message.startsWith('Cannot read a member account'))?.extra).toMatchObject({
      target: `${memberAccountId(2)}/eu-west-1`,
    });
  });

  it('counts a Region that is not enabled as unreachable', async () => {
    fake.disableRegion(memberAccountId(1), 'eu-west-1');

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['eu-west-1'] },
      deps,
      options(),
    );

    expect(outcome.unreachable.map((target) => target.region)).toEqual(['eu-west-1']);
    expect(outcome.failed).toEqual([]);
  });

  it('fails the Region (so the message is delivered again) when its SSM throttles past the retries', async () => {
    fake.failEveryNth({ service: 'ssm', everyNth: 1, accountId: memberAccountId(1), region: 'eu-west-1' });

    const outcome = await sweepAccount(
      { accountId: memberAccountId(1), regions: ['us-east-1', 'eu-west-1'] },
      deps,
      options(),
    );

    expect(outcome.swept).toEqual(['us-east-1']);
    expect(outcome.failed.map((failure) => failure.region)).toEqual(['eu-west-1']);
    expect(outcome.unreachable).toEqual([]);
  });

  it('says an event path is broken once two runs in a row came only through the sweep', async () => {
    const assignment = { accountId: memberAccountId(1), regions: ['us-east-1'] };
    const scope = `${memberAccountId(1)}:us-east-1`;
    await deps.ledger.recordReportedBy(scope, 'sweep');

    const outcome = await sweepAccount(assignment, deps, options());

    expect(outcome.eventPathBroken).toEqual(['us-east-1']);
    expect(
      fake.metricData.filter((datum) => datum.name === 'EventPathBrokenTargets').map((datum) => datum.value),
    ).toEqual([1]);
    // An event delivered for the target starts the count over.
    expect(await deps.ledger.recordReportedBy(scope, 'event')).toBe(0);
  });
});

function freshMembers(): MemberReader {
  return new MemberReader({
    sts: new STSClient(clientConfig()),
    partition: 'aws',
    rolePrefix: PREFIX,
    ssmConfig: { endpoint: fake.endpoint, maxAttempts: 1 },
  });
}

describe('sweepAccount, changes of reach', () => {
  const account = memberAccountId(2);
  const role = `${PREFIX}-Read-eu-west-1`;
  const scope = `${account}:eu-west-1`;
  const assignment = { accountId: account, regions: ['us-east-1', 'eu-west-1'] };
  const subjects = () =>
    fake.published.map((message) => message.subject).filter((s) => !s?.startsWith('Window'));

  it('announces a Region that cannot be read once, and keeps its record from expiring while it stays so', async () => {
    // Prepare: the first sweep ran ten days ago, so its record is past half its time to live.
    fake.removeRole(account, role);
    const tenDaysAgo = { ...systemClock, now: () => Date.now() - 10 * 86_400_000 };
    const earlier = { ...deps, ledger: new Ledger(dynamo.client, table, 17 * 86_400, tenDaysAgo) };
    const first = await sweepAccount(assignment, earlier, options());
    const agedExpiry = (await deps.ledger.reachability([scope])).get(scope)?.expiresAt ?? 0;

    // Act
    const second = await sweepAccount(assignment, deps, options());

    // Assess
    expect([first.announcements, second.announcements]).toEqual([1, 0]);
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: read role missing or refused`]);
    const kept = (await deps.ledger.reachability([scope])).get(scope);
    expect(kept?.reach).toBe('unreachable');
    expect((kept?.expiresAt ?? 0) - agedExpiry).toBeGreaterThan(9 * 86_400);
  });

  it('announces a recovery once, with what it recovered from', async () => {
    // Prepare
    fake.removeRole(account, role);
    await sweepAccount(assignment, deps, options());
    fake.addRole(account, role, { regions: ['eu-west-1'] });
    // A new worker: the refusal the last one remembers does not outlive it.
    deps = { ...deps, reader: freshMembers() };

    // Act
    const recovered = await sweepAccount(assignment, deps, options());
    const quiet = await sweepAccount(assignment, deps, options());

    // Assess
    expect([recovered.announcements, quiet.announcements]).toEqual([1, 0]);
    expect(subjects()).toEqual([
      `Cannot read ${account} in eu-west-1: read role missing or refused`,
      `Can read ${account} in eu-west-1 again`,
    ]);
    expect(fake.published.at(-1)?.message).toContain('eu-west-1 (was: read role missing or refused, since ');
    const state = (await deps.ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'reachable' });
    expect(state?.announce).toBeUndefined();
  });

  it('re-sends, once, an unreachable announcement whose publish failed', async () => {
    // Prepare
    fake.removeRole(account, role);
    const lateTopic = 'arn:aws:sns:us-east-1:123456789012:alerts-late-down';
    const failing = { ...deps, config: { ...deps.config, alertTopicArn: lateTopic } };
    const failed = await sweepAccount(assignment, failing, options());
    fake.addTopic(lateTopic);

    // Act
    const resent = await sweepAccount(assignment, failing, options());
    const again = await sweepAccount(assignment, failing, options());

    // Assess
    expect([failed.announcements, resent.announcements, again.announcements]).toEqual([0, 1, 0]);
    expect(logs.map((log) => log.message)).toContain(
      'Could not announce a change of reach; the next sweep of the account announces it',
    );
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: read role missing or refused`]);
  });

  it("notices once the management account's missing member stack, counts it in no alarm, and announces when it is deployed", async () => {
    // Prepare
    fake.removeRole(account, role);
    const management = { ...assignment, management: true };

    // Act
    const missing = await sweepAccount(management, deps, { ...options(), reporting: 'task' });
    const stillMissing = await sweepAccount(management, deps, { ...options(), reporting: 'task' });
    fake.addRole(account, role, { regions: ['eu-west-1'] });
    // A new worker: the refusal the last one remembers does not outlive it.
    deps = { ...deps, reader: freshMembers() };
    const deployed = await sweepAccount(management, deps, { ...options(), reporting: 'task' });

    // Assess
    expect(missing).toMatchObject({ notDeployed: ['eu-west-1'], unreachable: [], announcements: 1 });
    expect(stillMissing).toMatchObject({ notDeployed: ['eu-west-1'], announcements: 0 });
    expect(deployed).toMatchObject({ notDeployed: [], announcements: 1 });
    expect(fake.metricData.filter((datum) => datum.name === 'UnreachableTargets')).toEqual([]);
    expect(subjects()).toEqual([
      `Management account ${account} not covered in eu-west-1: member stack not deployed`,
      `Management account ${account} now covered in eu-west-1`,
    ]);
    const notice = fake.published.find((message) => message.subject?.startsWith('Management account'));
    expect(notice?.message).toContain(
      `  AWS_REGION=eu-west-1 npx cdk deploy MaintenanceWindowMonitorMember -c organizationId=o-a1b2c3d4e5 -c centralAccountId=${fake.centralAccountId} -c centralRegion=us-east-1 -c reporting=task\n`,
    );
    expect(logs.map((log) => log.message)).toContain(
      'The management account has no member stack here: its runs are not reported (no alarm)',
    );
    // The management account's Region that was always readable is recorded as reached.
    const reach = await deps.ledger.reachability([`${account}:us-east-1`]);
    expect(reach.get(`${account}:us-east-1`)?.reachedAt).toBeTypeOf('number');
  });

  it('leaves a change another sender is announcing to that sender', async () => {
    // Prepare: an event found the Region unreachable and is announcing it now.
    await deps.ledger.markUnreachable(scope, 'assume-refused', 120_000);

    // Act
    const outcome = await sweepAccount(assignment, deps, options());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(subjects()).toEqual([]);
    expect((await deps.ledger.reachability([scope])).get(scope)).toMatchObject({
      reach: 'unreachable',
      announce: 'down',
    });
  });

  it('announces neither way a Region that recovered before its unreachable announcement was sent', async () => {
    // Prepare: the sender that won the change died; its lease has ended.
    await deps.ledger.markUnreachable(scope, 'assume-refused', -1_000);

    // Act
    const outcome = await sweepAccount(assignment, deps, options());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(subjects()).toEqual([]);
    const state = (await deps.ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'reachable' });
    expect(state?.announce).toBeUndefined();
  });

  it('counts a management Region that was readable before and no longer is as unreachable', async () => {
    // Prepare
    const management = { ...assignment, management: true };
    await sweepAccount(management, deps, options());
    fake.removeRole(account, role);

    // Act
    const outcome = await sweepAccount(management, deps, options());

    // Assess
    expect(outcome).toMatchObject({
      notDeployed: [],
      unreachable: [{ region: 'eu-west-1' }],
      announcements: 1,
    });
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: SSM reads denied`]);
  });
});

describe('sweepAccount, when its bookkeeping fails', () => {
  const account = memberAccountId(1);
  const warnings = () => logs.map((log) => log.message);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('still records and announces a Region gone unreachable when the ledger cannot be read first', async () => {
    // Prepare
    fake.removeRole(account, `${PREFIX}-Read-eu-west-1`);
    vi.spyOn(deps.ledger, 'reachability').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['eu-west-1'] }, deps, options());

    // Assess
    expect(outcome.announcements).toBe(1);
    expect(warnings()).toContain(
      'Could not read what the ledger knows of the Regions; recoveries are noted next sweep',
    );
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Cannot read ${account} in eu-west-1: read role missing or refused`,
    ]);
  });

  it('reports the runs, naming the account by ID, when its name cannot be recorded', async () => {
    // Prepare
    vi.spyOn(deps.ledger, 'recordAccountName').mockRejectedValueOnce(new Error('AccessDenied'));

    // Act
    const outcome = await sweepAccount(
      { accountId: account, accountName: 'member-1', regions: ['us-east-1'] },
      deps,
      options(),
    );

    // Assess
    expect(outcome.reported).toBe(1);
    expect(warnings()).toContain('Could not record the account name; alerts name the account by ID');
    expect(fake.published[0]?.message).toContain(`Account:           ${account}\n`);
  });

  it('still counts an unreachable Region when its change of reach cannot be recorded', async () => {
    // Prepare
    fake.removeRole(account, `${PREFIX}-Read-eu-west-1`);
    vi.spyOn(deps.ledger, 'markUnreachable').mockRejectedValueOnce(new Error('InternalServerError'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['eu-west-1'] }, deps, options());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(warnings()).toContain('Could not record or announce changes of reach; the next sweep tries again');
    expect(
      fake.metricData.filter((datum) => datum.name === 'UnreachableTargets').map((d) => d.value),
    ).toEqual([1]);
  });

  it('returns what it swept when the counts or the sweep-only runs cannot be recorded', async () => {
    // Prepare
    fake.removeRole(account, `${PREFIX}-Read-eu-west-1`);
    vi.spyOn(deps.clients.cloudWatch, 'send').mockRejectedValueOnce(new Error('Throttling'));
    const uncounted = await sweepAccount({ accountId: account, regions: ['eu-west-1'] }, deps, options());
    vi.spyOn(deps.ledger, 'recordReportedBy').mockRejectedValueOnce(new Error('Throttling'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['us-east-1'] }, deps, options());

    // Assess
    expect(uncounted.unreachable.map((target) => target.region)).toEqual(['eu-west-1']);
    expect(outcome).toMatchObject({ swept: ['us-east-1'], reported: 1, eventPathBroken: [] });
    expect(warnings()).toEqual(
      expect.arrayContaining([
        'Could not count the unreachable and broken targets; the logs above name them',
        'Could not record runs that came only through the sweep',
      ]),
    );
  });
});

describe('the event-path count, with per-task reporting', () => {
  it('counts runs, not tasks: one lost run of two tasks is one run that came only through the sweep', async () => {
    const ended = new Date(Date.now() + 1_000);
    const run = windowExecution(
      [taskExecution('RUN_COMMAND', { SUCCESS: 3 }), taskExecution('AUTOMATION', { FAILED: 1 })],
      windowId(0x7a5c),
      { startTime: new Date(ended.getTime() - 60_000), endTime: ended },
    );
    fake.addWindowExecution(run, { accountId: memberAccountId(1), region: 'us-east-1' });

    const outcome = await sweepAccount({ accountId: memberAccountId(1), regions: ['us-east-1'] }, deps, {
      ...options(),
      reporting: 'task',
    });

    // Two runs (the seeded one, with one task, and this one, with two): three task reports.
    expect(outcome.reported).toBe(3);
    expect(outcome.eventPathBroken).toEqual(['us-east-1']);
    expect(await deps.ledger.recordReportedBy(`${memberAccountId(1)}:us-east-1`, 'sweep')).toBe(3);
  });
});

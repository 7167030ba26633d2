/**
 * The reporting pipeline against the local AWS endpoint (SSM, CloudWatch, SNS, STS) and dynalite:
 * the fixture of the sweep's and of reportEvent's tests. Call `useLocalReport()` at the top of a
 * test file; the bindings below are set before each test. `deps` reports in one account (the home
 * account-Region, read with the function's own client); `orgDeps` reports for an Organization's
 * central account, reading each member account-Region through its read role.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Ledger } from '../../lambda/adapters/ledger';
import { MemberReader } from '../../lambda/adapters/member-reader';
import { HomeReader } from '../../lambda/adapters/ssm-reader';
import type { AccountRegion } from '../../lambda/core/account-region';
import type { ReportDeps } from '../../lambda/core/report-event';
import type { AccountSweepOptions, SweepOptions } from '../../lambda/core/sweep';
import {
  type StatusCounts,
  seedOrganization,
  taskExecution,
  windowExecution,
  windowId,
} from '../../tools/fixtures';
import { type FakeWindowExecution, LocalAws, type LocalDynamo, startDynamo } from '../../tools/local-aws';
import { HOME, ONE_ACCOUNT, organizationReach } from './records';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
export let fake: LocalAws;
export let dynamo: LocalDynamo;
export let deps: ReportDeps;
/** Reports as an Organization's central account (us-east-1), reading members through their roles. */
export let orgDeps: ReportDeps;
/** The prefix of the members' read roles (`<prefix>-Read-<Region>`). */
export const ROLE_PREFIX = 'MaintenanceWindowMonitor';
export let logs: { message: string; extra: Record<string, unknown> }[];
export let createdAt: number;
export let table: string;

export function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

/** Registers the fixture's hooks in the calling test file. */
export function useLocalReport(): void {
  beforeAll(async () => {
    fake = await LocalAws.start();
    fake.addTopic(TOPIC_ARN);
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await fake.stop();
    await dynamo.stop();
  });

  beforeEach(async () => {
    // Each test sees only its own executions, so counts are exact.
    fake.reset();
    table = await dynamo.createLedgerTable();
    const ledger = new Ledger(dynamo.client, table, 17 * 86_400);
    createdAt = (await ledger.createdAt()).getTime();
    logs = [];
    const log = (message: string, ...extra: Record<string, unknown>[]) =>
      logs.push({ message, extra: Object.assign({}, ...extra) });
    const ssm = new SSMClient(clientConfig());
    deps = {
      clients: {
        ssm,
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
      reach: ONE_ACCOUNT,
      reader: new HomeReader(ssm),
      delivery: { owner: 'sweep-request', leaseMs: () => 60_000, deadline: () => Date.now() + 55_000 },
    };
    orgDeps = {
      ...deps,
      reach: organizationReach({ accountId: fake.centralAccountId, region: 'us-east-1' }),
      reader: memberReader(),
    };
  });
}

/**
 * Registers, in the calling test file, the local AWS endpoint alone (no ledger): before each test
 * it is reset to an Organization of the central account and two member accounts (`seedOrganization`).
 * The fixture of the planner's tests.
 */
export function useLocalOrganization(): void {
  beforeAll(async () => {
    fake = await LocalAws.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
    seedOrganization(fake, { accounts: 2, regions: ['us-east-1', 'eu-west-1'] });
  });
}

/** A new reader of member accounts, as a new sweep worker has: it remembers no refused role. */
export function memberReader(): MemberReader {
  return new MemberReader({
    sts: new STSClient(clientConfig()),
    partition: 'aws',
    rolePrefix: ROLE_PREFIX,
    ssmConfig: { endpoint: fake.endpoint, maxAttempts: 1 },
  });
}

let nextWindow = 0x500;

/** The ID of a window no test used yet. */
export function nextWindowId(): string {
  nextWindow += 1;
  return windowId(nextWindow);
}

/**
 * An execution of a new window that ran `startOffset` ms after the ledger table was created, in
 * `accountRegion` (by default the home one: the account and Region of the function's own client).
 */
export function ran(
  startOffset: number,
  status: FakeWindowExecution['status'] = 'SUCCESS',
  counts: StatusCounts = { SUCCESS: 8, FAILED: 2 },
  accountRegion?: AccountRegion,
): FakeWindowExecution {
  const execution = windowExecution([taskExecution('RUN_COMMAND', counts)], nextWindowId(), {
    status,
    startTime: new Date(createdAt + startOffset),
    endTime: new Date(createdAt + startOffset + 1_000),
  });
  fake.addWindowExecution(execution, accountRegion ?? {});
  return execution;
}

export function options(overrides: Partial<SweepOptions> = {}): SweepOptions {
  const now = createdAt + 60_000;
  return {
    lookbackMs: 86_400_000,
    graceMs: 0,
    reporting: 'execution',
    deadline: Date.now() + 60_000,
    now,
    accountRegion: HOME,
    ...overrides,
  };
}

/** The options of a sweep of an assignment's Regions, as `options` sets them. */
export function accountOptions(overrides: Partial<AccountSweepOptions> = {}): AccountSweepOptions {
  const { accountRegion: _, windowIds: __, ...rest } = options(overrides);
  return rest;
}

export function published(execution: FakeWindowExecution) {
  return fake
    .callsTo('monitoring', 'PutMetricData')
    .filter((call) => JSON.stringify(call.input).includes(execution.windowId));
}

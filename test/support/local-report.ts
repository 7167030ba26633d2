/**
 * The reporting pipeline against the local AWS endpoint (SSM, CloudWatch, SNS) and dynalite, in one
 * account: the fixture of the sweep's and of reportEvent's tests. Call `useLocalReport()` at the top
 * of a test file; the bindings below are set before each test.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Ledger } from '../../lambda/adapters/ledger';
import { HomeReader } from '../../lambda/adapters/ssm-reader';
import type { ReportDeps } from '../../lambda/core/report-event';
import type { SweepOptions } from '../../lambda/core/sweep';
import {
  type FakeWindowExecution,
  LocalAws,
  type LocalDynamo,
  type StatusCounts,
  startDynamo,
  taskExecution,
  windowExecution,
  windowId,
} from '../../tools/local-aws';
import { HOME, ONE_ACCOUNT } from './records';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
export let fake: LocalAws;
export let dynamo: LocalDynamo;
export let deps: ReportDeps;
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
  });
}

let nextWindow = 0x500;

/** The ID of a window no test used yet. */
export function nextWindowId(): string {
  nextWindow += 1;
  return windowId(nextWindow);
}

/** An execution of a new window that ran `startOffset` ms after the ledger table was created. */
export function ran(
  startOffset: number,
  status: FakeWindowExecution['status'] = 'SUCCESS',
  counts: StatusCounts = { SUCCESS: 8, FAILED: 2 },
): FakeWindowExecution {
  const execution = windowExecution([taskExecution('RUN_COMMAND', counts)], nextWindowId(), {
    status,
    startTime: new Date(createdAt + startOffset),
    endTime: new Date(createdAt + startOffset + 1_000),
  });
  fake.addWindowExecution(execution);
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

export function published(execution: FakeWindowExecution) {
  return fake
    .callsTo('monitoring', 'PutMetricData')
    .filter((call) => JSON.stringify(call.input).includes(execution.windowId));
}

/**
 * Seeding the listed windows' heartbeats at deploy time, and the CloudFormation custom resource
 * protocol it is answered through, with real SDK clients against the local AWS endpoint.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DeployRequest,
  InvalidDeployRequestError,
  isDeployRequest,
  respond,
  seedProperties,
} from '../../../lambda/adapters/deploy-request';
import { Ledger, ledgerKey } from '../../../lambda/adapters/ledger';
import { type SeedDeps, seedHeartbeats } from '../../../lambda/core/heartbeat';
import { windowExecution, windowId } from '../../../tools/fixtures';
import type { FakeWindowExecution } from '../../../tools/local-aws';
import { testClock } from '../../support/clock';
import { useLocalAws } from '../../support/local-aws';

const HOUR = 3_600_000;
const NAMESPACE = 'MaintenanceWindowMonitor';
const aws = useLocalAws({ forwardDynamoDb: false });
let deps: SeedDeps;
let ledger: Ledger;
let logs: { message: string; extra: Record<string, unknown> }[];
let nextWindow = 0x7000;

beforeEach(async () => {
  aws.fake.clearCalls();
  const config = {
    endpoint: aws.fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
  ledger = new Ledger(aws.dynamo.client, await aws.dynamo.createLedgerTable(), 17 * 86_400);
  logs = [];
  const log = (message: string, ...extra: Record<string, unknown>[]) =>
    logs.push({ message, extra: Object.assign({}, ...extra) });
  deps = {
    clients: { ssm: new SSMClient(config), cloudWatch: new CloudWatchClient(config) },
    ledger,
    logger: { info: log, warn: log, error: log },
    clock: testClock(),
  };
});

/** A run of a new window that ended `hoursAgo` hours ago, with `status`. */
function ranAgo(
  hoursAgo: number,
  status: FakeWindowExecution['status'] = 'SUCCESS',
  window = windowId(++nextWindow),
) {
  const endTime = new Date(Date.now() - hoursAgo * HOUR);
  const execution = windowExecution([], window, {
    status,
    startTime: new Date(endTime.getTime() - HOUR),
    endTime,
  });
  aws.fake.addWindowExecution(execution);
  return execution;
}

function heartbeats() {
  return aws.fake.metricData.filter((datum) => datum.name === 'ExecutionsCompleted');
}

describe('seedHeartbeats', () => {
  it("publishes each window's latest run within the interval, and waits until it can read it back", async () => {
    // Prepare: a daily window that ran 20 and 44 hours ago, one whose last run was skipped
    const daily = ranAgo(20);
    ranAgo(44, 'SUCCESS', daily.windowId);
    const skippedOnly = ranAgo(3, 'SKIPPED_OVERLAPPING');
    const stopped = ranAgo(40);

    // Act
    const report = await seedHeartbeats(deps, {
      windowIds: [daily.windowId, skippedOnly.windowId, stopped.windowId],
      metricNamespace: NAMESPACE,
      expectedRunIntervalMs: 26 * HOUR,
      now: Date.now(),
      visibleWithinMs: 60_000,
    });

    // Assess
    expect(report).toEqual({
      seeded: { [daily.windowId]: daily.windowExecutionId },
      alreadyReported: [],
      noRecentRun: [skippedOnly.windowId, stopped.windowId],
      unreached: [],
      visible: true,
    });
    expect(heartbeats()).toEqual([
      {
        namespace: NAMESPACE,
        name: 'ExecutionsCompleted',
        dimensions: `WindowId=${daily.windowId}`,
        timestamp: daily.endTime?.getTime(),
        value: 1,
      },
    ]);
    expect(aws.fake.callsTo('monitoring', 'GetMetricData')).toHaveLength(1);
    expect(aws.fake.callsTo('sns')).toEqual([]);
  });

  it('does not publish again the heartbeat of a run the monitor reported, or is still reporting', async () => {
    // Prepare: one run reported; one whose invocations are still running, heartbeat published
    const reported = ranAgo(2);
    const key = ledgerKey(reported.windowExecutionId);
    await ledger.claim(key, 'event', 60_000, {});
    await ledger.complete(key, 'event');
    const deferred = ranAgo(3);
    const deferredKey = ledgerKey(deferred.windowExecutionId);
    await ledger.claim(deferredKey, 'event', 60_000, {});
    await ledger.recordMetrics(
      deferredKey,
      'event',
      { total: 1, failed: 0, timedOut: 0, cancelled: 0 },
      true,
    );
    await ledger.defer(deferredKey, 'event', 2);

    // Act
    const report = await seedHeartbeats(deps, {
      windowIds: [reported.windowId, deferred.windowId],
      metricNamespace: NAMESPACE,
      expectedRunIntervalMs: 26 * HOUR,
      now: Date.now(),
      visibleWithinMs: 60_000,
    });

    // Assess
    expect(report).toMatchObject({ seeded: {}, alreadyReported: [reported.windowId, deferred.windowId] });
    expect(aws.fake.callsTo('monitoring')).toEqual([]);
  });

  it('lists again a window whose runs could not be read, before giving up on it', async () => {
    // Prepare: SSM fails the second window's first listing
    const first = ranAgo(1);
    const second = ranAgo(1);
    aws.fake.failAfter({
      after: { service: 'ssm', operation: 'DescribeMaintenanceWindowExecutions' },
      service: 'ssm',
      calls: 1,
    });
    const clock = testClock();

    // Act
    const report = await seedHeartbeats(
      { ...deps, clock },
      {
        windowIds: [first.windowId, second.windowId],
        metricNamespace: NAMESPACE,
        expectedRunIntervalMs: 26 * HOUR,
        now: Date.now(),
        visibleWithinMs: 60_000,
      },
    );

    // Assess
    expect(report.seeded).toEqual({
      [first.windowId]: first.windowExecutionId,
      [second.windowId]: second.windowExecutionId,
    });
    expect(report.unreached).toEqual([]);
    expect(clock.waits).toEqual([5_000]);
  });

  it('names the windows it still cannot read after the retries, and seeds the others', async () => {
    // Prepare: SSM refuses every listing of one window
    const readable = ranAgo(1);
    const unreadable = 'mw-0000000000000zzzz';
    const clock = testClock();

    // Act
    const report = await seedHeartbeats(
      { ...deps, clock },
      {
        windowIds: [readable.windowId, unreadable],
        metricNamespace: NAMESPACE,
        expectedRunIntervalMs: 26 * HOUR,
        now: Date.now(),
        visibleWithinMs: 60_000,
      },
    );

    // Assess
    expect(report.seeded).toEqual({ [readable.windowId]: readable.windowExecutionId });
    expect(report.unreached).toEqual([
      { windowId: unreadable, error: expect.stringContaining('ValidationException') },
    ]);
    expect(clock.waits).toEqual([5_000, 10_000, 20_000]);
    expect(aws.fake.callsTo('ssm', 'DescribeMaintenanceWindowExecutions')).toHaveLength(5);
  });

  it('reads back through errors, and does not fail the deploy when reading back never works', async () => {
    // Prepare: every read-back fails
    const window = ranAgo(1);
    aws.fake.failAfter({
      after: { service: 'monitoring', operation: 'PutMetricData' },
      service: 'monitoring',
      calls: 1_000,
      error: { code: 'InternalServiceError', statusCode: 500 },
    });

    // Act
    const report = await seedHeartbeats(deps, {
      windowIds: [window.windowId],
      metricNamespace: NAMESPACE,
      expectedRunIntervalMs: 26 * HOUR,
      now: Date.now(),
      visibleWithinMs: 25,
      pollMs: 10,
    });

    // Assess
    expect(report).toMatchObject({ seeded: { [window.windowId]: window.windowExecutionId }, visible: false });
    expect(aws.fake.callsTo('monitoring', 'GetMetricData').length).toBeGreaterThanOrEqual(2);
    expect(logs.map((log) => log.message)).toContain('Could not read the seeded heartbeats back yet');
  });

  it('polls until the seeded data can be read', async () => {
    // Prepare: the first read-back fails, the second finds the data
    const window = ranAgo(1);
    aws.fake.failAfter({
      after: { service: 'monitoring', operation: 'PutMetricData' },
      service: 'monitoring',
      calls: 1,
    });
    const clock = testClock();
    const patient = { ...deps, clock };

    // Act
    const report = await seedHeartbeats(patient, {
      windowIds: [window.windowId],
      metricNamespace: NAMESPACE,
      expectedRunIntervalMs: 26 * HOUR,
      now: Date.now(),
      visibleWithinMs: 60_000,
    });

    // Assess
    expect(report.visible).toBe(true);
    expect(clock.waits).toEqual([10_000]);
    expect(aws.fake.callsTo('monitoring', 'GetMetricData').map((call) => call.errorCode ?? 'ok')).toEqual([
      'InternalServerError',
      'ok',
    ]);
  });
});

describe('the CloudFormation custom resource protocol', () => {
  function request(overrides: Partial<DeployRequest> = {}): DeployRequest {
    return {
      RequestType: 'Create',
      ResponseURL: `${aws.fake.endpoint}/cloudformation-response/seed`,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Monitor/1',
      RequestId: 'request-1',
      LogicalResourceId: 'MonitorHeartbeatSeed',
      ResourceProperties: {
        WindowIds: ['mw-00000000000000001'],
        ExpectedRunIntervalHours: '26',
        MetricNamespace: NAMESPACE,
      },
      ...overrides,
    };
  }

  it('recognises a request, and nothing else', () => {
    expect(isDeployRequest(request())).toBe(true);
    expect(isDeployRequest({ 'detail-type': 'Scheduled Event', source: 'aws.events' })).toBe(false);
    expect(isDeployRequest(null)).toBe(false);
    expect(isDeployRequest({ ...request(), RequestType: 'Replace' })).toBe(false);
  });

  it('reads the properties CloudFormation passes as strings', () => {
    expect(seedProperties(request())).toEqual({
      windowIds: ['mw-00000000000000001'],
      expectedRunIntervalHours: 26,
      metricNamespace: NAMESPACE,
    });
  });

  it.each([
    [
      { WindowIds: 'mw-00000000000000001', ExpectedRunIntervalHours: '26', MetricNamespace: 'N' },
      'ResourceProperties.WindowIds',
    ],
    [
      { WindowIds: ['mw-1'], ExpectedRunIntervalHours: '26', MetricNamespace: 'N' },
      'ResourceProperties.WindowIds',
    ],
    [
      { WindowIds: [], ExpectedRunIntervalHours: '0', MetricNamespace: 'N' },
      'ResourceProperties.ExpectedRunIntervalHours',
    ],
    [
      { WindowIds: [], ExpectedRunIntervalHours: '169', MetricNamespace: 'N' },
      'ResourceProperties.ExpectedRunIntervalHours',
    ],
    [{ WindowIds: [], ExpectedRunIntervalHours: '26' }, 'ResourceProperties.MetricNamespace'],
  ])('refuses properties %j, naming %s', (properties, field) => {
    const read = () => seedProperties(request({ ResourceProperties: properties }));
    expect(read).toThrow(InvalidDeployRequestError);
    expect(read).toThrow(field);
  });

  it('answers with a stable physical ID, and fails loudly when the answer is not taken', async () => {
    // Act
    await respond(request(), { status: 'SUCCESS', reason: 'x'.repeat(5_000), data: { Seeded: 1 } });
    await respond(request({ RequestType: 'Update', PhysicalResourceId: 'kept' }), {
      status: 'SUCCESS',
      reason: 'ok',
    });
    const refused = respond(request({ ResponseURL: `${aws.fake.endpoint}/elsewhere` }), {
      status: 'FAILED',
      reason: 'no',
    });

    // Assess
    const [created, updated] = aws.fake.cloudFormationResponses.map((response) => response.body);
    expect(created).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'MonitorHeartbeatSeed-heartbeat-seed',
      StackId: request().StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'MonitorHeartbeatSeed',
      Data: { Seeded: 1 },
    });
    expect(String(created?.Reason)).toHaveLength(1_000);
    expect(updated?.PhysicalResourceId).toBe('kept');
    await expect(refused).rejects.toThrow("CloudFormation's response URL answered 403");
  });
});

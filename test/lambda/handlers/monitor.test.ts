/**
 * The handler against mocked SDK clients: call order, arguments and error mapping. The same code,
 * bundled, is run against the local AWS endpoint in test/report.test.ts and the other integration files.
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DescribeMaintenanceWindowExecutionsCommand,
  DescribeMaintenanceWindowExecutionTaskInvocationsCommand,
  DescribeMaintenanceWindowExecutionTasksCommand,
  DescribeMaintenanceWindowsCommand,
  DoesNotExistException,
  GetMaintenanceWindowCommand,
  type MaintenanceWindowExecutionStatus,
  type MaintenanceWindowExecutionTaskInvocationIdentity,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../../lambda/adapters/ledger';
import { accountRegionScope } from '../../../lambda/core/account-region';
import { reportHandler } from '../../../lambda/handlers/report';
import { createRuntime } from '../../../lambda/handlers/runtime';
import { sweepHandler } from '../../../lambda/handlers/sweep';
import { sweepAccountHandler } from '../../../lambda/handlers/sweep-account';
import { type LocalDynamo, startDynamo } from '../../../tools/local-aws';
import { testClock } from '../../support/clock';
import { ORGANIZATION_ENV } from '../../support/organization-env';
import { useResponseUrl } from '../../support/response-url';

const ssm = mockClient(SSMClient);
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
const WINDOW_ID = 'mw-0ed7251d3fcf6e0c2';
const WINDOW_EXECUTION_ID = '14bea65d-5ccc-462d-a2f3-e99c81234567';
const TASK_ID = '6417e808-7f35-4d1a-843f-123456789012';

/** `minutes` ago, as SSM writes times: ISO 8601 with a fraction of `digits` digits. */
function ago(minutes: number, digits = 3): string {
  const iso = new Date(Date.now() - minutes * 60_000).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23).padEnd(digits, '7').slice(0, digits)}Z`;
}

// Runs that ended an hour ago: the handler refuses times far in the past or the future.
const EVENT = {
  source: 'aws.ssm',
  'detail-type': 'Maintenance Window Task Execution State-change Notification',
  time: ago(59).replace(/\.\d+Z$/, 'Z'),
  detail: {
    'window-id': WINDOW_ID,
    'window-execution-id': WINDOW_EXECUTION_ID,
    'task-execution-id': TASK_ID,
    status: 'FAILED',
    'start-time': ago(70, 1),
    'end-time': ago(60, 2),
  },
};

const EXECUTION_EVENT = {
  source: 'aws.ssm',
  'detail-type': 'Maintenance Window Execution State-change Notification',
  time: ago(59).replace(/\.\d+Z$/, 'Z'),
  detail: {
    'window-id': WINDOW_ID,
    'window-execution-id': WINDOW_EXECUTION_ID,
    status: 'SUCCESS',
    'start-time': ago(120, 1),
    'end-time': ago(60, 6),
  },
};
const SUCCESSFUL_TASK_EVENT = { ...EVENT, detail: { ...EVENT.detail, status: 'SUCCESS' } };
const SECOND_TASK_ID = '7528f919-8046-4e2b-954a-234567890123';
const SECOND_EXECUTION_ID = '25cfb76e-6ddd-473e-b3f4-f0ad92345678';

let requests = 0;

/** A fresh Lambda context: each invocation is a separate delivery unless told otherwise. */
function context(awsRequestId = `request-${++requests}`): Context {
  return {
    functionName: 'monitor',
    awsRequestId,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:monitor',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 120_000,
  } as Context;
}

function invocations(
  status: MaintenanceWindowExecutionStatus,
  count: number,
  offset = 0,
): MaintenanceWindowExecutionTaskInvocationIdentity[] {
  return Array.from({ length: count }, (_, i) => ({
    InvocationId: `00000000-0000-4000-8000-${(offset + i).toString(16).padStart(12, '0')}`,
    Status: status,
    TaskType: 'RUN_COMMAND',
    Parameters: JSON.stringify({
      instanceIds: [`i-${(offset + i).toString(16).padStart(17, '0')}`],
      secret: 'hunter2',
    }),
    OwnerInformation: 'hunter2',
  }));
}

/** The monitor's entry points over a runtime built from the environment as it is now. */
function monitor() {
  const runtime = createRuntime(process.env);
  return {
    handler: reportHandler(runtime),
    sweep: sweepHandler(runtime),
    sweepAccount: sweepAccountHandler(runtime),
  };
}

async function loadHandler() {
  return monitor().handler;
}

async function loadSweep() {
  return monitor().sweep;
}

let logs: string[];
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo.stop());

beforeEach(async () => {
  // The ledger is a real DynamoDB engine (dynalite); only SSM, CloudWatch and SNS are mocked.
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
  vi.stubEnv('LEDGER_TABLE_NAME', await dynamo.createLedgerTable());
  vi.stubEnv('LEDGER_RETENTION_DAYS', '17');
  vi.stubEnv('REPORTING', 'execution');
  vi.stubEnv('SWEEP_LOOKBACK_MINUTES', '1440');
  vi.stubEnv('SWEEP_GRACE_MINUTES', '15');
  ssm.reset();
  cloudWatch.reset();
  sns.reset();
  vi.stubEnv('ALERT_TOPIC_ARN', TOPIC_ARN);
  vi.stubEnv('METRIC_NAMESPACE', 'MaintenanceWindowMonitor');
  vi.stubEnv('FAILURE_CAUSES', 'off');
  vi.stubEnv('MAX_CAUSE_READS', '50');
  logs = [];
  for (const method of ['info', 'error', 'warn', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((line: string) => {
      logs.push(line);
    });
  }
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('handler', () => {
  it('reads every page, publishes metrics once, then alerts', async () => {
    // Prepare
    ssm
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand)
      .resolvesOnce({
        WindowExecutionTaskInvocationIdentities: invocations('SUCCESS', 100),
        NextToken: 'page-2',
      })
      .resolvesOnce({
        WindowExecutionTaskInvocationIdentities: invocations('FAILED', 100, 100),
        NextToken: 'page-3',
      })
      .resolvesOnce({ WindowExecutionTaskInvocationIdentities: invocations('TIMED_OUT', 7, 200) });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
    const handler = await loadHandler();

    // Act
    const report = await handler(EVENT, context());

    // Assess
    expect(report).toEqual({
      total: 207,
      failed: 100,
      timedOut: 7,
      cancelled: 0,
      tasks: 1,
      alertMessageId: 'message-1',
    });
    expect(ssm).toHaveReceivedCommandTimes(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, 3);
    expect(ssm).toHaveReceivedNthCommandWith(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, 1, {
      WindowExecutionId: WINDOW_EXECUTION_ID,
      TaskId: TASK_ID,
      MaxResults: 100,
    });
    expect(ssm).toHaveReceivedNthCommandWith(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, 3, {
      NextToken: 'page-3',
      MaxResults: 100,
    });
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: 'MaintenanceWindowMonitor',
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      MessageAttributes: {
        window_id: { DataType: 'String', StringValue: WINDOW_ID },
        status: { DataType: 'String', StringValue: 'FAILED' },
        execution_status: { DataType: 'String', StringValue: 'FAILED' },
      },
    });
    const counted = logs
      .map((line) => JSON.parse(line))
      .find((line) => line.message === 'Counted task invocations');
    expect(counted).toMatchObject({
      windowId: WINDOW_ID,
      windowExecutionId: WINDOW_EXECUTION_ID,
      taskExecutionId: TASK_ID,
      pages: 3,
      total: 207,
    });
    expect(logs.join('\n')).not.toContain('hunter2');
  });

  it("lists a window execution's tasks, counts each, and names the window in one alert", async () => {
    // Prepare
    ssm.on(DescribeMaintenanceWindowExecutionTasksCommand).resolves({
      WindowExecutionTaskIdentities: [
        {
          TaskExecutionId: TASK_ID,
          TaskType: 'RUN_COMMAND',
          TaskArn: 'AWS-RunPatchBaseline',
          Status: 'SUCCESS',
        },
        {
          TaskExecutionId: SECOND_TASK_ID,
          TaskType: 'AUTOMATION',
          TaskArn: 'AWS-RestartEC2Instance',
          Status: 'FAILED',
        },
      ],
    });
    ssm
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, { TaskId: TASK_ID })
      .resolves({
        WindowExecutionTaskInvocationIdentities: [
          ...invocations('SUCCESS', 30),
          ...invocations('FAILED', 2, 30),
        ],
      })
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, { TaskId: SECOND_TASK_ID })
      .resolves({ WindowExecutionTaskInvocationIdentities: invocations('TIMED_OUT', 3, 100) });
    ssm.on(GetMaintenanceWindowCommand).resolves({ WindowId: WINDOW_ID, Name: 'patch-prod' });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'message-2' });
    const handler = await loadHandler();

    // Act
    const report = await handler(EXECUTION_EVENT, context());

    // Assess
    expect(report).toEqual({
      total: 35,
      failed: 2,
      timedOut: 3,
      cancelled: 0,
      tasks: 2,
      alertMessageId: 'message-2',
    });
    expect(ssm).toHaveReceivedCommandWith(DescribeMaintenanceWindowExecutionTasksCommand, {
      WindowExecutionId: WINDOW_EXECUTION_ID,
      MaxResults: 100,
    });
    expect(ssm).toHaveReceivedCommandTimes(DescribeMaintenanceWindowExecutionTaskInvocationsCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetMaintenanceWindowCommand, { WindowId: WINDOW_ID });
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: `Maintenance window patch-prod (${WINDOW_ID}): 2 failed, 3 timed out of 35 targets`,
    });
  });

  it('still alerts, by window ID, when the window name cannot be read', async () => {
    // Prepare
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).resolves({
      WindowExecutionTaskInvocationIdentities: invocations('FAILED', 1),
    });
    ssm.on(GetMaintenanceWindowCommand).rejects(new Error('AccessDenied'));
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'message-3' });
    const handler = await loadHandler();

    // Act
    const report = await handler(EVENT, context());

    // Assess
    expect(report).toMatchObject({ alertMessageId: 'message-3' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: `Maintenance window ${WINDOW_ID}: 1 failed, 0 timed out of 1 targets`,
    });
    const warning = logs.map((line) => JSON.parse(line)).find((line) => line.level === 'WARN');
    expect(warning).toMatchObject({ error: 'Error: AccessDenied', windowId: WINDOW_ID });
  });

  it('rejects a malformed event before any AWS call and logs the field', async () => {
    // Prepare
    const handler = await loadHandler();

    // Act
    const call = handler(
      { ...EVENT, detail: { ...EVENT.detail, 'task-execution-id': 'c9b05aba-197f-4d8d-be34-e73fbEXAMPLE' } },
      context(),
    );

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'InvalidEventError',
      field: 'detail.task-execution-id',
    });
    expect(ssm).not.toHaveReceivedAnyCommand();
    expect(cloudWatch).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(JSON.parse(logs.at(-1) ?? '{}')).toMatchObject({
      level: 'ERROR',
      field: 'detail.task-execution-id',
    });
  });

  it('publishes nothing and rethrows when the execution no longer exists', async () => {
    // Prepare
    ssm
      .on(DescribeMaintenanceWindowExecutionTasksCommand)
      .rejects(new DoesNotExistException({ message: 'does not exist', $metadata: {} }));
    const handler = await loadHandler();

    // Act
    const call = handler(EXECUTION_EVENT, context());

    // Assess
    await expect(call).rejects.toBeInstanceOf(DoesNotExistException);
    expect(ssm).not.toHaveReceivedCommand(DescribeMaintenanceWindowExecutionTaskInvocationsCommand);
    expect(cloudWatch).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(JSON.parse(logs.at(-1) ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'SSM no longer has this execution (its history expired or was deleted); nothing was published',
      windowExecutionId: WINDOW_EXECUTION_ID,
    });
  });

  it('does not alert when the metrics could not be published', async () => {
    // Prepare
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).resolves({
      WindowExecutionTaskInvocationIdentities: invocations('FAILED', 3),
    });
    cloudWatch.on(PutMetricDataCommand).rejects(new Error('CloudWatch is down'));
    const handler = await loadHandler();

    // Act
    const call = handler(EVENT, context());

    // Assess
    await expect(call).rejects.toThrow('CloudWatch is down');
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(JSON.parse(logs.at(-1) ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'Failed to report the execution',
    });
  });

  it("fails, to be retried and alarmed on, when SSM denies the function's own reads (no member to announce)", async () => {
    // Prepare
    ssm
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client' }),
      );
    const handler = await loadHandler();

    // Act
    const call = handler(EVENT, context());

    // Assess
    await expect(call).rejects.toThrow('not authorized');
    expect(cloudWatch).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(logs.join('\n')).not.toContain('replay');
    expect(JSON.parse(logs.at(-1) ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'Failed to report the execution',
    });
  });

  it('ignores, before any AWS call, an event of a window it does not watch', async () => {
    // Prepare: many windows listed, so the rule matches every window and the function filters
    vi.stubEnv('WINDOW_IDS', 'mw-0123456789abcdef0,mw-0123456789abcdef1');
    const handler = await loadHandler();

    // Act: a well-formed event, and a malformed one, of a window not watched
    const result = await handler(EVENT, context());
    const malformed = await handler({ ...EVENT, detail: { ...EVENT.detail, 'end-time': 'soon' } }, context());

    // Assess
    expect(result).toEqual({ ignored: 'window not watched' });
    expect(malformed).toEqual({ ignored: 'window not watched' });
    expect(ssm).not.toHaveReceivedAnyCommand();
    expect(cloudWatch).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it("does not carry one execution's log keys into the next invocation", async () => {
    // Prepare
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).resolves({});
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const handler = await loadHandler();
    await handler(SUCCESSFUL_TASK_EVENT, context());

    // Act
    await expect(handler({ source: 'aws.ssm' }, context())).rejects.toThrow('detail-type');

    // Assess
    expect(JSON.parse(logs.at(-1) ?? '{}').windowId).toBeUndefined();
  });
});

describe('exactly once', () => {
  function failingRun() {
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).resolves({
      WindowExecutionTaskInvocationIdentities: [
        ...invocations('SUCCESS', 20),
        ...invocations('FAILED', 3, 20),
      ],
    });
    ssm.on(GetMaintenanceWindowCommand).resolves({ WindowId: WINDOW_ID, Name: 'patch-prod' });
    cloudWatch.on(PutMetricDataCommand).resolves({});
  }

  it('ends quietly, without a retry, when another delivery takes its lease mid-way', async () => {
    // Prepare: while this delivery publishes its metrics, another (another request ID) takes the lease
    failingRun();
    const table = process.env.LEDGER_TABLE_NAME as string;
    const dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint });
    cloudWatch.on(PutMetricDataCommand).callsFake(async () => {
      const { Items: items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
      for (const item of items) {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: item.pk as { S: string } },
            UpdateExpression: 'SET leaseOwner = :other, leaseUntil = :until',
            ExpressionAttributeValues: {
              ':other': { S: 'request-other/attempt' },
              ':until': { N: String(Date.now() + 600_000) },
            },
          }),
        );
      }
      return {};
    });
    const handler = await loadHandler();

    // Act
    const outcome = await handler(EVENT, context());

    // Assess: a success (no Lambda retry, whose request ID would take the lease back), said in a warning
    expect(outcome).toEqual({ duplicate: true, inProgress: true });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    const lines = logs.map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.level === 'ERROR').map((line) => line.message)).toEqual([
      expect.stringContaining('another delivery took the lease'),
    ]);
    expect(lines.map((line) => line.message)).toContain(
      'Another delivery took over this execution mid-way; it finishes the report',
    );
  });

  it('lets only one of two simultaneous deliveries report; the other succeeds without reporting', async () => {
    // Prepare
    failingRun();
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
    const handler = await loadHandler();

    // Act
    const outcomes = await Promise.all([handler(EVENT, context()), handler(EVENT, context())]);

    // Assess: no failed invocation, so no Errors data point and no error alarm for a harmless duplicate
    expect(outcomes).toContainEqual({ duplicate: true, inProgress: true });
    expect(outcomes).toContainEqual(expect.objectContaining({ failed: 3, alertMessageId: 'message-1' }));
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const lines = logs.map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.level === 'WARN' || line.level === 'ERROR')).toEqual([]);
    expect(lines.map((line) => line.message)).toContain(
      'Another delivery of this execution is reporting it; nothing to do',
    );
  });

  it('resumes after a crash between the metrics and the alert without publishing the metrics again', async () => {
    // Prepare: SNS fails the first attempt, after the metrics went out
    failingRun();
    sns.on(PublishCommand).rejectsOnce(new Error('SNS is down')).resolves({ MessageId: 'message-2' });
    const handler = await loadHandler();
    await expect(handler(EVENT, context('retried-request'))).rejects.toThrow('SNS is down');

    // Act: Lambda retries the same event with the same request ID
    const retry = await handler(EVENT, context('retried-request'));

    // Assess
    expect(retry).toMatchObject({ failed: 3, alertMessageId: 'message-2' });
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    const resumed = logs.map((line) => JSON.parse(line)).map((line) => line.message);
    expect(resumed).toContain('Metrics were published by an earlier attempt; not publishing them again');
  });
});

describe('sweep', () => {
  it('sweeps the configured windows, listing runs from a day before the ledger table existed', async () => {
    // Prepare: the table was just created, so it (not the two-hour look-back) bounds the search
    vi.stubEnv('WINDOW_IDS', `${WINDOW_ID}, mw-0123456789abcdef0`);
    vi.stubEnv('SWEEP_LOOKBACK_MINUTES', '120');
    ssm.on(DescribeMaintenanceWindowExecutionsCommand).resolves({ WindowExecutions: [] });
    const table = await dynamo.client.send(
      new DescribeTableCommand({ TableName: process.env.LEDGER_TABLE_NAME }),
    );
    const created = table.Table?.CreationDateTime?.getTime() ?? Number.NaN;
    const sweep = await loadSweep();

    // Act
    const report = await sweep({}, context());

    // Assess
    expect(report).toMatchObject({ windows: 2, candidates: 0, reported: [], unreached: [] });
    expect(ssm).not.toHaveReceivedCommand(DescribeMaintenanceWindowsCommand);
    const windows = ssm
      .commandCalls(DescribeMaintenanceWindowExecutionsCommand)
      .map((call) => call.args[0].input);
    expect(windows.map((input) => input.WindowId)).toEqual([WINDOW_ID, 'mw-0123456789abcdef0']);
    // Whole seconds, the only form the API documents (2024-11-04T05:00:00Z).
    const after = new Date(Math.floor((created - 24 * 3_600_000) / 1000) * 1000);
    expect(windows[0]?.Filters).toEqual([
      { Key: 'ExecutedAfter', Values: [after.toISOString().replace('.000Z', 'Z')] },
    ]);
  });

  it('logs and rethrows when it cannot finish', async () => {
    // Prepare
    ssm.on(DescribeMaintenanceWindowsCommand).rejects(new Error('SSM is down'));
    const sweep = await loadSweep();

    // Act
    const call = sweep({}, context());

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'SweepIncompleteError' });
    expect(JSON.parse(logs.at(-1) ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'The sweep did not finish; the next one tries again',
    });
  });
});

describe('sweep, as the CloudFormation custom resource that seeds heartbeats', () => {
  const cloudFormation = useResponseUrl();

  function request(properties: Record<string, unknown>) {
    return {
      RequestType: 'Create',
      ResponseURL: cloudFormation.url,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Monitor/1',
      RequestId: 'request-1',
      LogicalResourceId: 'MonitorHeartbeatSeed',
      ResourceProperties: properties,
    };
  }

  it("publishes the listed windows' latest runs and answers SUCCESS, counting windows that did not run", async () => {
    // Prepare: one window ran 3 hours ago, the other not within the interval
    const ended = new Date(Date.now() - 3 * 3_600_000);
    ssm
      .on(DescribeMaintenanceWindowExecutionsCommand, { WindowId: WINDOW_ID })
      .resolves({
        WindowExecutions: [
          { WindowExecutionId: WINDOW_EXECUTION_ID, Status: 'SUCCESS', StartTime: ended, EndTime: ended },
        ],
      })
      .on(DescribeMaintenanceWindowExecutionsCommand, { WindowId: 'mw-0123456789abcdef0' })
      .resolves({ WindowExecutions: [] });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'w0', Values: [1] }] });
    const sweep = await loadSweep();

    // Act
    const result = await sweep(
      request({
        WindowIds: [WINDOW_ID, 'mw-0123456789abcdef0'],
        ExpectedRunIntervalHours: '26',
        MetricNamespace: 'MaintenanceWindowMonitor',
      }),
      context(),
    );

    // Assess
    expect(result).toBeUndefined();
    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        Reason: 'Seeded the heartbeat of 1 window(s); 1 had no run within 26 hours',
        Data: { Seeded: 1, NoRecentRun: 1, Unreached: 0 },
      }),
    ]);
    expect(cloudWatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('answers SUCCESS, naming the windows it could not read after its retries, and logs them as an error', async () => {
    // Prepare: one window's runs cannot be listed however often it is asked; the waits are not real.
    ssm
      .on(DescribeMaintenanceWindowExecutionsCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client' }),
      );
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const sweep = await loadSweep();
    vi.useFakeTimers({ toFake: ['setTimeout'] });

    // Act
    const answering = sweep(
      request({
        WindowIds: [WINDOW_ID],
        ExpectedRunIntervalHours: '26',
        MetricNamespace: 'MaintenanceWindowMonitor',
      }),
      context(),
    );
    // Each wait is skipped as soon as it starts, however slowly the machine gets there.
    while (ssm.commandCalls(DescribeMaintenanceWindowExecutionsCommand).length < 4) {
      await vi.advanceTimersByTimeAsync(1_000);
    }
    vi.useRealTimers();
    await answering;

    // Assess
    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        Reason: `Seeded the heartbeat of 0 window(s); 0 had no run within 26 hours; could not read ${WINDOW_ID}`,
        Data: { Seeded: 0, NoRecentRun: 0, Unreached: 1 },
      }),
    ]);
    expect(ssm).toHaveReceivedCommandTimes(DescribeMaintenanceWindowExecutionsCommand, 4);
    expect(logs.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'Could not read the runs of some windows; their missed-run alarms may fire',
        unreached: [{ windowId: WINDOW_ID, error: 'AccessDeniedException: not authorized' }],
      }),
    );
  });

  it('answers FAILED, with the reason, when the properties are not what the construct sets', async () => {
    const sweep = await loadSweep();
    await sweep(
      request({
        WindowIds: 'all',
        ExpectedRunIntervalHours: '26',
        MetricNamespace: 'MaintenanceWindowMonitor',
      }),
      context(),
    );
    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringContaining('ResourceProperties.WindowIds'),
      }),
    ]);
    expect(ssm).not.toHaveReceivedAnyCommand();
  });

  it('answers a deletion at once', async () => {
    const sweep = await loadSweep();
    await sweep({ ...request({}), RequestType: 'Delete', PhysicalResourceId: 'seed' }, context());
    expect(cloudFormation.responses).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'seed' }),
    ]);
  });
});

describe('configuration at cold start', () => {
  it('fails to load, naming the variable, when a setting is missing (each is checked by readConfig)', async () => {
    vi.stubEnv('ALERT_TOPIC_ARN', '');
    await expect(loadHandler()).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('Environment variable ALERT_TOPIC_ARN is not set'),
    });
  });

  it('loads and reports without the settings only the sweep needs', async () => {
    // Prepare
    for (const name of ['REPORTING', 'SWEEP_LOOKBACK_MINUTES', 'SWEEP_GRACE_MINUTES']) vi.stubEnv(name, '');
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).resolves({
      WindowExecutionTaskInvocationIdentities: invocations('SUCCESS', 2),
    });
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const handler = await loadHandler();

    // Act
    const report = await handler(SUCCESSFUL_TASK_EVENT, context());

    // Assess
    expect(report).toMatchObject({ total: 2, failed: 0 });
  });

  it('fails the sweep, loudly, when one of its settings is malformed (each is checked by readSweepSettings)', async () => {
    vi.stubEnv('REPORTING', 'window');
    const sweep = await loadSweep();
    await expect(sweep({}, context())).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(
        'Environment variable REPORTING must be execution or task, got "window"',
      ),
    });
  });
});

describe('configuration at cold start, in Organization mode', () => {
  const ORG_ENV = ORGANIZATION_ENV;
  it('refuses a scheduled sweep of its own account: the planner queues the sweep account by account', async () => {
    for (const [key, setting] of Object.entries(ORG_ENV)) vi.stubEnv(key, setting);
    const sweep = await loadSweep();

    await expect(sweep({}, context())).rejects.toThrow(
      'In Organization mode the planner queues the sweep, account by account (sweepAccount)',
    );
  });
});

describe('Organization mode', () => {
  const MEMBER = '111122223333';
  const ORG_ENV = { ...ORGANIZATION_ENV, ROLE_PREFIX: 'MWM' };
  const MEMBER_EVENT = {
    ...SUCCESSFUL_TASK_EVENT,
    account: MEMBER,
    region: 'eu-west-1',
    detail: { ...EVENT.detail },
  };
  const credentials = {
    Credentials: {
      AccessKeyId: 'ASIAMEMBER',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3_600_000),
    },
  };
  const parsedLogs = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  /** The access key each SSM call is signed with: the mocks skip signing, so resolve it as signing would. */
  const signedWith: string[] = [];
  function signing<T>(output: T) {
    return async (_input: unknown, getClient: () => SSMClient) => {
      const credentials = await (getClient().config.credentials as () => Promise<{ accessKeyId: string }>)();
      signedWith.push(credentials.accessKeyId);
      return output;
    };
  }

  beforeEach(() => {
    sts.reset();
    signedWith.length = 0;
    for (const [key, value] of Object.entries(ORG_ENV)) vi.stubEnv(key, value);
  });

  async function loadOrg() {
    return monitor();
  }

  /** A member's run with `failed` failed targets, read as the role; its metrics and alert accepted. */
  function memberRun(failed: number): void {
    ssm
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand)
      .callsFake(signing({ WindowExecutionTaskInvocationIdentities: invocations('FAILED', failed) }));
    ssm.on(GetMaintenanceWindowCommand).callsFake(signing({ Name: 'patch-payments' }));
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  }

  it("reports a member's run as its read role, naming the account and Region in metrics and alert", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(credentials);
    memberRun(2);
    const { handler } = await loadOrg();

    // Act
    const report = await handler(MEMBER_EVENT, context());

    // Assess
    expect(report).toMatchObject({ total: 2, failed: 2 });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/MWM-Read-eu-west-1`,
    });
    expect(signedWith).toEqual(['ASIAMEMBER', 'ASIAMEMBER']);
    const metrics = cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input;
    expect(metrics?.MetricData?.map((datum) => datum.Dimensions?.map((d) => d.Value).join(','))).toContain(
      MEMBER,
    );
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: `Window patch-payments in ${MEMBER}/eu-west-1: 2 failed, 0 timed out of 2 targets`,
    });
    expect(parsedLogs().find((line) => line.message === 'Counted task invocations')?.target).toBe(
      `${MEMBER}/eu-west-1`,
    );
  });

  it('names, counts and announces a member that cannot be read, logs its event for a replay, and succeeds', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized',
      }),
    );
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).callsFake(signing({}));
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await loadOrg();
    const withOwner = {
      ...MEMBER_EVENT,
      detail: { ...MEMBER_EVENT.detail, 'owner-information': 'Owner: patch-team, pager 555-0100' },
    };

    // Act
    const result = await handler(withOwner, context());

    // Assess: no failure for Lambda to retry three times, one count, one announcement.
    expect(result).toEqual({ unreachable: `${MEMBER}/eu-west-1`, cause: 'assume-refused', announced: true });
    const counted = cloudWatch
      .commandCalls(PutMetricDataCommand)
      .map((call) => call.args[0].input.MetricData?.[0]);
    expect(counted).toEqual([
      expect.objectContaining({ MetricName: 'UnreachableTargets', Value: 1, Dimensions: [] }),
    ]);
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Subject)).toEqual([
      `Cannot read ${MEMBER} in eu-west-1: read role missing or refused`,
    ]);
    expect(parsedLogs().find((line) => line.level === 'ERROR')).toMatchObject({
      message: expect.stringContaining('replay this event'),
      target: `${MEMBER}/eu-west-1`,
      cause: 'assume-refused',
      replay: MEMBER_EVENT,
    });
    // The window's owner information is the operator's, not the logs'.
    expect(logs.join('\n')).not.toContain('555-0100');
  });

  it('announces a member whose reads are denied although its role exists (a policy, a Region off) once, however many events', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials);
    ssm
      .on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client' }),
      );
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await loadOrg();

    const results = [await handler(MEMBER_EVENT, context()), await handler(MEMBER_EVENT, context())];

    expect(results).toEqual([
      { unreachable: `${MEMBER}/eu-west-1`, cause: 'reads-denied', announced: true },
      { unreachable: `${MEMBER}/eu-west-1`, cause: 'reads-denied', announced: false },
    ]);
    expect(
      cloudWatch
        .commandCalls(PutMetricDataCommand)
        .map((call) => call.args[0].input.MetricData?.[0]?.MetricName),
    ).toEqual(['UnreachableTargets', 'UnreachableTargets']);
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Subject)).toEqual([
      `Cannot read ${MEMBER} in eu-west-1: SSM reads denied`,
    ]);
    expect(parsedLogs().find((line) => line.level === 'ERROR')).toMatchObject({
      target: `${MEMBER}/eu-west-1`,
      reason: 'AccessDeniedException: not authorized',
    });
  });

  it('reads a target again when the ledger says it recovered since the refusal this container remembers', async () => {
    // Prepare: the role is refused, and this container remembers it; then the sweep finds it back.
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(
        new STSServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: {},
          message: 'not authorized',
        }),
      )
      .resolves(credentials);
    memberRun(1);
    const { handler } = await loadOrg();
    expect(await handler(MEMBER_EVENT, context())).toMatchObject({ announced: true });
    const sweepLedger = new Ledger(
      dynamo.client,
      process.env.LEDGER_TABLE_NAME as string,
      17 * 86_400,
      testClock(Date.now() + 60_000),
    );
    const scope = accountRegionScope({ accountId: MEMBER, region: 'eu-west-1' });
    const recovered = await sweepLedger.markReachable(scope, 60_000);
    await sweepLedger.announced(scope, (recovered as { announceSeq: number }).announceSeq);
    sns.resetHistory();

    // Act: a later run's event, in the same container.
    const later = {
      ...MEMBER_EVENT,
      detail: { ...MEMBER_EVENT.detail, 'window-execution-id': SECOND_EXECUTION_ID },
    };
    const report = await handler(later, context());

    // Assess: reported, and no second "cannot read".
    expect(report).toMatchObject({ total: 1, failed: 1 });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Subject)).toEqual([
      `Window patch-payments in ${MEMBER}/eu-west-1: 1 failed, 0 timed out of 1 targets`,
    ]);
  });

  it('does not read again a target whose refusal this container remembers while the ledger has no recovery since', async () => {
    // Prepare: the role is refused once, and this container remembers the refusal.
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(
        new STSServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: {},
          message: 'not authorized',
        }),
      )
      .resolves(credentials);
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).callsFake(signing({}));
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await loadOrg();
    expect(await handler(MEMBER_EVENT, context())).toMatchObject({ announced: true });
    const later = {
      ...MEMBER_EVENT,
      detail: { ...MEMBER_EVENT.detail, 'window-execution-id': SECOND_EXECUTION_ID },
    };

    // Act
    const result = await handler(later, context());

    // Assess: the remembered refusal holds; the role is not asked again, and nothing is announced twice.
    expect(result).toEqual({ unreachable: `${MEMBER}/eu-west-1`, cause: 'assume-refused', announced: false });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('reports a run even when the ledger cannot record that the event path works, with a warning', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(credentials);
    memberRun(1);
    const { handler } = await loadOrg();
    vi.spyOn(Ledger.prototype, 'recordReportedBy').mockRejectedValue(new Error('table gone'));

    // Act
    const report = await handler(MEMBER_EVENT, context());

    // Assess
    expect(report).toMatchObject({ total: 1, failed: 1 });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(parsedLogs().find((line) => line.level === 'WARN')).toMatchObject({
      message: 'Could not record that the event path works',
      error: expect.stringContaining('table gone'),
    });
  });

  it('still succeeds for an unreachable member when neither its count nor the ledger can be written, with warnings', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized',
      }),
    );
    ssm.on(DescribeMaintenanceWindowExecutionTaskInvocationsCommand).callsFake(signing({}));
    cloudWatch
      .on(PutMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' }));
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await loadOrg();
    vi.spyOn(Ledger.prototype, 'markUnreachable').mockRejectedValue(new Error('table gone'));

    // Act
    const result = await handler(MEMBER_EVENT, context());

    // Assess: no failure for Lambda to retry; not announced, since the ledger could not say it is first.
    expect(result).toEqual({ unreachable: `${MEMBER}/eu-west-1`, cause: 'assume-refused', announced: false });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(parsedLogs().filter((line) => line.level === 'WARN')).toEqual([
      expect.objectContaining({ message: 'Could not count the unreachable target' }),
      expect.objectContaining({
        message: 'Could not record that the target is unreachable; the next sweep does',
        error: expect.stringContaining('table gone'),
      }),
    ]);
  });

  it('names the member by its ID, with a warning, when the ledger cannot give its name', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(credentials);
    memberRun(1);
    const { handler } = await loadOrg();
    vi.spyOn(Ledger.prototype, 'accountName').mockRejectedValue(new Error('table gone'));

    // Act
    const report = await handler(MEMBER_EVENT, context());

    // Assess
    expect(report).toMatchObject({ total: 1, failed: 1 });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: `Window patch-payments in ${MEMBER}/eu-west-1: 1 failed, 0 timed out of 1 targets`,
    });
    expect(parsedLogs().find((line) => line.level === 'WARN')).toMatchObject({
      message: 'Could not read the account name; the alert names the account by ID',
      error: expect.stringContaining('table gone'),
    });
  });

  describe('sweepAccount', () => {
    const message = (body: unknown, messageId = 'm-1') =>
      ({
        Records: [{ messageId, body: typeof body === 'string' ? body : JSON.stringify(body) }],
      }) as SQSEvent;

    it('sweeps each Region of the account and acknowledges the message', async () => {
      // Prepare
      sts.on(AssumeRoleCommand).resolves(credentials);
      ssm.on(DescribeMaintenanceWindowsCommand).callsFake(signing({ WindowIdentities: [] }));
      const { sweepAccount } = await loadOrg();

      // Act
      const response = await sweepAccount(
        message({ accountId: MEMBER, accountName: 'payments', regions: ['us-east-1', 'eu-west-1'] }),
        context(),
      );

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
      expect(parsedLogs().find((line) => line.message === 'Swept the account')).toMatchObject({
        accountId: MEMBER,
        swept: expect.arrayContaining(['us-east-1', 'eu-west-1']),
      });
    });

    it('gives a message back to the queue when a Region failed for a passing reason', async () => {
      sts.on(AssumeRoleCommand).resolves(credentials);
      ssm
        .on(DescribeMaintenanceWindowsCommand)
        .rejects(
          Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }),
        );
      const { sweepAccount } = await loadOrg();

      const response = await sweepAccount(
        message({ accountId: MEMBER, regions: ['eu-west-1'] }, 'm-7'),
        context(),
      );

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-7' }] });
    });

    it('drops, loudly, a message that is not an assignment: delivering it again cannot help', async () => {
      const { sweepAccount } = await loadOrg();

      const response = await sweepAccount(message('not json'), context());

      expect(response).toEqual({ batchItemFailures: [] });
      expect(parsedLogs().find((line) => line.level === 'ERROR')?.message).toBe(
        'Dropped a message that is not a sweep assignment',
      );
    });

    it('fails the whole batch when its settings are missing', async () => {
      vi.stubEnv('SWEEP_LOOKBACK_MINUTES', '');
      const { sweepAccount } = await loadOrg();

      await expect(
        sweepAccount(message({ accountId: MEMBER, regions: ['eu-west-1'] }), context()),
      ).rejects.toMatchObject({
        name: 'ConfigError',
      });
    });
  });
});

/**
 * The local AWS endpoint, exercised with the real SDK clients: if these pass, the wire shapes the
 * monitor's tests rely on are the ones the SDK sends and parses.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DescribeMaintenanceWindowExecutionTaskInvocationsCommand,
  DescribeMaintenanceWindowExecutionTasksCommand,
  GetMaintenanceWindowCommand,
  paginateDescribeMaintenanceWindowExecutionTaskInvocations,
  paginateDescribeMaintenanceWindowExecutionTasks,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskExecution, uuid, windowExecution, windowId } from '../../tools/fixtures';
import { LocalAws } from '../../tools/local-aws';
import { Faults } from '../../tools/local-aws/faults';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alerts';
let fake: LocalAws;
let ssm: SSMClient;
let cloudWatch: CloudWatchClient;
let sns: SNSClient;

beforeAll(async () => {
  fake = await LocalAws.start();
  fake.addTopic(TOPIC_ARN);
  ssm = new SSMClient(clientConfig());
  cloudWatch = new CloudWatchClient(clientConfig());
  sns = new SNSClient(clientConfig());
});

function clientConfig(maxAttempts = 1) {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts,
  };
}

afterAll(() => fake.stop());
beforeEach(() => fake.clearCalls());

async function listAll(client: SSMClient, windowExecutionId: string, taskId: string, pageSize?: number) {
  const records = [];
  const pages = paginateDescribeMaintenanceWindowExecutionTaskInvocations(
    { client, ...(pageSize ? { pageSize } : {}) },
    { WindowExecutionId: windowExecutionId, TaskId: taskId },
  );
  for await (const page of pages) records.push(...(page.WindowExecutionTaskInvocationIdentities ?? []));
  return records;
}

describe('SSM DescribeMaintenanceWindowExecutionTaskInvocations', () => {
  it('pages through every invocation with NextToken, in order, with typed fields', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 230, FAILED: 20 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const records = await listAll(ssm, execution.windowExecutionId, task.taskExecutionId, 100);

    // Assess
    expect(records.map((r) => r.InvocationId)).toEqual(task.invocations.map((i) => i.InvocationId));
    expect(fake.calls.map((c) => c.input.MaxResults)).toEqual([100, 100, 100]);
    const first = records[0];
    expect(first?.StartTime).toBeInstanceOf(Date);
    expect(first?.StartTime?.getTime()).toBe(task.invocations[0]?.StartTime?.getTime());
    expect(first).toMatchObject({
      WindowExecutionId: execution.windowExecutionId,
      TaskExecutionId: task.taskExecutionId,
      TaskType: 'RUN_COMMAND',
    });
  });

  it('uses a page size of 10 when MaxResults is omitted', async () => {
    // Prepare
    const task = taskExecution('LAMBDA', { SUCCESS: 25 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const records = await listAll(ssm, execution.windowExecutionId, task.taskExecutionId);

    // Assess
    expect(records).toHaveLength(25);
    expect(fake.calls).toHaveLength(3);
  });

  it.each([9, 101, 0])('rejects MaxResults %i with a ValidationException', async (maxResults) => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 1 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const call = ssm.send(
      new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({
        WindowExecutionId: execution.windowExecutionId,
        TaskId: task.taskExecutionId,
        MaxResults: maxResults,
      }),
    );

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('rejects IDs that do not match the API pattern', async () => {
    const call = ssm.send(
      new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({
        WindowExecutionId: '14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE',
        TaskId: uuid(),
      }),
    );
    await expect(call).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers DoesNotExistException for an unknown execution or task', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 1 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const unknownExecution = listAll(ssm, uuid(), task.taskExecutionId);
    const unknownTask = listAll(ssm, execution.windowExecutionId, uuid());

    // Assess
    await expect(unknownExecution).rejects.toMatchObject({ name: 'DoesNotExistException' });
    await expect(unknownTask).rejects.toMatchObject({ name: 'DoesNotExistException' });
  });

  it('rejects a NextToken it did not issue for this task', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 1 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const call = ssm.send(
      new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({
        WindowExecutionId: execution.windowExecutionId,
        TaskId: task.taskExecutionId,
        NextToken: 'not-a-token',
      }),
    );

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('filters by STATUS', async () => {
    // Prepare
    const task = taskExecution('STEP_FUNCTIONS', { SUCCESS: 30, FAILED: 4, TIMED_OUT: 2 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);

    // Act
    const output = await ssm.send(
      new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({
        WindowExecutionId: execution.windowExecutionId,
        TaskId: task.taskExecutionId,
        Filters: [{ Key: 'STATUS', Values: ['FAILED', 'TIMED_OUT'] }],
        MaxResults: 100,
      }),
    );

    // Assess
    expect(output.WindowExecutionTaskInvocationIdentities?.map((r) => r.Status).sort()).toEqual([
      'FAILED',
      'FAILED',
      'FAILED',
      'FAILED',
      'TIMED_OUT',
      'TIMED_OUT',
    ]);
  });
});

describe('SSM DescribeMaintenanceWindowExecutionTasks', () => {
  it('pages through the tasks of an execution with their type, document and status', async () => {
    // Prepare
    const tasks = Array.from({ length: 12 }, (_, i) =>
      taskExecution(
        i % 2 ? 'AUTOMATION' : 'RUN_COMMAND',
        { SUCCESS: 1 },
        i === 3 ? { status: 'FAILED' } : {},
      ),
    );
    const execution = windowExecution(tasks);
    fake.addWindowExecution(execution);

    // Act
    const listed = [];
    for await (const page of paginateDescribeMaintenanceWindowExecutionTasks(
      { client: ssm, pageSize: 10 },
      { WindowExecutionId: execution.windowExecutionId },
    )) {
      listed.push(...(page.WindowExecutionTaskIdentities ?? []));
    }

    // Assess
    expect(fake.calls).toHaveLength(2);
    expect(listed.map((task) => task.TaskExecutionId)).toEqual(tasks.map((task) => task.taskExecutionId));
    expect(listed[3]).toMatchObject({
      TaskType: 'AUTOMATION',
      TaskArn: 'AWS-RestartEC2Instance',
      Status: 'FAILED',
    });
    expect(listed[0]?.EndTime).toBeInstanceOf(Date);
  });

  it('filters tasks by STATUS and rejects unknown executions', async () => {
    // Prepare
    const execution = windowExecution([
      taskExecution('RUN_COMMAND', { SUCCESS: 1 }),
      taskExecution('LAMBDA', { FAILED: 1 }, { status: 'FAILED' }),
    ]);
    fake.addWindowExecution(execution);

    // Act
    const failed = await ssm.send(
      new DescribeMaintenanceWindowExecutionTasksCommand({
        WindowExecutionId: execution.windowExecutionId,
        Filters: [{ Key: 'STATUS', Values: ['FAILED'] }],
      }),
    );
    const unknown = ssm.send(
      new DescribeMaintenanceWindowExecutionTasksCommand({ WindowExecutionId: uuid() }),
    );

    // Assess
    expect(failed.WindowExecutionTaskIdentities?.map((task) => task.TaskType)).toEqual(['LAMBDA']);
    await expect(unknown).rejects.toMatchObject({ name: 'DoesNotExistException' });
  });
});

describe('SSM GetMaintenanceWindow', () => {
  it('returns the name of a known window and DoesNotExist for others', async () => {
    // Prepare
    fake.addWindow({ windowId: windowId(7), name: 'patch-prod' });

    // Act
    const known = await ssm.send(new GetMaintenanceWindowCommand({ WindowId: windowId(7) }));
    const unknown = ssm.send(new GetMaintenanceWindowCommand({ WindowId: windowId(8) }));
    const invalid = ssm.send(new GetMaintenanceWindowCommand({ WindowId: 'mw-123' }));

    // Assess
    expect(known).toMatchObject({ WindowId: windowId(7), Name: 'patch-prod' });
    await expect(unknown).rejects.toMatchObject({ name: 'DoesNotExistException' });
    await expect(invalid).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('faults', () => {
  it('fails every Nth call, with throttling by default; the SDK retries and the result is unchanged', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 480, FAILED: 20 });
    const execution = windowExecution([task]);
    fake.addWindowExecution(execution);
    const retrying = new SSMClient(clientConfig(4));
    fake.failEveryNth({ everyNth: 3, service: 'ssm' });

    // Act
    const records = await listAll(retrying, execution.windowExecutionId, task.taskExecutionId, 100);

    // Assess
    expect(records).toHaveLength(500);
    const throttled = fake.calls.filter((c) => c.errorCode === 'ThrottlingException');
    expect(throttled).toHaveLength(2);
    expect(fake.calls.filter((c) => c.statusCode === 200)).toHaveLength(5);
  });

  it('rate-limits by request count: the same calls are throttled however much time passes between them', () => {
    // Prepare: a clock this test moves, and the same ten calls sent back to back, then a minute apart
    vi.useFakeTimers({ toFake: ['performance', 'Date'] });
    const outcomes = (pauseMs: number) => {
      const faults = new Faults();
      faults.rateLimit({ service: 'ssm', burst: 2, servedShare: 0.5 });
      return Array.from({ length: 10 }, () => {
        vi.advanceTimersByTime(pauseMs);
        try {
          faults.check('ssm', 'DescribeMaintenanceWindows', {
            accountId: '123456789012',
            region: 'us-east-1',
          });
          return 'ok';
        } catch (error) {
          return (error as { code: string }).code;
        }
      });
    };

    try {
      // Act
      const fast = outcomes(0);
      const slow = outcomes(60_000);

      // Assess: the burst (2 tokens, half a token back per call) serves three, then every other one
      const throttled = 'ThrottlingException';
      expect(fast).toEqual(['ok', 'ok', 'ok', throttled, 'ok', throttled, 'ok', throttled, 'ok', throttled]);
      expect(slow).toEqual(fast);
    } finally {
      vi.useRealTimers();
    }
  });

  it('surfaces throttling when the client does not retry', async () => {
    // Prepare
    fake.failEveryNth({ everyNth: 1, service: 'monitoring' });

    // Act
    const call = cloudWatch.send(
      new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 1 }] }),
    );

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'Throttling' });
  });

  it('delays every response by latencyMs', async () => {
    // Prepare
    fake.latencyMs = 50;
    const started = performance.now();

    // Act
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 1 }] }),
    );

    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('holds the Nth matching call unanswered, doing nothing, until released', async () => {
    // Prepare
    const second = fake.hold({ service: 'sns', operation: 'Publish', nth: 2 });
    const publish = (text: string) => sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: text }));
    await publish('first');

    // Act
    const held = publish('second');
    await second.reached;
    const whileHeld = { published: fake.published.map((m) => m.message), calls: fake.calls.length };
    second.release();
    await held;
    await publish('third');

    // Assess
    expect(whileHeld).toEqual({ published: ['first'], calls: 1 });
    expect(fake.published.map((m) => m.message)).toEqual(['first', 'second', 'third']);
  });

  it('refuses unsigned requests', async () => {
    const response = await fetch(fake.endpoint, { method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('CloudWatch PutMetricData', () => {
  it('accepts a gzip-compressed request and records the decoded metrics', async () => {
    // Prepare: more than the SDK's 10 KB compression threshold
    const metricData = Array.from({ length: 200 }, (_, i) => ({
      MetricName: 'FailedInvocations',
      Dimensions: [{ Name: 'WindowId', Value: `mw-${i.toString(16).padStart(17, '0')}` }],
      Value: i,
      Unit: 'Count' as const,
      Timestamp: new Date(),
    }));

    // Act
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: 'MaintenanceWindowMonitor', MetricData: metricData }),
    );

    // Assess
    const [call] = fake.callsTo('monitoring', 'PutMetricData');
    expect(call?.contentEncoding).toBe('gzip');
    expect(call?.input.MetricData).toHaveLength(200);
  });

  it.each([
    ['a namespace under AWS/', { Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'M', Value: 1 }] }],
    [
      'a timestamp older than two weeks',
      {
        Namespace: 'Test',
        MetricData: [{ MetricName: 'M', Value: 1, Timestamp: new Date(Date.now() - 15 * 86_400_000) }],
      },
    ],
    [
      'more than 30 dimensions',
      {
        Namespace: 'Test',
        MetricData: [
          {
            MetricName: 'M',
            Value: 1,
            Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })),
          },
        ],
      },
    ],
    [
      'an unknown unit',
      { Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 1, Unit: 'Parsecs' as 'Count' }] },
    ],
  ])('rejects %s with InvalidParameterValue', async (_, input) => {
    await expect(cloudWatch.send(new PutMetricDataCommand(input))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });

  it('requires MetricData', async () => {
    await expect(
      cloudWatch.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [] })),
    ).rejects.toMatchObject({
      name: 'MissingRequiredParameterException',
    });
  });
});

describe('SNS Publish', () => {
  it('accepts a message with attributes and returns a message ID', async () => {
    // Act
    const output = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC_ARN,
        Subject: 'Maintenance window mw-00000000000000001: 1 failed',
        Message: 'body & <details>',
        MessageAttributes: { window_id: { DataType: 'String', StringValue: 'mw-00000000000000001' } },
      }),
    );

    // Assess
    expect(output.MessageId).toBe(fake.published[0]?.messageId);
    expect(fake.published[0]).toMatchObject({
      topicArn: TOPIC_ARN,
      message: 'body & <details>',
      attributes: { window_id: { DataType: 'String', StringValue: 'mw-00000000000000001' } },
    });
  });

  it('answers NotFound for a topic that does not exist', async () => {
    const call = sns.send(new PublishCommand({ TopicArn: `${TOPIC_ARN}-missing`, Message: 'x' }));
    await expect(call).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it.each([
    ['a subject with a line break', { Subject: 'line\nbreak', Message: 'x' }],
    ['a subject of 100 characters', { Subject: 'x'.repeat(100), Message: 'x' }],
    ['a non-ASCII subject', { Subject: 'Wartungsfenster fehlgeschlagen ü', Message: 'x' }],
    ['a message over 256 KB', { Message: 'x'.repeat(256 * 1024 + 1) }],
  ])('rejects %s with InvalidParameter', async (_, input) => {
    const call = sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, ...input }));
    await expect(call).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(fake.published).toHaveLength(0);
  });
});

describe('reset', () => {
  it('forgets executions and windows as well as calls, but keeps the topics', async () => {
    // Prepare
    const execution = windowExecution([taskExecution('RUN_COMMAND', { SUCCESS: 1 })], windowId(0x7e5e7));
    fake.addWindowExecution(execution);
    fake.addWindow({ windowId: execution.windowId, name: 'soon-gone' });

    // Act
    fake.reset();

    // Assess
    await expect(
      ssm.send(
        new DescribeMaintenanceWindowExecutionTasksCommand({
          WindowExecutionId: execution.windowExecutionId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'DoesNotExistException' });
    await expect(
      ssm.send(new GetMaintenanceWindowCommand({ WindowId: execution.windowId })),
    ).rejects.toMatchObject({
      name: 'DoesNotExistException',
    });
    await expect(
      sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'still here' })),
    ).resolves.toMatchObject({
      MessageId: expect.any(String),
    });
    expect(fake.calls.map((call) => call.errorCode ?? 'ok')).toEqual([
      'DoesNotExistException',
      'DoesNotExistException',
      'ok',
    ]);
  });
});

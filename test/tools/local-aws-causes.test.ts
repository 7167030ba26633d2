/**
 * The local endpoint's cause reads, exercised with the real SDK clients: Run Command's
 * ListCommandInvocations / GetCommandInvocation (the SSM Agent's output truncation at its exact
 * boundaries), Automation's GetAutomationExecution / DescribeAutomationStepExecutions, Step
 * Functions' DescribeExecution, the faults on them, and their data kept per account-Region.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  paginateDescribeAutomationStepExecutions,
  paginateListCommandInvocations,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memberAccountId, uuid } from '../../tools/fixtures';
import {
  type FakeAutomationStep,
  type FakeCommand,
  type FakeCommandStep,
  INLINE_STEP_EXECUTIONS,
  LocalAws,
} from '../../tools/local-aws';

const CENTRAL = '123456789012';
const CENTRAL_CREDENTIALS = { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'central-secret' };
const ERROR_TITLE = '\n----------ERROR-------\n';
const OUT_CUT = '\n---Output truncated---';
const ERR_CUT = '\n---Error truncated----';
const SUFFIX = '--output truncated--';
/** The agent's arithmetic for a 2,500-character Output with stderr: the space left after the title, its half, and what each half keeps when both are long. */
const AVAILABLE = 2500 - ERROR_TITLE.length;
const HALF = Math.floor(AVAILABLE / 2);
const KEEP = Math.floor((AVAILABLE - OUT_CUT.length - ERR_CUT.length) / 2);
let fake: LocalAws;
let ssm: SSMClient;
let sfn: SFNClient;

function config({
  region = 'us-east-1',
  credentials = CENTRAL_CREDENTIALS as AwsCredentialIdentity,
  maxAttempts = 1,
} = {}) {
  return { endpoint: fake.endpoint, region, credentials, maxAttempts };
}

beforeAll(async () => {
  fake = await LocalAws.start();
  ssm = new SSMClient(config());
  sfn = new SFNClient(config());
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

/** What a call failed with (undefined if it succeeded), awaited at once so no rejection goes unhandled. */
function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function node(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

function step(overrides: Partial<FakeCommandStep> = {}): FakeCommandStep {
  return { name: 'aws:runShellScript', status: 'Failed', stdout: 'out', stderr: 'err', ...overrides };
}

function command(overrides: Partial<FakeCommand> = {}): FakeCommand {
  return {
    commandId: uuid(),
    documentName: 'AWS-RunShellScript',
    requestedAt: new Date('2026-11-28T02:00:00Z'),
    invocations: [{ instanceId: node(1), steps: [step()] }],
    ...overrides,
  };
}

/** A string of `n` characters that shows where it was cut: `a`s then `b`s would hide nothing, so digits. */
function text(n: number, fill = 'o'): string {
  return Array.from({ length: n }, (_, i) => (i % 100 === 0 ? String((i / 100) % 10) : fill)).join('');
}

describe('SSM ListCommandInvocations', () => {
  it('lists a command invocation without its steps, or with each step and its Output when Details is set', async () => {
    // Prepare
    const started = new Date('2026-11-28T02:00:01Z');
    const ended = new Date('2026-11-28T02:01:31Z');
    const cmd = command({
      documentName: 'AWS-RunPatchBaseline',
      invocations: [
        {
          instanceId: node(1),
          instanceName: 'ip-10-0-0-1.ec2.internal',
          steps: [
            step({ name: 'PatchWindows', status: 'Success', stdout: 'skipped', stderr: '' }),
            step({
              name: 'PatchLinux',
              responseCode: 100,
              stdout: 'log',
              stderr: 'E: lock',
              startTime: started,
              endTime: ended,
            }),
          ],
        },
      ],
    });
    fake.addCommand(cmd);

    // Act
    const plain = await ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId }));
    const detailed = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: cmd.commandId, Details: true }),
    );

    // Assess
    expect(plain.CommandInvocations).toHaveLength(1);
    expect(plain.CommandInvocations?.[0]).toMatchObject({
      CommandId: cmd.commandId,
      InstanceId: node(1),
      InstanceName: 'ip-10-0-0-1.ec2.internal',
      DocumentName: 'AWS-RunPatchBaseline',
      RequestedDateTime: new Date('2026-11-28T02:00:00Z'),
      Status: 'Failed',
      StatusDetails: 'Failed',
      StandardOutputUrl: '',
      CommandPlugins: [],
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    });
    expect(detailed.CommandInvocations?.[0]?.CommandPlugins).toEqual([
      expect.objectContaining({
        Name: 'PatchWindows',
        Status: 'Success',
        ResponseCode: 0,
        Output: 'skipped',
      }),
      expect.objectContaining({
        Name: 'PatchLinux',
        Status: 'Failed',
        StatusDetails: 'Failed',
        ResponseCode: 100,
        ResponseStartDateTime: started,
        ResponseFinishDateTime: ended,
        Output: `log${ERROR_TITLE}E: lock`,
      }),
    ]);
    expect(fake.callsTo('ssm', 'ListCommandInvocations').map((c) => c.action)).toEqual([
      'ssm:ListCommandInvocations',
      'ssm:ListCommandInvocations',
    ]);
  });

  it.each([
    // [case, stdout length, stderr length, expected Output] at the agent's boundaries
    [
      'both fit, one short of the space',
      1000,
      AVAILABLE - 1001,
      (o: string, e: string) => o + ERROR_TITLE + e,
    ],
    [
      'both exactly fill the space: stderr is cut (the agent needs strictly less)',
      1000,
      AVAILABLE - 1000,
      (o: string, e: string) => o + ERROR_TITLE + e.slice(0, AVAILABLE - ERR_CUT.length - 1000) + ERR_CUT,
    ],
    [
      'both over half: each keeps its head',
      3000,
      HALF + 1,
      (o: string, e: string) => o.slice(0, KEEP) + OUT_CUT + ERROR_TITLE + e.slice(0, KEEP) + ERR_CUT,
    ],
    [
      'long stdout, stderr at half: stdout cut, stderr whole',
      3000,
      HALF,
      (o: string, e: string) => o.slice(0, AVAILABLE - OUT_CUT.length - HALF) + OUT_CUT + ERROR_TITLE + e,
    ],
    ['no stderr: no title, 2,499 characters fit', 2499, 0, (o: string) => o],
    ['no stderr, 2,500 characters: cut', 2500, 0, (o: string) => o.slice(0, 2500 - OUT_CUT.length) + OUT_CUT],
  ])('builds Output as the SSM Agent does: %s', async (_, outLength, errLength, expected) => {
    // Prepare
    const stdout = text(outLength, 'o');
    const stderr = text(errLength, 'e');
    const cmd = command({ invocations: [{ instanceId: node(1), steps: [step({ stdout, stderr })] }] });
    fake.addCommand(cmd);

    // Act
    const output = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: cmd.commandId, Details: true }),
    );

    // Assess
    const plugin = output.CommandInvocations?.[0]?.CommandPlugins?.[0];
    expect(plugin?.Output).toBe(expected(stdout, stderr));
    expect(plugin?.Output?.length).toBeLessThanOrEqual(2500);
  });

  it('builds Output from the 24,000/8,000-character heads, cut marks included', async () => {
    // Prepare
    const cmd = command({
      invocations: [
        { instanceId: node(1), steps: [step({ stdout: text(30_000), stderr: text(9000, 'e') })] },
      ],
    });
    fake.addCommand(cmd);

    // Act
    const output = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: cmd.commandId, Details: true }),
    );

    // Assess
    expect(output.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output).toBe(
      text(KEEP) + OUT_CUT + ERROR_TITLE + text(KEEP, 'e') + ERR_CUT,
    );
  });

  it('pages through every invocation with NextToken, 1 to 50 a page, and filters them', async () => {
    // Prepare: a command on 7 nodes, 3 of them failed
    const cmd = command({
      invocations: Array.from({ length: 7 }, (_, i) => ({
        instanceId: node(i + 1),
        steps: [step({ status: i % 3 === 0 ? 'Failed' : 'Success' })],
      })),
    });
    fake.addCommand(cmd);
    fake.addCommand(
      command({ documentName: 'AWS-RunPatchBaseline', requestedAt: new Date('2026-11-29T00:00:00Z') }),
    );

    // Act
    const nodes: string[] = [];
    for await (const page of paginateListCommandInvocations(
      { client: ssm, pageSize: 3 },
      { CommandId: cmd.commandId },
    )) {
      expect(page.CommandInvocations?.length).toBeLessThanOrEqual(3);
      nodes.push(...(page.CommandInvocations ?? []).map((i) => i.InstanceId ?? ''));
    }
    const failed = await ssm.send(
      new ListCommandInvocationsCommand({
        CommandId: cmd.commandId,
        Filters: [{ key: 'Status', value: 'Failed' }],
      }),
    );
    const oneNode = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: cmd.commandId, InstanceId: node(2) }),
    );
    const byDocument = await ssm.send(
      new ListCommandInvocationsCommand({
        Filters: [
          { key: 'DocumentName', value: 'AWS-RunPatchBaseline' },
          { key: 'InvokedAfter', value: '2026-11-28T12:00:00Z' },
        ],
      }),
    );
    const tooMany = await failure(
      ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId, MaxResults: 51 })),
    );
    const none = await failure(
      ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId, MaxResults: 0 })),
    );
    const stage = await failure(
      ssm.send(
        new ListCommandInvocationsCommand({ Filters: [{ key: 'ExecutionStage', value: 'Executing' }] }),
      ),
    );
    const badToken = await failure(
      ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId, NextToken: 'not-a-token' })),
    );

    // Assess
    expect(nodes).toEqual(Array.from({ length: 7 }, (_, i) => node(i + 1)));
    expect(failed.CommandInvocations?.map((i) => i.InstanceId)).toEqual([node(1), node(4), node(7)]);
    expect(oneNode.CommandInvocations?.map((i) => i.InstanceId)).toEqual([node(2)]);
    expect(byDocument.CommandInvocations?.map((i) => i.DocumentName)).toEqual(['AWS-RunPatchBaseline']);
    expect(tooMany).toMatchObject({ name: 'ValidationException' });
    expect(none).toMatchObject({ name: 'ValidationException' });
    expect(stage).toMatchObject({ name: 'InvalidFilterKey' });
    expect(badToken).toMatchObject({ name: 'InvalidNextToken' });
  });

  it('answers InvalidCommandId for a command it does not keep (older than 30 days)', async () => {
    // Act
    const call = ssm.send(new ListCommandInvocationsCommand({ CommandId: uuid(), Details: true }));

    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'InvalidCommandId',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('gives the S3 URLs on the invocation for a one-step command, on each step otherwise', async () => {
    // Prepare
    const outputS3 = { bucketName: 'patch-logs', keyPrefix: 'mw', region: 'eu-west-1' };
    const single = command({ outputS3, cloudWatchOutput: { logGroupName: '/aws/ssm/AWS-RunShellScript' } });
    const multi = command({
      outputS3,
      invocations: [
        {
          instanceId: node(2),
          steps: [
            step({ name: 'PatchWindows', action: 'aws:runPowerShellScript' }),
            step({ name: 'PatchLinux' }),
          ],
        },
      ],
    });
    fake.addCommand(single);
    fake.addCommand(multi);

    // Act
    const [one] =
      (await ssm.send(new ListCommandInvocationsCommand({ CommandId: single.commandId, Details: true })))
        .CommandInvocations ?? [];
    const [two] =
      (await ssm.send(new ListCommandInvocationsCommand({ CommandId: multi.commandId, Details: true })))
        .CommandInvocations ?? [];

    // Assess
    const base = `https://s3.eu-west-1.amazonaws.com/patch-logs/mw/${single.commandId}/${node(1)}/awsrunShellScript/aws:runShellScript`;
    expect(one).toMatchObject({
      StandardOutputUrl: `${base}/stdout`,
      StandardErrorUrl: `${base}/stderr`,
      CloudWatchOutputConfig: {
        CloudWatchLogGroupName: '/aws/ssm/AWS-RunShellScript',
        CloudWatchOutputEnabled: true,
      },
    });
    expect(one?.CommandPlugins?.[0]).toMatchObject({
      OutputS3BucketName: 'patch-logs',
      OutputS3KeyPrefix: 'mw',
      OutputS3Region: 'eu-west-1',
    });
    expect(two?.StandardOutputUrl).toBe('');
    expect(two?.CommandPlugins?.map((p) => p.StandardOutputUrl)).toEqual([
      `https://s3.eu-west-1.amazonaws.com/patch-logs/mw/${multi.commandId}/${node(2)}/awsrunPowerShellScript/PatchWindows/stdout`,
      `https://s3.eu-west-1.amazonaws.com/patch-logs/mw/${multi.commandId}/${node(2)}/awsrunShellScript/PatchLinux/stdout`,
    ]);
  });
});

describe('SSM GetCommandInvocation', () => {
  it.each([
    ['at their limits: whole', 24_000, 8000, (o: string, e: string) => [o, e]],
    [
      'one over: their heads, ending --output truncated--',
      24_001,
      8001,
      (o: string, e: string) => [
        o.slice(0, 24_000 - SUFFIX.length) + SUFFIX,
        e.slice(0, 8000 - SUFFIX.length) + SUFFIX,
      ],
    ],
  ])('serves stdout and stderr %s', async (_, outLength, errLength, expected) => {
    // Prepare
    const stdout = text(outLength);
    const stderr = text(errLength, 'e');
    const cmd = command({ invocations: [{ instanceId: node(1), steps: [step({ stdout, stderr })] }] });
    fake.addCommand(cmd);

    // Act: a one-step document needs no PluginName
    const output = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1) }),
    );

    // Assess
    const [out, err] = expected(stdout, stderr);
    expect(output.StandardOutputContent).toBe(out);
    expect(output.StandardErrorContent).toBe(err);
    expect(output.StandardOutputContent?.length).toBeLessThanOrEqual(24_000);
    expect(output.StandardErrorContent?.length).toBeLessThanOrEqual(8000);
  });

  it('names the step of a multi-step document, and refuses to guess it', async () => {
    // Prepare
    const started = new Date('2026-11-28T02:00:00Z');
    const cmd = command({
      documentName: 'AWS-RunPatchBaseline',
      outputS3: { bucketName: 'patch-logs' },
      cloudWatchOutput: { logGroupName: '/aws/ssm/AWS-RunPatchBaseline' },
      invocations: [
        {
          instanceId: node(1),
          steps: [
            step({ name: 'PatchWindows', status: 'Success', stdout: 'skipped', stderr: '' }),
            step({
              name: 'PatchLinux',
              responseCode: 1,
              stdout: 'linux log',
              stderr: 'E: lock',
              startTime: started,
              endTime: new Date(started.getTime() + 90_500),
            }),
          ],
        },
      ],
    });
    fake.addCommand(cmd);
    const ask = (input: { CommandId?: string; InstanceId?: string; PluginName?: string }) =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1), ...input }));

    // Act
    const linux = await ask({ PluginName: 'PatchLinux' });

    // Assess
    expect(linux).toMatchObject({
      CommandId: cmd.commandId,
      InstanceId: node(1),
      DocumentName: 'AWS-RunPatchBaseline',
      PluginName: 'PatchLinux',
      ResponseCode: 1,
      Status: 'Failed',
      StatusDetails: 'Failed',
      ExecutionStartDateTime: '2026-11-28T02:00:00.000Z',
      ExecutionElapsedTime: 'PT90.5S',
      StandardOutputContent: 'linux log',
      StandardErrorContent: 'E: lock',
      StandardOutputUrl: `https://s3.us-east-1.amazonaws.com/patch-logs/${cmd.commandId}/${node(1)}/awsrunShellScript/PatchLinux/stdout`,
      CloudWatchOutputConfig: {
        CloudWatchLogGroupName: '/aws/ssm/AWS-RunPatchBaseline',
        CloudWatchOutputEnabled: true,
      },
    });
    await expect(ask({})).rejects.toMatchObject({ name: 'InvalidPluginName' });
    await expect(ask({ PluginName: 'aws:runShellScript' })).rejects.toMatchObject({
      name: 'InvalidPluginName',
    });
    await expect(ask({ CommandId: uuid() })).rejects.toMatchObject({ name: 'InvalidCommandId' });
    await expect(ask({ InstanceId: node(9) })).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
    await expect(ask({ CommandId: 'short' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ask({ InstanceId: 'server-1' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('serves no content while a step is still running', async () => {
    // Prepare
    const cmd = command({ invocations: [{ instanceId: node(1), steps: [step({ status: 'InProgress' })] }] });
    fake.addCommand(cmd);

    // Act
    const output = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1) }),
    );

    // Assess
    expect(output).toMatchObject({
      Status: 'InProgress',
      StandardOutputContent: '',
      StandardErrorContent: '',
    });
  });
});

describe('SSM Automation executions', () => {
  function steps(n: number): FakeAutomationStep[] {
    return Array.from({ length: n }, (_, i) => ({
      stepName: `step${i + 1}`,
      action: i === n - 1 ? 'aws:runCommand' : 'aws:executeAwsApi',
      status: i === n - 1 ? 'Failed' : 'Success',
      startTime: new Date(Date.parse('2026-11-28T02:00:00Z') + i * 60_000),
      ...(i === n - 1
        ? {
            failureMessage: 'Step fails when it is Poll action status for runCommand.',
            failureDetails: {
              failureStage: 'Invocation',
              failureType: 'Action',
              details: { ExceptionType: ['Exec'] },
            },
          }
        : {}),
    }));
  }

  it(`returns up to ${INLINE_STEP_EXECUTIONS} step executions, and says when there are more`, async () => {
    // Prepare
    const few = uuid();
    const many = uuid();
    fake.addAutomationExecution({
      automationExecutionId: few,
      documentName: 'AWS-UpdateLinuxAmi',
      status: 'Failed',
      failureMessage: 'Step step3 failed.',
      steps: steps(INLINE_STEP_EXECUTIONS),
    });
    fake.addAutomationExecution({
      automationExecutionId: many,
      documentName: 'Patch-WithSnapshot',
      status: 'Failed',
      steps: steps(INLINE_STEP_EXECUTIONS + 1),
    });

    // Act
    const { AutomationExecution: short } = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: few }),
    );
    const { AutomationExecution: long } = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: many }),
    );

    // Assess
    expect(short).toMatchObject({
      AutomationExecutionId: few,
      DocumentName: 'AWS-UpdateLinuxAmi',
      AutomationExecutionStatus: 'Failed',
      FailureMessage: 'Step step3 failed.',
      StepExecutionsTruncated: false,
    });
    expect(short?.StepExecutions?.at(-1)).toMatchObject({
      StepName: 'step3',
      Action: 'aws:runCommand',
      StepStatus: 'Failed',
      FailureMessage: 'Step fails when it is Poll action status for runCommand.',
      FailureDetails: {
        FailureStage: 'Invocation',
        FailureType: 'Action',
        Details: { ExceptionType: ['Exec'] },
      },
    });
    expect(long?.StepExecutions).toHaveLength(INLINE_STEP_EXECUTIONS);
    expect(long?.StepExecutionsTruncated).toBe(true);
    await expect(
      ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: uuid() })),
    ).rejects.toMatchObject({ name: 'AutomationExecutionNotFoundException' });
  });

  it('describes step executions by status, in pages, in reverse order', async () => {
    // Prepare
    const id = uuid();
    fake.addAutomationExecution({
      automationExecutionId: id,
      documentName: 'Runbook',
      status: 'Failed',
      steps: steps(5),
    });

    // Act
    const failed = await ssm.send(
      new DescribeAutomationStepExecutionsCommand({
        AutomationExecutionId: id,
        Filters: [{ Key: 'StepExecutionStatus', Values: ['Failed', 'TimedOut'] }],
      }),
    );
    const names: string[] = [];
    for await (const page of paginateDescribeAutomationStepExecutions(
      { client: ssm, pageSize: 2 },
      { AutomationExecutionId: id, ReverseOrder: true },
    )) {
      expect(page.StepExecutions?.length).toBeLessThanOrEqual(2);
      names.push(...(page.StepExecutions ?? []).map((s) => s.StepName ?? ''));
    }
    const byName = await ssm.send(
      new DescribeAutomationStepExecutionsCommand({
        AutomationExecutionId: id,
        Filters: [
          { Key: 'StepName', Values: ['step1', 'step2'] },
          { Key: 'StartTimeAfter', Values: ['2026-11-28T02:01:00Z'] },
        ],
      }),
    );
    const ask = (input: object) =>
      ssm.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: id, ...input }));

    // Assess
    expect(failed.StepExecutions?.map((s) => s.StepName)).toEqual(['step5']);
    expect(names).toEqual(['step5', 'step4', 'step3', 'step2', 'step1']);
    expect(byName.StepExecutions?.map((s) => s.StepName)).toEqual(['step2']);
    await expect(ask({ MaxResults: 51 })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ask({ Filters: [{ Key: 'Colour', Values: ['red'] }] })).rejects.toMatchObject({
      name: 'InvalidFilterKey',
    });
    await expect(
      ask({ Filters: [{ Key: 'StepExecutionStatus', Values: ['Broken'] }] }),
    ).rejects.toMatchObject({
      name: 'InvalidFilterValue',
    });
    await expect(ask({ AutomationExecutionId: uuid() })).rejects.toMatchObject({
      name: 'AutomationExecutionNotFoundException',
    });
  });
});

describe('Step Functions DescribeExecution', () => {
  const machine = `arn:aws:states:us-east-1:${CENTRAL}:stateMachine:patch-fleet`;
  const arn = (name: string, account = CENTRAL, region = 'us-east-1') =>
    `arn:aws:states:${region}:${account}:execution:patch-fleet:${name}`;

  it('describes a failed execution, error and cause cut to 256 and 32,768 characters', async () => {
    // Prepare
    const executionArn = arn(uuid());
    fake.addStepFunctionsExecution({
      executionArn,
      status: 'FAILED',
      error: `States.TaskFailed${text(300)}`,
      cause: text(40_000, 'c'),
      startDate: new Date('2026-11-28T02:00:00Z'),
      stopDate: new Date('2026-11-28T02:05:00Z'),
    });

    // Act
    const output = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(output).toMatchObject({
      executionArn,
      stateMachineArn: machine,
      name: executionArn.split(':').at(-1),
      status: 'FAILED',
      startDate: new Date('2026-11-28T02:00:00Z'),
      stopDate: new Date('2026-11-28T02:05:00Z'),
      error: `States.TaskFailed${text(300)}`.slice(0, 256),
      cause: text(32_768, 'c'),
    });
    expect(fake.callsTo('states', 'DescribeExecution')).toEqual([
      expect.objectContaining({ service: 'states', action: 'states:DescribeExecution', statusCode: 200 }),
    ]);
  });

  it('answers InvalidArn for what is not an execution ARN, ExecutionDoesNotExist for one it does not know', async () => {
    // Act
    const notExecution = sfn.send(new DescribeExecutionCommand({ executionArn: machine }));
    const unknown = sfn.send(new DescribeExecutionCommand({ executionArn: arn(uuid()) }));

    // Assess
    await expect(notExecution).rejects.toMatchObject({
      name: 'InvalidArn',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(unknown).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it("refuses to register an execution whose ARN names another account-Region than the target's", () => {
    expect(() =>
      fake.addStepFunctionsExecution({ executionArn: arn(uuid(), CENTRAL, 'eu-west-1'), status: 'FAILED' }),
    ).toThrow(/is not an execution ARN of 123456789012 in us-east-1/);
  });
});

describe('faults on the cause reads', () => {
  it("throttles them with each service's ThrottlingException, every Nth call", async () => {
    // Prepare
    const executionArn = `arn:aws:states:us-east-1:${CENTRAL}:execution:patch-fleet:${uuid()}`;
    fake.addStepFunctionsExecution({ executionArn, status: 'FAILED' });
    const cmd = command();
    fake.addCommand(cmd);

    // Act
    fake.failEveryNth({ everyNth: 2, service: 'states' });
    const first = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const second = sfn.send(new DescribeExecutionCommand({ executionArn }));
    await expect(second).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    fake.rateLimit({ service: 'ssm', burst: 1, servedShare: 0 });
    await ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId }));
    const throttled = ssm.send(
      new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1) }),
    );

    // Assess
    expect(first.status).toBe('FAILED');
    await expect(throttled).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(fake.calls.map((c) => [c.action, c.errorCode ?? c.statusCode])).toEqual([
      ['states:DescribeExecution', 200],
      ['states:DescribeExecution', 'ThrottlingException'],
      ['ssm:ListCommandInvocations', 200],
      ['ssm:GetCommandInvocation', 'ThrottlingException'],
    ]);
  });

  it('denies one IAM action (AccessDeniedException, HTTP 400), to one account-Region if told, until cleared', async () => {
    // Prepare
    const cmd = command();
    fake.addCommand(cmd);
    const executionArn = `arn:aws:states:us-east-1:${CENTRAL}:execution:patch-fleet:${uuid()}`;
    fake.addStepFunctionsExecution({ executionArn, status: 'FAILED' });
    const euSsm = new SSMClient(config({ region: 'eu-west-1' }));

    // Act
    fake.deny({ action: 'ssm:GetCommandInvocation' });
    fake.deny({ action: 'ssm:ListCommandInvocations', region: 'eu-west-1' });
    fake.deny({ action: 'states:DescribeExecution' });
    const get = await failure(
      ssm.send(new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1) })),
    );
    const listHere = await ssm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId }));
    const listThere = await failure(
      euSsm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId })),
    );
    const describe = await failure(sfn.send(new DescribeExecutionCommand({ executionArn })));

    // Assess
    expect(get).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: ssm:GetCommandInvocation'),
      $metadata: { httpStatusCode: 400 },
    });
    expect(listHere.CommandInvocations).toHaveLength(1);
    expect(listThere).toMatchObject({ name: 'AccessDeniedException' });
    expect(describe).toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fake.callsTo('ssm', 'GetCommandInvocation')[0]).toMatchObject({
      action: 'ssm:GetCommandInvocation',
      statusCode: 400,
      errorCode: 'AccessDeniedException',
    });
    fake.clearCalls();
    await expect(
      ssm.send(new GetCommandInvocationCommand({ CommandId: cmd.commandId, InstanceId: node(1) })),
    ).resolves.toMatchObject({ Status: 'Failed' });
    expect(() => fake.deny({ action: 'GetCommandInvocation' })).toThrow(/not an IAM action/);
  });
});

describe('cause reads per account-Region', () => {
  it("serves a member's commands, automations and executions to its read role in its Region only", async () => {
    // Prepare
    const member = memberAccountId(1);
    fake.addAccount({ accountId: member, name: 'member-1' });
    fake.addRole(member, 'Reader', { regions: ['eu-west-1'] });
    const cmd = command();
    const automationId = uuid();
    const executionArn = `arn:aws:states:eu-west-1:${member}:execution:patch-fleet:${uuid()}`;
    const there = { accountId: member, region: 'eu-west-1' };
    fake.addCommand(cmd, there);
    fake.addAutomationExecution(
      { automationExecutionId: automationId, documentName: 'Runbook', status: 'Failed', steps: [] },
      there,
    );
    fake.addStepFunctionsExecution({ executionArn, status: 'FAILED', error: 'States.TaskFailed' }, there);
    const sts = new STSClient(config());
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member}:role/Reader`, RoleSessionName: 'monitor' }),
    );
    const credentials = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
    const memberSsm = new SSMClient(config({ region: 'eu-west-1', credentials }));
    const memberSfn = new SFNClient(config({ region: 'eu-west-1', credentials }));
    const memberSfnElsewhere = new SFNClient(config({ region: 'us-east-1', credentials }));
    const centralEu = new SSMClient(config({ region: 'eu-west-1' }));

    // Act
    const listed = await memberSsm.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId }));
    const automation = await memberSsm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: automationId }),
    );
    const execution = await memberSfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(listed.CommandInvocations).toHaveLength(1);
    expect(automation.AutomationExecution?.AutomationExecutionStatus).toBe('Failed');
    expect(execution.error).toBe('States.TaskFailed');
    await expect(
      centralEu.send(new ListCommandInvocationsCommand({ CommandId: cmd.commandId })),
    ).rejects.toMatchObject({ name: 'InvalidCommandId' });
    await expect(
      ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: automationId })),
    ).rejects.toMatchObject({ name: 'AutomationExecutionNotFoundException' });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(
      memberSfnElsewhere.send(new DescribeExecutionCommand({ executionArn })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(fake.callsTo('states', 'DescribeExecution')[0]).toMatchObject({
      accountId: member,
      region: 'eu-west-1',
      roleName: 'Reader',
    });
  });
});

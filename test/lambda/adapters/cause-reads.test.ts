import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import {
  type CommandInvocation,
  type CommandPlugin,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetCommandInvocationCommand,
  InvalidCommandId,
  ListCommandInvocationsCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CAUSE_READ_ATTEMPTS,
  causeReadClients,
  DEEP_READS,
  DeepReadBudget,
  ssmCauseReads,
} from '../../../lambda/adapters/cause-reads';
import { stepFunctionsReads } from '../../../lambda/adapters/step-functions';
import type { CauseReads, CauseSubject } from '../../../lambda/core/causes/types';

const ssmMock = mockClient(SSMClient);
const sfnMock = mockClient(SFNClient);
const CONFIG = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };

const COMMAND_ID = '8d1f4c1e-9d4a-4bb5-9c3e-0123456789ab';
const INSTANCE = 'i-0123456789abcdef0';
const RUN_COMMAND: CauseSubject = {
  taskType: 'RUN_COMMAND',
  taskArn: 'AWS-RunPatchBaseline',
  executionId: COMMAND_ID,
  instanceId: INSTANCE,
  target: INSTANCE,
  status: 'FAILED',
  statusDetails: 'Failed',
};
const AUTOMATION_ID = '4b7f2b5e-1c2d-4e3f-8a9b-0123456789ab';
const AUTOMATION: CauseSubject = {
  ...RUN_COMMAND,
  taskType: 'AUTOMATION',
  taskArn: 'AWS-RestartEC2Instance',
  executionId: AUTOMATION_ID,
};
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Patch:5f0c7a1e';
const STEP_FUNCTIONS: CauseSubject = {
  ...RUN_COMMAND,
  taskType: 'STEP_FUNCTIONS',
  executionId: EXECUTION_ARN,
  statusDetails: 'States.TaskFailed',
};

const MARKER = '\n----------ERROR-------\n';
const CUT_STDOUT = `${'Installing updates...\n'.repeat(100)}\n---Output truncated---`;

let reads: CauseReads;
const signal = () => new AbortController().signal;

/** One failed step of a command's only invocation, as ListCommandInvocations lists it with Details. */
function listed(
  plugin: CommandPlugin,
  invocation: CommandInvocation = {},
): { CommandInvocations: CommandInvocation[] } {
  return {
    CommandInvocations: [
      {
        CommandId: COMMAND_ID,
        InstanceId: INSTANCE,
        DocumentName: 'AWS-RunPatchBaseline',
        StatusDetails: 'Failed',
        CommandPlugins: [
          { Name: 'PatchWindows', Status: 'Success', Output: 'Step execution skipped' },
          { Name: 'PatchLinux', Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 1, ...plugin },
        ],
        ...invocation,
      },
    ],
  };
}

function serviceError(name: string) {
  return new SSMServiceException({
    name,
    $fault: 'client',
    $metadata: {},
    message: `${name}: secret output`,
  });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  ssmMock.reset();
  sfnMock.reset();
  reads = ssmCauseReads(new SSMClient(CONFIG), () => stepFunctionsReads(CONFIG));
});

describe('Run Command cause reads', () => {
  it("splits the failed step's output into stdout and stderr, with its code, details and document", async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolves(
        listed({ Output: `Checking lock${MARKER}E: Could not get lock /var/lib/dpkg/lock-frontend` }),
      );

    const evidence = await reads.read(RUN_COMMAND, signal());

    expect(evidence).toEqual({
      kind: 'output',
      step: 'PatchLinux',
      documentName: 'AWS-RunPatchBaseline',
      stdout: 'Checking lock',
      stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend',
      responseCode: 1,
      statusDetails: 'Failed',
      fullOutput: undefined,
    });
    const calls = ssmMock.commandCalls(ListCommandInvocationsCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([
      { CommandId: COMMAND_ID, InstanceId: INSTANCE, Details: true },
    ]);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });

  it("takes the subject's instance among several invocations, and its only step when none failed", async () => {
    ssmMock.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        { InstanceId: 'i-0aaaaaaaaaaaaaaaa', CommandPlugins: [{ Name: 'other', Output: 'not this one' }] },
        {
          InstanceId: INSTANCE,
          StatusDetails: 'Execution Timed Out',
          CommandPlugins: [{ Name: 'aws:runShellScript', Status: 'Cancelled', Output: 'sleeping' }],
        },
      ],
    });

    expect(await reads.read(RUN_COMMAND, signal())).toMatchObject({
      step: 'aws:runShellScript',
      stdout: 'sleeping',
      stderr: '',
      statusDetails: 'Execution Timed Out',
    });
    // With no instance known: one that did not succeed (this one says no status), all of them asked for.
    expect(
      await reads.read({ ...RUN_COMMAND, instanceId: undefined, target: 'target t-1' }, signal()),
    ).toMatchObject({ step: 'other', stdout: 'not this one' });
    expect(ssmMock.commandCalls(ListCommandInvocationsCommand)[1]?.args[0].input).toEqual({
      CommandId: COMMAND_ID,
      Details: true,
    });
  });

  it('takes a failed node of the command when no instance is named, never one where it succeeded', async () => {
    const node = (n: number, Status: 'Success' | 'Cancelled' | 'TimedOut'): CommandInvocation => ({
      InstanceId: `i-0${n}`,
      Status,
      CommandPlugins: [{ Name: 'aws:runShellScript', Status, Output: `${Status} on node ${n}` }],
    });
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [node(1, 'Success'), node(2, 'Cancelled'), node(3, 'TimedOut')] })
      .resolvesOnce({ CommandInvocations: [node(1, 'Success'), node(2, 'Cancelled')] })
      .resolvesOnce({ CommandInvocations: [node(1, 'Success'), node(2, 'Success')] });
    const target = { ...RUN_COMMAND, instanceId: undefined, target: 'target t-1' };

    const found = [];
    for (let read = 0; read < 3; read++) found.push(await reads.read(target, signal()));

    expect(found[0]).toMatchObject({ kind: 'output', stdout: 'TimedOut on node 3' });
    expect(found[1]).toMatchObject({ kind: 'output', stdout: 'Cancelled on node 2' });
    expect(found[2]).toEqual({ kind: 'unavailable', reason: 'Error' });
  });

  it('links the full output: the S3 URL of the step, or the CloudWatch Logs group', async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolvesOnce(listed({ Output: `x${MARKER}y`, StandardOutputUrl: 'https://s3.example/out/stdout' }))
      .resolvesOnce(
        listed(
          { Output: `x${MARKER}y` },
          { CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: 'patching' } },
        ),
      )
      .resolvesOnce(
        listed({ Output: `x${MARKER}y` }, { CloudWatchOutputConfig: { CloudWatchOutputEnabled: true } }),
      );

    const links = [];
    for (let read = 0; read < 3; read++)
      links.push((await reads.read(RUN_COMMAND, signal())) as { fullOutput?: string });

    expect(links.map((evidence) => evidence.fullOutput)).toEqual([
      'https://s3.example/out/stdout',
      'patching',
      '/aws/ssm/AWS-RunPatchBaseline',
    ]);
  });

  it('says the output is in S3 when the step has none inline', async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolves(listed({ Output: '' }, { StandardErrorUrl: 'https://s3.example/out/stderr' }));

    expect(await reads.read(RUN_COMMAND, signal())).toEqual({
      kind: 'unavailable',
      reason: 'OutputInS3',
      fullOutput: 'https://s3.example/out/stderr',
    });
  });

  it("reads deeper when stdout was cut and stderr holds only the agent's exit status", async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolves(listed({ Output: `${CUT_STDOUT}${MARKER}failed to run commands: exit status 1` }));
    ssmMock.on(GetCommandInvocationCommand).resolves({
      StandardOutputContent: 'Installing updates...\n[ERROR] No space left on device',
      StandardErrorContent: 'failed to run commands: exit status 1',
      ResponseCode: 1,
    });

    const evidence = await reads.read(RUN_COMMAND, signal());

    expect(evidence).toMatchObject({
      kind: 'output',
      step: 'PatchLinux',
      stdout: 'Installing updates...\n[ERROR] No space left on device',
      stderr: 'failed to run commands: exit status 1',
    });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand).map((call) => call.args[0].input)).toEqual([
      { CommandId: COMMAND_ID, InstanceId: INSTANCE, PluginName: 'PatchLinux' },
    ]);
  });

  it('does not read deeper when stderr says something, or stdout is whole', async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolvesOnce(listed({ Output: `${CUT_STDOUT}${MARKER}E: Unable to locate package` }))
      .resolvesOnce(listed({ Output: `all of stdout${MARKER}failed to run commands: exit status 2` }));

    await reads.read(RUN_COMMAND, signal());
    await reads.read(RUN_COMMAND, signal());

    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });

  it(`makes at most ${DEEP_READS} deep reads a report, and keeps the first read's text when one fails`, async () => {
    ssmMock.on(ListCommandInvocationsCommand).resolves(listed({ Output: CUT_STDOUT }));
    ssmMock.on(GetCommandInvocationCommand).rejects(serviceError('InvocationDoesNotExist'));

    const found = [];
    for (let read = 0; read < DEEP_READS + 2; read++) found.push(await reads.read(RUN_COMMAND, signal()));

    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(DEEP_READS);
    expect(found.every((evidence) => evidence.kind === 'output' && evidence.stdout === CUT_STDOUT)).toBe(
      true,
    );
    // Another report, another budget.
    const next = ssmCauseReads(
      new SSMClient(CONFIG),
      () => stepFunctionsReads(CONFIG),
      new DeepReadBudget(1),
    );
    await next.read(RUN_COMMAND, signal());
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(DEEP_READS + 1);
  });

  it('says the history expired when the command is unknown or keeps no invocation', async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .rejectsOnce(new InvalidCommandId({ message: 'no such command', $metadata: {} }))
      .resolvesOnce({ CommandInvocations: [] });

    expect(await reads.read(RUN_COMMAND, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });
    expect(await reads.read(RUN_COMMAND, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });
  });

  it('reads answers that leave out every field they may', async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({})
      .resolvesOnce({ CommandInvocations: [{}] })
      .resolves(listed({ Output: CUT_STDOUT }, { InstanceId: undefined }));
    ssmMock.on(GetCommandInvocationCommand).resolves({});

    expect(await reads.read(RUN_COMMAND, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });
    expect(await reads.read(RUN_COMMAND, signal())).toEqual({ kind: 'output', stdout: '', stderr: '' });
    expect(await reads.read(RUN_COMMAND, signal())).toMatchObject({
      stdout: '',
      stderr: '',
      responseCode: 1,
    });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input.InstanceId).toBe(INSTANCE);
  });

  it('passes its signal to the SDK, and makes no call once it is aborted', async () => {
    ssmMock.on(ListCommandInvocationsCommand).resolves(listed({ Output: 'x' }));
    const live = new AbortController();
    await reads.read(RUN_COMMAND, live.signal);
    // The mock's types know the command only; the SDK's send takes its options second.
    const sent = ssmMock.commandCalls(ListCommandInvocationsCommand)[0]?.args as unknown[];
    expect((sent[1] as { abortSignal?: AbortSignal }).abortSignal).toBe(live.signal);

    live.abort();

    expect(await reads.read(RUN_COMMAND, live.signal)).toEqual({ kind: 'unavailable', reason: 'TimeBudget' });
    expect(ssmMock.commandCalls(ListCommandInvocationsCommand)).toHaveLength(1);
  });
});

describe('Automation cause reads', () => {
  it("gives the failed step's message and kind of failure, never the execution's inputs", async () => {
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        FailureMessage: 'Step fails when it is verifying the command',
        Parameters: { Password: ['hunter2'] },
        StepExecutions: [
          { StepName: 'stop', StepStatus: 'Success', Inputs: { secret: 'hunter2' } },
          {
            StepName: 'start',
            StepStatus: 'Failed',
            FailureMessage: 'You are not authorized to perform this operation.',
            FailureDetails: { FailureType: 'Permission', FailureStage: 'Invocation' },
          },
        ],
      },
    });

    const evidence = await reads.read(AUTOMATION, signal());

    expect(evidence).toEqual({
      kind: 'message',
      step: 'start',
      message: 'You are not authorized to perform this operation.',
      failureType: 'Permission',
    });
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)[0]?.args[0].input).toEqual({
      AutomationExecutionId: AUTOMATION_ID,
    });
  });

  it('looks for the failed step among all steps when the execution lists only some', async () => {
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: { StepExecutionsTruncated: true, StepExecutions: [{ StepStatus: 'Success' }] },
    });
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [{ StepName: 'patch', StepStatus: 'TimedOut', FailureMessage: 'Step timed out' }],
    });

    expect(await reads.read(AUTOMATION, signal())).toMatchObject({
      step: 'patch',
      message: 'Step timed out',
    });
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)[0]?.args[0].input).toEqual({
      AutomationExecutionId: AUTOMATION_ID,
      Filters: [{ Key: 'StepExecutionStatus', Values: ['Failed', 'TimedOut'] }],
    });
  });

  it(`charges the search among all steps to the report's ${DEEP_READS} deep reads`, async () => {
    // Prepare: a report with one deep read left; every execution lists only some of its steps.
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        FailureMessage: 'Step fails when it is patching',
        StepExecutionsTruncated: true,
        StepExecutions: [{ StepStatus: 'Success' }],
      },
    });
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [{ StepName: 'patch', StepStatus: 'Failed', FailureMessage: 'Step failed' }],
    });
    ssmMock.on(ListCommandInvocationsCommand).resolves(listed({ Output: CUT_STDOUT }));
    const report = ssmCauseReads(
      new SSMClient(CONFIG),
      () => stepFunctionsReads(CONFIG),
      new DeepReadBudget(1),
    );

    // Act
    const first = await report.read(AUTOMATION, signal());
    const second = await report.read(AUTOMATION, signal());
    await report.read(RUN_COMMAND, signal());

    // Assess: the budget spent, the execution's own message names the cause.
    expect(first).toMatchObject({ step: 'patch', message: 'Step failed' });
    expect(second).toEqual({ kind: 'message', step: undefined, message: 'Step fails when it is patching' });
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });

  it("gives the execution's message when no step says why, else the status details", async () => {
    ssmMock
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({ AutomationExecution: { FailureMessage: 'Execution timed out' } })
      .resolvesOnce({ AutomationExecution: {} });

    expect(await reads.read(AUTOMATION, signal())).toEqual({
      kind: 'message',
      step: undefined,
      message: 'Execution timed out',
    });
    expect(await reads.read(AUTOMATION, signal())).toEqual({ kind: 'message', message: 'Failed' });
  });

  it("skips steps that say no status, and names the invocation's status when it has no details", async () => {
    ssmMock.on(GetAutomationExecutionCommand).resolves({ AutomationExecution: { StepExecutions: [{}] } });

    const evidence = await reads.read(
      { ...AUTOMATION, statusDetails: undefined, status: 'TIMED_OUT' },
      signal(),
    );

    expect(evidence).toEqual({ kind: 'message', message: 'TIMED_OUT' });
  });

  it('makes no call for an execution ID that is not an automation execution ID', async () => {
    const evidence = await reads.read({ ...AUTOMATION, executionId: 'not-a-uuid' }, signal());

    expect(evidence).toEqual({ kind: 'message', message: 'Failed' });
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it('says the history expired when the execution is no longer kept', async () => {
    ssmMock.on(GetAutomationExecutionCommand).rejects(serviceError('AutomationExecutionNotFoundException'));
    expect(await reads.read(AUTOMATION, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });
  });
});

describe('Step Functions cause reads', () => {
  it('gives the error and the first line of its cause', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: 'Lambda.Unknown: timeout\n  at handler (index.js:1)',
    });

    expect(await reads.read(STEP_FUNCTIONS, signal())).toEqual({
      kind: 'message',
      message: 'States.TaskFailed: Lambda.Unknown: timeout',
    });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: EXECUTION_ARN,
    });
  });

  it('says what ended an execution with no error, or what the invocation said', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'TIMED_OUT' })
      .resolvesOnce({ status: 'ABORTED', cause: 'stopped by an operator' })
      .resolvesOnce({ status: 'FAILED', cause: 'only a cause' })
      .resolvesOnce({ status: 'FAILED' })
      .resolvesOnce({ status: 'FAILED', error: 'Only.Error' })
      .resolvesOnce({});

    const messages = [];
    for (let read = 0; read < 6; read++) messages.push(await reads.read(STEP_FUNCTIONS, signal()));

    expect(messages.map((evidence) => (evidence as { message: string }).message)).toEqual([
      'execution timed out',
      'execution aborted: stopped by an operator',
      'only a cause',
      'States.TaskFailed',
      'Only.Error',
      'States.TaskFailed',
    ]);
  });

  it('makes no call for an execution ID that is not an execution ARN, nor for a Lambda task', async () => {
    expect(await reads.read({ ...STEP_FUNCTIONS, executionId: 'arn:aws:lambda:x' }, signal())).toEqual({
      kind: 'message',
      message: 'States.TaskFailed',
    });
    expect(
      await reads.read({ ...STEP_FUNCTIONS, taskType: 'LAMBDA', statusDetails: 'Lambda failed' }, signal()),
    ).toEqual({ kind: 'message', message: 'Lambda failed' });
    expect(await reads.read({ ...RUN_COMMAND, executionId: undefined }, signal())).toEqual({
      kind: 'message',
      message: 'Failed',
    });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it('says the history expired when the execution is no longer kept, and stops once aborted', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    expect(await reads.read(STEP_FUNCTIONS, signal())).toEqual({ kind: 'unavailable', reason: 'Expired' });

    const aborted = new AbortController();
    aborted.abort();
    expect(await reads.read(STEP_FUNCTIONS, aborted.signal)).toEqual({
      kind: 'unavailable',
      reason: 'TimeBudget',
    });
    expect(sfnMock.calls()).toHaveLength(1);
  });
});

describe('causeReadClients', () => {
  it(`reads with clients of their own that make ${CAUSE_READ_ATTEMPTS} attempts, Step Functions' made on first need`, async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'E' });
    ssmMock.on(ListCommandInvocationsCommand).resolves(listed({ Output: 'x' }));
    // Whatever the environment says (the SDK's default is 3 too).
    vi.stubEnv('AWS_MAX_ATTEMPTS', '8');
    const clients = causeReadClients(CONFIG);

    // Act
    const report = clients.reads();
    await report.read(RUN_COMMAND, signal());
    const beforeStepFunctions = sfnMock.calls().length;
    await report.read(STEP_FUNCTIONS, signal());
    await clients.reads().read(STEP_FUNCTIONS, signal());

    // Assess
    const ssm = ssmMock.calls()[0]?.thisValue as SSMClient;
    expect(await ssm.config.maxAttempts()).toBe(CAUSE_READ_ATTEMPTS);
    expect(await ssm.config.region()).toBe('eu-west-1');
    const [first, second] = sfnMock.calls().map((call) => call.thisValue as SFNClient);
    expect(beforeStepFunctions).toBe(0);
    expect(first).toBe(second);
    expect(await first?.config.maxAttempts()).toBe(CAUSE_READ_ATTEMPTS);
    clients.destroy();
  });
});

/**
 * The cause fixtures (tools/fixtures/causes.ts): what they register for a task's failed
 * invocations is what the real SDK clients read back from the local endpoint, with the texts of
 * real AWS-RunPatchBaseline, Automation and Step Functions failures.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cycle,
  dpkgLock,
  executionTimedOut,
  expired,
  launchInstanceUnauthorized,
  memberAccountId,
  noSpaceLeft,
  outputOnlyInS3,
  payloadDownloadFailed,
  rebootRequired,
  runCommandStepFailed,
  SECRETS_IN_OUTPUT,
  secretInStderr,
  seedAutomationOutcomes,
  seedCommandOutcomes,
  seedStepFunctionsOutcomes,
  stateMachineTaskFailed,
  stateMachineTimedOut,
  stdoutTruncated,
  taskExecution,
  windowsUpdateUnreachable,
} from '../../tools/fixtures';
import { LocalAws } from '../../tools/local-aws';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let fake: LocalAws;
let ssm: SSMClient;

function config(region = 'us-east-1') {
  return {
    endpoint: fake.endpoint,
    region,
    credentials: { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

beforeAll(async () => {
  fake = await LocalAws.start();
  ssm = new SSMClient(config());
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

/** The node an invocation of a RUN_COMMAND fixture ran on. */
function nodeOf(parameters: string | undefined): string {
  return (JSON.parse(parameters ?? '{}') as { instanceIds: string[] }).instanceIds[0] ?? '';
}

async function steps(commandId: string) {
  const output = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));
  return output.CommandInvocations?.[0];
}

describe('seedCommandOutcomes', () => {
  it('registers one command per failed or timed-out invocation, on its node, under its ExecutionId; none when expired', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 5, FAILED: 3, TIMED_OUT: 1 });

    // Act
    const seeded = seedCommandOutcomes(fake, task, cycle(dpkgLock, expired));

    // Assess
    expect(seeded.map((s) => s.invocation.Status).sort()).toEqual([
      'FAILED',
      'FAILED',
      'FAILED',
      'TIMED_OUT',
    ]);
    expect(seeded.map((s) => s.registered)).toEqual([true, false, true, false]);
    for (const { invocation, executionId, registered } of seeded) {
      expect(executionId).toBe(invocation.ExecutionId);
      const listed = ssm.send(new ListCommandInvocationsCommand({ CommandId: executionId }));
      if (registered) {
        expect((await listed).CommandInvocations?.map((i) => i.InstanceId)).toEqual([
          nodeOf(invocation.Parameters),
        ]);
      } else {
        await expect(listed).rejects.toMatchObject({ name: 'InvalidCommandId' });
      }
    }
    expect(() => seedCommandOutcomes(fake, taskExecution('AUTOMATION', { FAILED: 1 }), dpkgLock)).toThrow(
      /not RUN_COMMAND/,
    );
  });

  it('gives AWS-RunPatchBaseline three steps: PatchLinux failed on the dpkg lock (PID per node), the others skipped', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { FAILED: 2 });
    const [first, second] = seedCommandOutcomes(fake, task, dpkgLock);

    // Act
    const one = await steps(first?.executionId ?? '');
    const two = await steps(second?.executionId ?? '');

    // Assess
    expect(one?.DocumentName).toBe('AWS-RunPatchBaseline');
    expect(one?.CommandPlugins?.map((p) => [p.Name, p.Status])).toEqual([
      ['PatchWindows', 'Success'],
      ['PatchLinux', 'Failed'],
      ['PatchMacOS', 'Success'],
    ]);
    expect(one?.CommandPlugins?.[0]?.Output).toMatch(
      /^Step execution skipped due to unsatisfied preconditions/,
    );
    const lock =
      /E: Could not get lock \/var\/lib\/dpkg\/lock-frontend\. It is held by process (\d+) \(unattended-upgr\)/;
    const [linuxOne = '', linuxTwo = ''] = [one, two].map((i) => i?.CommandPlugins?.[1]?.Output ?? '');
    expect(linuxOne).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} root \[INFO\]: /);
    expect(linuxOne).toContain('\n----------ERROR-------\nE: Could not get lock');
    expect(linuxOne).toMatch(/failed to run commands: exit status 1$/);
    expect(lock.exec(linuxTwo)?.[1]).toMatch(/^\d+$/);
    expect(lock.exec(linuxOne)?.[1]).not.toBe(lock.exec(linuxTwo)?.[1]);
    expect(linuxOne).toContain(one?.InstanceId ?? '?');
    expect(linuxTwo).toContain(two?.InstanceId ?? '?');
  });

  it('serves the texts of real patching failures', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { FAILED: 8 });
    const seeded = seedCommandOutcomes(
      fake,
      task,
      cycle(
        noSpaceLeft,
        payloadDownloadFailed,
        rebootRequired,
        windowsUpdateUnreachable,
        stdoutTruncated,
        executionTimedOut,
        outputOnlyInS3,
        secretInStderr,
      ),
    );
    const [disk, payload, reboot, windows, truncated, timedOut, s3, secret] = seeded;
    const get = (seed: typeof disk, PluginName?: string) =>
      ssm.send(
        new GetCommandInvocationCommand({
          CommandId: seed?.executionId,
          InstanceId: nodeOf(seed?.invocation.Parameters),
          ...(PluginName ? { PluginName } : {}),
        }),
      );

    // Act
    const diskLinux = await get(disk, 'PatchLinux');
    const payloadLinux = await get(payload, 'PatchLinux');
    const rebootLinux = await get(reboot, 'PatchLinux');
    const windowsStep = await get(windows, 'PatchWindows');
    const truncatedLinux = await get(truncated, 'PatchLinux');
    const timedOutInvocation = await steps(timedOut?.executionId ?? '');
    const s3Step = await get(s3);
    const secretStep = await get(secret);

    // Assess
    expect(diskLinux.StandardErrorContent).toContain(
      "IOError: [Errno 28] No space left on device: '/var/cache/yum/",
    );
    expect(diskLinux.StandardErrorContent).toMatch(/^Traceback \(most recent call last\):\n {2}File "/);
    expect(payloadLinux).toMatchObject({ ResponseCode: 156, StandardOutputContent: '' });
    expect(payloadLinux.StandardErrorContent).toMatch(
      /^Unable to download payload: https:\/\/s3\.[\w.-]+\/.+\/patch-baseline-operations-[\d.]+\.tar\.gz\.failed to run commands: exit status 156$/,
    );
    expect(rebootLinux.ResponseCode).toBe(196);
    expect(rebootLinux.StandardOutputContent).toMatch(
      /root \[ERROR\]: Patching Operation failed with exit code 196 but instance needs reboot$/,
    );
    expect(windowsStep.StandardErrorContent).toContain('Error Message: Exception from HRESULT: 0x80072EE2');
    expect(windowsStep.StandardErrorContent).toMatch(
      /\nAt C:\\ProgramData\\Amazon\\SSM\\InstanceData\\i-\w+\\document\\orchestration\\[\w-]+\\PatchWindows\\_script\.ps1:230 char:13\n/,
    );
    expect(windowsStep.StandardErrorContent).toContain('    + CategoryInfo          : ');
    expect(windowsStep.StandardErrorContent).toContain('    + FullyQualifiedErrorId : ');
    expect(windowsStep.StandardErrorContent).toMatch(/failed to run commands: exit status 4294967295$/);
    expect(truncatedLinux.StandardOutputContent).toHaveLength(24_000);
    expect(truncatedLinux.StandardOutputContent).toMatch(/--output truncated--$/);
    expect(truncatedLinux.StandardOutputContent).not.toContain('[ERROR]');
    expect(truncatedLinux.CloudWatchOutputConfig).toEqual({
      CloudWatchLogGroupName: '/aws/ssm/AWS-RunPatchBaseline',
      CloudWatchOutputEnabled: true,
    });
    expect(timedOutInvocation).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
    expect(timedOutInvocation?.CommandPlugins?.[1]).toMatchObject({ Status: 'TimedOut', Output: '' });
    expect(s3Step).toMatchObject({ DocumentName: 'AWS-RunShellScript', StandardOutputContent: '' });
    expect(s3Step.StandardOutputUrl).toMatch(
      /^https:\/\/s3\.us-east-1\.amazonaws\.com\/patch-logs-\d{12}\/maintenance-window\//,
    );
    for (const value of SECRETS_IN_OUTPUT) expect(secretStep.StandardErrorContent).toContain(value);
  });
});

describe('seedAutomationOutcomes', () => {
  it("registers AWS's launchInstance authorization failure, and a runbook whose failed step is past the inline ones", async () => {
    // Prepare
    const task = taskExecution('AUTOMATION', { SUCCESS: 2, FAILED: 2 });
    const seeded = seedAutomationOutcomes(
      fake,
      task,
      cycle(launchInstanceUnauthorized, runCommandStepFailed),
    );
    const [unauthorized, late] = seeded.map((s) => s.executionId);

    // Act
    const first = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: unauthorized }));
    const second = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: late }));
    const failed = await ssm.send(
      new DescribeAutomationStepExecutionsCommand({
        AutomationExecutionId: late,
        Filters: [{ Key: 'StepExecutionStatus', Values: ['Failed'] }],
      }),
    );

    // Assess
    expect(seeded.map((s) => s.executionId).every((id) => UUID.test(id))).toBe(true);
    expect(first.AutomationExecution?.FailureMessage).toMatch(
      /^Step launchInstance failed maximum allowed times\. You are not authorized to perform this operation\. Encoded authorization failure message: \S+ \(Service: AmazonEC2; Status Code: 403; Error Code: UnauthorizedOperation; Request ID: [0-9a-f-]{36}\)$/,
    );
    expect(first.AutomationExecution?.StepExecutions?.[0]).toMatchObject({
      StepName: 'launchInstance',
      Action: 'aws:runInstances',
      StepStatus: 'Failed',
      FailureDetails: { FailureStage: 'Invocation', FailureType: 'Action' },
    });
    expect(second.AutomationExecution?.StepExecutionsTruncated).toBe(true);
    expect(second.AutomationExecution?.StepExecutions?.map((s) => s.StepStatus)).not.toContain('Failed');
    expect(failed.StepExecutions?.map((s) => [s.StepName, s.Action])).toEqual([
      ['installPatches', 'aws:runCommand'],
    ]);
  });
});

describe('seedStepFunctionsOutcomes', () => {
  it("registers executions under the invocations' execution ARNs, in the target account-Region", async () => {
    // Prepare
    const accountId = memberAccountId(2);
    fake.addAccount({ accountId, name: 'member-2' });
    const task = taskExecution(
      'STEP_FUNCTIONS',
      { FAILED: 1, TIMED_OUT: 1 },
      { accountId, region: 'eu-west-1' },
    );
    const seeded = seedStepFunctionsOutcomes(
      fake,
      task,
      cycle(stateMachineTaskFailed, stateMachineTimedOut),
      {
        accountId,
        region: 'eu-west-1',
      },
    );
    const sfn = new SFNClient(config('eu-west-1'));

    // Act: the central account's own credentials read the central account's executions, not the member's
    const central = await sfn
      .send(new DescribeExecutionCommand({ executionArn: seeded[0]?.executionId }))
      .catch((error: unknown) => error);

    // Assess
    expect(task.taskArn).toBe(`arn:aws:states:eu-west-1:${accountId}:stateMachine:patch-fleet`);
    for (const { executionId } of seeded) {
      expect(executionId).toMatch(
        new RegExp(`^arn:aws:states:eu-west-1:${accountId}:execution:patch-fleet:[0-9a-f-]{36}$`),
      );
    }
    expect(central).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('serves States.TaskFailed with its cause, and a timeout without either', async () => {
    // Prepare
    const task = taskExecution('STEP_FUNCTIONS', { SUCCESS: 3, FAILED: 1, TIMED_OUT: 1 });
    const seeded = seedStepFunctionsOutcomes(fake, task, cycle(stateMachineTaskFailed, stateMachineTimedOut));
    const sfn = new SFNClient(config());

    // Act
    const [failed, timedOut] = await Promise.all(
      seeded.map((s) => sfn.send(new DescribeExecutionCommand({ executionArn: s.executionId }))),
    );

    // Assess
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: 'States.TaskFailed',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:patch-fleet',
    });
    expect(JSON.parse(failed?.cause ?? '{}')).toMatchObject({ errorType: 'HealthCheckFailed' });
    expect(timedOut).toMatchObject({ status: 'TIMED_OUT' });
    expect(timedOut?.error).toBeUndefined();
  });
});

describe('taskExecution', () => {
  it('gives STEP_FUNCTIONS invocations execution ARNs, every other task type UUIDs', () => {
    // Act
    const [sfnInvocation] = taskExecution('STEP_FUNCTIONS', { FAILED: 1 }).invocations;
    const others = (['RUN_COMMAND', 'AUTOMATION', 'LAMBDA'] as const).map(
      (type) => taskExecution(type, { FAILED: 1 }).invocations[0]?.ExecutionId,
    );

    // Assess
    expect(sfnInvocation?.ExecutionId).toMatch(
      /^arn:aws:states:us-east-1:123456789012:execution:patch-fleet:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    for (const id of others) expect(id).toMatch(UUID);
  });
});

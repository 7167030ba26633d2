/**
 * Reads of failed targets' causes in one account-Region: Run Command's output
 * (`ListCommandInvocations`, then `GetCommandInvocation` when its head says too little), Automation's
 * failure message, Step Functions' error (`step-functions.ts`). Each read is bounded: few attempts,
 * an abort signal, at most `DEEP_READS` second reads a report (`GetCommandInvocation`,
 * `DescribeAutomationStepExecutions`); every failure is evidence of kind `unavailable`. Nothing read
 * is logged or put in an error.
 *
 * Part of the failure causes' bundle (`causes.js`, beside `index.js`, entry `lambda/causes.ts`, with
 * its own SSM and Step Functions clients), which `cause-clients.ts` loads through `load-causes.ts`
 * on a container's first cause read: the commands' schemas and the Step Functions client stay out
 * of the bundle every cold start reads.
 */
import {
  type CommandInvocation,
  type CommandPlugin,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SSMClient,
  type SSMClientConfig,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { CauseUnavailableReason } from '../../contract';
import type { CauseEvidence, CauseReads, CauseSubject } from '../core/causes/types';
import { causeReadFailure } from './errors';
import { type StepFunctionsReads, stepFunctionsReads } from './step-functions';

/**
 * The most deep reads one report makes: Run Command's `GetCommandInvocation` and Automation's
 * `DescribeAutomationStepExecutions`, each a second call for one target.
 */
export const DEEP_READS = 10;
/**
 * Attempts of each cause read (the SDK's default; the function's other clients make 8): a read
 * still throttled after two backoffs of a second or two is reported `Throttled`, not waited for.
 */
export const CAUSE_READ_ATTEMPTS = 3;

/** How the agent joins the heads of stdout and stderr in a step's 2,500-character `Output`. */
const ERROR_MARKER = '\n----------ERROR-------\n';
/** The agent's own line in stderr on a non-zero exit: no cause in itself. */
const AGENT_EXIT = /^failed to run commands: exit status -?\d+$/;
/** How the agent ends a stdout it cut to fit `Output`. */
const STDOUT_CUT = '---Output truncated---';
const AUTOMATION_EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:execution:/;
/** Step statuses of a failed step, in Run Command and in Automation alike. */
const FAILED_STEP = ['Failed', 'TimedOut'];

/** The deep reads a report has left, shared by its reads. */
export class DeepReadBudget {
  constructor(private left: number = DEEP_READS) {}

  /** Takes one deep read, if any is left. */
  take(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

/** The Step Functions reads of the account-Region, their client made on first need. */
export type StepFunctionsSource = () => StepFunctionsReads;

/** Where the account-Region is, and as whom to read it: the cause clients' settings. */
export type CauseClientConfig = Pick<SSMClientConfig, 'region' | 'credentials' | 'endpoint'>;

/** The reads of one report in one account-Region, with `ssm` and the Step Functions reads. */
export function ssmCauseReads(
  ssm: SSMClient,
  stepFunctions: StepFunctionsSource,
  deep: DeepReadBudget = new DeepReadBudget(),
): CauseReads {
  return {
    async read(subject, signal) {
      try {
        return await readCause({ ssm, stepFunctions, deep, signal }, subject);
      } catch (error: unknown) {
        return { kind: 'unavailable', reason: causeReadFailure(error, signal) };
      }
    },
  };
}

interface Read {
  readonly ssm: SSMClient;
  readonly stepFunctions: StepFunctionsSource;
  readonly deep: DeepReadBudget;
  readonly signal: AbortSignal;
}

async function readCause(read: Read, subject: CauseSubject): Promise<CauseEvidence> {
  const id = subject.executionId;
  if (!id) return fromStatusDetails(subject);
  switch (subject.taskType) {
    case 'RUN_COMMAND':
      return readCommand(read, subject, id);
    case 'AUTOMATION':
      // That the invocation's ID is the automation execution's is unconfirmed: checked first.
      return AUTOMATION_EXECUTION_ID.test(id)
        ? readAutomation(read, subject, id)
        : fromStatusDetails(subject);
    case 'STEP_FUNCTIONS': {
      if (!EXECUTION_ARN.test(id)) return fromStatusDetails(subject);
      read.signal.throwIfAborted();
      return (await read.stepFunctions().failure(id, read.signal)) ?? fromStatusDetails(subject);
    }
    default:
      // Lambda: its error is in the function's own logs; the invocation's details say what is known.
      return fromStatusDetails(subject);
  }
}

/** What the invocation record says, when there is nothing to read: its status details. */
function fromStatusDetails(subject: CauseSubject): CauseEvidence {
  return { kind: 'message', message: subject.statusDetails ?? subject.status };
}

type Output = Extract<CauseEvidence, { kind: 'output' }>;

async function readCommand(read: Read, subject: CauseSubject, commandId: string): Promise<CauseEvidence> {
  const { ssm, signal } = read;
  signal.throwIfAborted();
  const listed = await ssm.send(
    new ListCommandInvocationsCommand({
      CommandId: commandId,
      ...(subject.instanceId ? { InstanceId: subject.instanceId } : {}),
      Details: true,
    }),
    { abortSignal: signal },
  );
  const invocations = listed.CommandInvocations ?? [];
  // The command is known but keeps none of its invocations.
  if (invocations.length === 0) return { kind: 'unavailable', reason: CauseUnavailableReason.Expired };
  const invocation =
    invocations.find((one) => one.InstanceId === subject.instanceId) ?? unsuccessful(invocations);
  // No target named, and every node of the command succeeded: none of them says why the task failed.
  if (!invocation) return { kind: 'unavailable', reason: CauseUnavailableReason.Error };
  const plugins = invocation.CommandPlugins ?? [];
  const plugin =
    plugins.find((one) => FAILED_STEP.includes(one.Status ?? '')) ??
    (plugins.length === 1 ? plugins[0] : undefined);
  const s3 = s3Url(plugin, invocation);
  const heads = splitOutput(plugin?.Output ?? '');
  let evidence: Output = {
    kind: 'output',
    step: plugin?.Name,
    documentName: invocation.DocumentName,
    ...heads,
    responseCode: plugin?.ResponseCode,
    statusDetails: plugin?.StatusDetails ?? invocation.StatusDetails,
    fullOutput: s3 ?? logGroup(invocation),
  };
  const instanceId = invocation.InstanceId ?? subject.instanceId;
  if (weak(heads) && plugin?.Name && instanceId && read.deep.take()) {
    evidence = await readDeeper(read, evidence, {
      CommandId: commandId,
      InstanceId: instanceId,
      PluginName: plugin.Name,
    });
  }
  if (!evidence.stdout && !evidence.stderr && s3) {
    return { kind: 'unavailable', reason: CauseUnavailableReason.OutputInS3, fullOutput: s3 };
  }
  return evidence;
}

/**
 * The invocation that says why a command failed, when the subject names no instance: a failed or
 * timed-out one, else any that did not succeed; never a node where it succeeded.
 */
function unsuccessful(invocations: CommandInvocation[]): CommandInvocation | undefined {
  return (
    invocations.find((one) => FAILED_STEP.includes(one.Status ?? '')) ??
    invocations.find((one) => one.Status !== 'Success')
  );
}

/** The heads of stdout and stderr in a step's `Output`. */
function splitOutput(output: string): { stdout: string; stderr: string } {
  const at = output.indexOf(ERROR_MARKER);
  return at < 0
    ? { stdout: output, stderr: '' }
    : { stdout: output.slice(0, at), stderr: output.slice(at + ERROR_MARKER.length) };
}

/**
 * Whether the 2,500 characters leave the cause out while a deep read could find it: stderr says
 * nothing (empty, or the agent's exit status alone) and stdout was cut to fit. A stdout not cut is
 * whole already: a deep read would return the same text.
 */
function weak({ stdout, stderr }: { stdout: string; stderr: string }): boolean {
  const stderrSaysNothing = stderr.trim() === '' || AGENT_EXIT.test(stderr.trim());
  return stderrSaysNothing && stdout.trimEnd().endsWith(STDOUT_CUT);
}

/**
 * The step's first 24,000 characters of stdout and 8,000 of stderr. A deep read that fails keeps
 * what the first read found.
 */
async function readDeeper(
  { ssm, signal }: Read,
  shallow: Output,
  input: { CommandId: string; InstanceId: string; PluginName: string },
): Promise<Output> {
  try {
    signal.throwIfAborted();
    const deep = await ssm.send(new GetCommandInvocationCommand(input), { abortSignal: signal });
    return {
      ...shallow,
      stdout: deep.StandardOutputContent ?? '',
      stderr: deep.StandardErrorContent ?? '',
      responseCode: deep.ResponseCode ?? shallow.responseCode,
      statusDetails: deep.StatusDetails ?? shallow.statusDetails,
    };
  } catch {
    return shallow;
  }
}

/** The S3 URL of the step's full output, if it went to a bucket. */
function s3Url(plugin: CommandPlugin | undefined, invocation: CommandInvocation): string | undefined {
  return (
    plugin?.StandardOutputUrl ||
    plugin?.StandardErrorUrl ||
    invocation.StandardOutputUrl ||
    invocation.StandardErrorUrl ||
    undefined
  );
}

/**
 * The log group of the command's full output, if it went to CloudWatch Logs: the one named, or
 * the one Run Command names after the document when none is.
 */
function logGroup(invocation: CommandInvocation): string | undefined {
  const config = invocation.CloudWatchOutputConfig;
  if (!config?.CloudWatchOutputEnabled) return undefined;
  return config.CloudWatchLogGroupName || (invocation.DocumentName && `/aws/ssm/${invocation.DocumentName}`);
}

/**
 * The failed step's message (and the kind of failure), else the execution's. When the execution
 * lists only some of its steps, the failed ones are asked for: a deep read, charged to the report's
 * budget. The execution's parameters, inputs, outputs and variables are never read: a runbook's
 * inputs can hold secrets.
 */
async function readAutomation(read: Read, subject: CauseSubject, id: string): Promise<CauseEvidence> {
  const { ssm, signal } = read;
  signal.throwIfAborted();
  const { AutomationExecution: execution } = await ssm.send(
    new GetAutomationExecutionCommand({ AutomationExecutionId: id }),
    { abortSignal: signal },
  );
  let step = failedStep(execution?.StepExecutions);
  if (!step && execution?.StepExecutionsTruncated && read.deep.take()) {
    signal.throwIfAborted();
    const described = await ssm.send(
      new DescribeAutomationStepExecutionsCommand({
        AutomationExecutionId: id,
        Filters: [{ Key: 'StepExecutionStatus', Values: FAILED_STEP }],
      }),
      { abortSignal: signal },
    );
    step = failedStep(described.StepExecutions);
  }
  if (step?.FailureMessage) {
    return {
      kind: 'message',
      step: step.StepName,
      message: step.FailureMessage,
      failureType: step.FailureDetails?.FailureType,
    };
  }
  if (execution?.FailureMessage)
    return { kind: 'message', step: step?.StepName, message: execution.FailureMessage };
  return fromStatusDetails(subject);
}

function failedStep(steps: StepExecution[] | undefined): StepExecution | undefined {
  return steps?.find((step) => FAILED_STEP.includes(step.StepStatus ?? ''));
}

/** The clients that read causes in one account-Region, and the reads of each report. */
export interface CauseReadClients {
  /** The reads of one report: its own deep-read budget. */
  reads(): CauseReads;
  destroy(): void;
}

/**
 * The clients that read causes in one account-Region: their own, with `CAUSE_READ_ATTEMPTS`
 * attempts, signed and addressed as `config` says; the Step Functions client made on the first
 * Step Functions read.
 */
export function causeReadClients(config: CauseClientConfig): CauseReadClients {
  const ssm = new SSMClient({ ...config, maxAttempts: CAUSE_READ_ATTEMPTS });
  let stepFunctions: StepFunctionsReads | undefined;
  const source = () => {
    stepFunctions ??= stepFunctionsReads({ ...config, maxAttempts: CAUSE_READ_ATTEMPTS });
    return stepFunctions;
  };
  return {
    reads: () => ssmCauseReads(ssm, source),
    destroy() {
      ssm.destroy();
      stepFunctions?.destroy();
    },
  };
}

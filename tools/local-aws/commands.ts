/**
 * The Run Command and Automation part of the local endpoint's SSM: the commands it knows (one
 * invocation per node, each with its steps and their output) and the automation executions (with
 * their steps), and the reads that tell why they failed: `ListCommandInvocations`,
 * `GetCommandInvocation`, `GetAutomationExecution`, `DescribeAutomationStepExecutions`. Their
 * limits, errors and output truncation follow AWS's API reference and the SSM Agent (how it cuts
 * stdout/stderr and builds a step's 2,500-character `Output`), on purpose not the code under test.
 * Lengths are counted in UTF-16 characters (the agent counts bytes; the fixtures are ASCII).
 */
import { decodeToken, encodeToken, type PageBounds, pageSizeOf } from './pagination';
import { type OperationHandler, ServiceError } from './protocols';

export type CommandInvocationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Success'
  | 'Cancelled'
  | 'TimedOut'
  | 'Failed'
  | 'Cancelling';
export type CommandStepStatus = 'Pending' | 'InProgress' | 'Success' | 'TimedOut' | 'Cancelled' | 'Failed';

/** One step (plugin) of a command on one node, with everything it wrote. */
export interface FakeCommandStep {
  /** The step name (`PatchLinux`), or the plugin name for schema 1.2 documents (`aws:runShellScript`). */
  readonly name: string;
  /** The plugin that runs the step, which names its S3 folder. @default 'aws:runShellScript' */
  readonly action?: string;
  readonly status: CommandStepStatus;
  /** @default the status, `ExecutionTimedOut` for TimedOut */
  readonly statusDetails?: string;
  /** The exit code. @default 0 for Success, 1 for Failed, -1 otherwise */
  readonly responseCode?: number;
  /** Everything the step wrote to stdout; the API serves its head (24,000 characters). @default '' */
  readonly stdout?: string;
  /** Everything the step wrote to stderr; the API serves its head (8,000 characters). @default '' */
  readonly stderr?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

/** A command's invocation on one node. */
export interface FakeCommandInvocation {
  /** `i-` + 8 or 17, or `mi-` + 17 characters. */
  readonly instanceId: string;
  readonly instanceName?: string;
  /** @default derived from the steps: TimedOut if one timed out, else Failed if one failed, else Success */
  readonly status?: CommandInvocationStatus;
  /** @default derived like `status` (`ExecutionTimedOut`, `Failed`, `Success`) */
  readonly statusDetails?: string;
  readonly steps: readonly FakeCommandStep[];
}

/** A Run Command command, as SendCommand (here: a maintenance window) made it. */
export interface FakeCommand {
  /** 36 characters (a UUID). */
  readonly commandId: string;
  readonly documentName: string;
  /** @default '1' */
  readonly documentVersion?: string;
  readonly comment?: string;
  /** @default the endpoint's clock when added */
  readonly requestedAt?: Date;
  /** Where the agent also uploads each step's full stdout/stderr. */
  readonly outputS3?: { readonly bucketName: string; readonly keyPrefix?: string; readonly region?: string };
  /** Whether the agent also streams the output to CloudWatch Logs, and to which group. */
  readonly cloudWatchOutput?: { readonly logGroupName: string };
  readonly invocations: readonly FakeCommandInvocation[];
}

export type AutomationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Waiting'
  | 'Success'
  | 'TimedOut'
  | 'Cancelling'
  | 'Cancelled'
  | 'Failed'
  | 'CompletedWithSuccess'
  | 'CompletedWithFailure'
  | 'Exited';

export interface FakeAutomationStep {
  readonly stepName: string;
  /** `aws:` + the action, e.g. `aws:runInstances`. */
  readonly action: string;
  readonly status: AutomationStatus;
  readonly failureMessage?: string;
  readonly failureDetails?: {
    readonly failureStage?: string;
    readonly failureType?: string;
    readonly details?: Readonly<Record<string, readonly string[]>>;
  };
  readonly outputs?: Readonly<Record<string, readonly string[]>>;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

export interface FakeAutomationExecution {
  /** 36 characters (a UUID). */
  readonly automationExecutionId: string;
  readonly documentName: string;
  readonly status: AutomationStatus;
  readonly failureMessage?: string;
  readonly executedBy?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly steps: readonly FakeAutomationStep[];
}

/** How many step executions `GetAutomationExecution` returns before `StepExecutionsTruncated` (AWS does not say; small to be testable). */
export const INLINE_STEP_EXECUTIONS = 3;
/** The SSM Agent's limits: a step's stdout and stderr heads, and its combined `Output`. */
export const MAX_STDOUT = 24_000;
export const MAX_STDERR = 8_000;
export const MAX_PLUGIN_OUTPUT = 2_500;
const OUTPUT_TRUNCATED_SUFFIX = '--output truncated--';
const ERROR_TITLE = '\n----------ERROR-------\n';
const TRUNCATE_OUT = '\n---Output truncated---';
const TRUNCATE_ERROR = '\n---Error truncated----';

const COMMAND_PAGES: PageBounds = { min: 1, max: 50, default: 50 };
const ID_36 = /^.{36}$/s;
const INSTANCE_ID = /(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)/;
const TIME_FILTER = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** ListCommandInvocations' Status filter values: the statuses, and the details some of them stand for. */
const STATUS_FILTER_VALUES = new Set([
  'Pending',
  'InProgress',
  'Delayed',
  'Success',
  'Cancelled',
  'Failed',
  'TimedOut',
  'AccessDenied',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'Undeliverable',
  'InvalidPlatform',
  'Terminated',
]);
const AUTOMATION_STATUSES = new Set([
  'Pending',
  'InProgress',
  'Waiting',
  'Success',
  'TimedOut',
  'Cancelling',
  'Cancelled',
  'Failed',
  'PendingApproval',
  'Approved',
  'Rejected',
  'Scheduled',
  'RunbookInProgress',
  'PendingChangeCalendarOverride',
  'ChangeCalendarOverrideApproved',
  'ChangeCalendarOverrideRejected',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'Exited',
]);
const STEP_FILTER_KEYS = new Set([
  'StartTimeBefore',
  'StartTimeAfter',
  'StepExecutionStatus',
  'StepExecutionId',
  'StepName',
  'Action',
  'ParentStepExecutionId',
  'ParentStepIteration',
  'ParentStepIteratorValue',
]);

/** `text` if it fits in `max`, else its head with the agent's `--output truncated--` making `max` in all. */
export function outputHead(text: string, max: number): string {
  return text.length <= max
    ? text
    : text.slice(0, max - OUTPUT_TRUNCATED_SUFFIX.length) + OUTPUT_TRUNCATED_SUFFIX;
}

/**
 * A step's `Output` as the SSM Agent builds it: stdout, then (when there is stderr) the
 * `----------ERROR-------` title and stderr, within `capacity`; when both halves are long each keeps
 * its head with a truncation marker, else only the longer one is cut.
 */
export function pluginOutput(stdout: string, stderr: string, capacity = MAX_PLUGIN_OUTPUT): string {
  const title = stderr.length > 0 ? ERROR_TITLE : '';
  const available = capacity - title.length;
  if (stdout.length + stderr.length < available) return stdout + title + stderr;
  const half = Math.floor(available / 2);
  if (stdout.length > half && stderr.length > half) {
    const keep = Math.floor((available - TRUNCATE_ERROR.length - TRUNCATE_OUT.length) / 2);
    return stdout.slice(0, keep) + TRUNCATE_OUT + title + stderr.slice(0, keep) + TRUNCATE_ERROR;
  }
  if (stdout.length < half) {
    return (
      stdout + title + stderr.slice(0, available - TRUNCATE_ERROR.length - stdout.length) + TRUNCATE_ERROR
    );
  }
  return (
    stdout.slice(0, Math.max(0, available - TRUNCATE_OUT.length - stderr.length)) +
    TRUNCATE_OUT +
    title +
    stderr
  );
}

export class LocalCommands {
  readonly operations: Record<string, OperationHandler> = {
    ListCommandInvocations: (i) => this.listCommandInvocations(i),
    GetCommandInvocation: (i) => this.getCommandInvocation(i),
    GetAutomationExecution: (i) => this.getAutomationExecution(i),
    DescribeAutomationStepExecutions: (i) => this.describeStepExecutions(i),
  };

  private readonly commands = new Map<string, FakeCommand & { requestedAt: Date }>();
  private readonly automations = new Map<string, FakeAutomationExecution>();

  /** @param now the clock a command without `requestedAt` is dated by */
  constructor(private readonly now: () => number) {}

  /** Adds (or replaces) a command; its IDs must be valid ones. */
  addCommand(command: FakeCommand): void {
    const badNode = command.invocations.find((i) => !INSTANCE_ID.test(i.instanceId));
    if (!ID_36.test(command.commandId) || badNode) {
      throw new Error(
        `addCommand: ${command.commandId} / ${badNode?.instanceId ?? ''} is not a valid command or node ID`,
      );
    }
    this.commands.set(command.commandId, {
      ...command,
      requestedAt: command.requestedAt ?? new Date(this.now()),
    });
  }

  /** Adds (or replaces) an automation execution; its ID must be 36 characters. */
  addAutomationExecution(execution: FakeAutomationExecution): void {
    if (!ID_36.test(execution.automationExecutionId)) {
      throw new Error(
        `addAutomationExecution: ${execution.automationExecutionId} is not a valid execution ID`,
      );
    }
    this.automations.set(execution.automationExecutionId, execution);
  }

  private listCommandInvocations(input: Record<string, unknown>): Record<string, unknown> {
    const commandId = optionalString(input, 'CommandId', ID_36);
    const instanceId = optionalString(input, 'InstanceId', INSTANCE_ID);
    const pageSize = pageSizeOf(input, COMMAND_PAGES);
    const matches = commandFilter(input.Filters);
    const details = input.Details === true;
    if (commandId && !this.commands.has(commandId)) throw invalidCommandId();
    const commands = commandId
      ? [this.commands.get(commandId) as StoredCommand]
      : [...this.commands.values()];
    const rows = commands.flatMap((command) =>
      command.invocations
        .filter((invocation) => !instanceId || invocation.instanceId === instanceId)
        .filter((invocation) => matches(command, invocation))
        .map((invocation) => ({ command, invocation })),
    );
    const scope = `commands/${JSON.stringify([commandId, instanceId, input.Filters, details])}`;
    const offset = decodeToken(input.NextToken, scope);
    const next = offset + pageSize;
    return {
      CommandInvocations: rows
        .slice(offset, next)
        .map(({ command, invocation }) => invocationRecord(command, invocation, details)),
      ...(next < rows.length ? { NextToken: encodeToken(scope, next) } : {}),
    };
  }

  private getCommandInvocation(input: Record<string, unknown>): Record<string, unknown> {
    const commandId = requiredString(input, 'CommandId', ID_36);
    const instanceId = requiredString(input, 'InstanceId', INSTANCE_ID);
    const pluginName = optionalString(input, 'PluginName', /^.{4,}$/s);
    const command = this.commands.get(commandId);
    if (!command) throw invalidCommandId();
    const invocation = command.invocations.find((i) => i.instanceId === instanceId);
    if (!invocation) {
      throw new ServiceError(
        'InvocationDoesNotExist',
        "The command ID and managed node ID you specified didn't match any invocations.",
      );
    }
    const step = pluginName
      ? invocation.steps.find((s) => s.name === pluginName)
      : invocation.steps.length === 1
        ? invocation.steps[0]
        : undefined;
    if (!step) throw new ServiceError('InvalidPluginName', "The plugin name isn't valid.");
    const finished = step.status !== 'Pending' && step.status !== 'InProgress';
    const urls = outputUrls(command, instanceId, step);
    return {
      CommandId: commandId,
      InstanceId: instanceId,
      Comment: command.comment ?? '',
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion ?? '1',
      PluginName: step.name,
      ResponseCode: responseCodeOf(step),
      ExecutionStartDateTime: step.startTime?.toISOString() ?? '',
      ExecutionElapsedTime: elapsed(step),
      ExecutionEndDateTime: step.endTime?.toISOString() ?? '',
      Status: step.status,
      StatusDetails: stepDetailsOf(step),
      StandardOutputContent: finished ? outputHead(step.stdout ?? '', MAX_STDOUT) : '',
      StandardOutputUrl: urls.stdout,
      StandardErrorContent: finished ? outputHead(step.stderr ?? '', MAX_STDERR) : '',
      StandardErrorUrl: urls.stderr,
      CloudWatchOutputConfig: cloudWatchConfig(command),
    };
  }

  private getAutomationExecution(input: Record<string, unknown>): Record<string, unknown> {
    const execution = this.automation(input);
    return {
      AutomationExecution: {
        AutomationExecutionId: execution.automationExecutionId,
        DocumentName: execution.documentName,
        DocumentVersion: '1',
        AutomationExecutionStatus: execution.status,
        ...(execution.startTime ? { ExecutionStartTime: epochSeconds(execution.startTime) } : {}),
        ...(execution.endTime ? { ExecutionEndTime: epochSeconds(execution.endTime) } : {}),
        ...(execution.failureMessage ? { FailureMessage: execution.failureMessage } : {}),
        ...(execution.executedBy ? { ExecutedBy: execution.executedBy } : {}),
        Mode: 'Auto',
        StepExecutions: execution.steps.slice(0, INLINE_STEP_EXECUTIONS).map(stepExecutionRecord),
        StepExecutionsTruncated: execution.steps.length > INLINE_STEP_EXECUTIONS,
      },
    };
  }

  private describeStepExecutions(input: Record<string, unknown>): Record<string, unknown> {
    const execution = this.automation(input);
    const pageSize = pageSizeOf(input, COMMAND_PAGES);
    const matches = stepFilter(input.Filters);
    const steps = execution.steps.map((step, index) => ({ step, index })).filter(matches);
    if (input.ReverseOrder === true) steps.reverse();
    const scope = `steps/${execution.automationExecutionId}/${JSON.stringify([input.Filters, input.ReverseOrder])}`;
    const offset = decodeToken(input.NextToken, scope);
    const next = offset + pageSize;
    return {
      StepExecutions: steps.slice(offset, next).map(({ step, index }) => stepExecutionRecord(step, index)),
      ...(next < steps.length ? { NextToken: encodeToken(scope, next) } : {}),
    };
  }

  private automation(input: Record<string, unknown>): FakeAutomationExecution {
    const id = requiredString(input, 'AutomationExecutionId', ID_36);
    const execution = this.automations.get(id);
    if (!execution) {
      throw new ServiceError(
        'AutomationExecutionNotFoundException',
        `Automation Execution id ${id} does not exist`,
      );
    }
    return execution;
  }
}

type StoredCommand = FakeCommand & { requestedAt: Date };

function invalidCommandId(): ServiceError {
  return new ServiceError('InvalidCommandId', "The specified command ID isn't valid.");
}

function invocationRecord(
  command: StoredCommand,
  invocation: FakeCommandInvocation,
  details: boolean,
): Record<string, unknown> {
  const [only] = invocation.steps.length === 1 ? invocation.steps : [];
  const urls = only ? outputUrls(command, invocation.instanceId, only) : { stdout: '', stderr: '' };
  return {
    CommandId: command.commandId,
    InstanceId: invocation.instanceId,
    InstanceName: invocation.instanceName ?? '',
    Comment: command.comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion ?? '1',
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: invocationStatusOf(invocation),
    StatusDetails: invocationDetailsOf(invocation),
    TraceOutput: '',
    StandardOutputUrl: urls.stdout,
    StandardErrorUrl: urls.stderr,
    CommandPlugins: details ? invocation.steps.map((step) => pluginRecord(command, invocation, step)) : [],
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: cloudWatchConfig(command),
  };
}

function pluginRecord(
  command: StoredCommand,
  invocation: FakeCommandInvocation,
  step: FakeCommandStep,
): Record<string, unknown> {
  const urls = outputUrls(command, invocation.instanceId, step);
  return {
    Name: step.name,
    Status: step.status,
    StatusDetails: stepDetailsOf(step),
    ResponseCode: responseCodeOf(step),
    ...(step.startTime ? { ResponseStartDateTime: epochSeconds(step.startTime) } : {}),
    ...(step.endTime ? { ResponseFinishDateTime: epochSeconds(step.endTime) } : {}),
    Output: pluginOutput(
      outputHead(step.stdout ?? '', MAX_STDOUT),
      outputHead(step.stderr ?? '', MAX_STDERR),
    ),
    StandardOutputUrl: urls.stdout,
    StandardErrorUrl: urls.stderr,
    OutputS3Region: command.outputS3?.region ?? '',
    OutputS3BucketName: command.outputS3?.bucketName ?? '',
    OutputS3KeyPrefix: command.outputS3?.keyPrefix ?? '',
  };
}

/** The S3 URLs of a step's full stdout/stderr: `https://s3.<region>.amazonaws.com/<bucket>/<prefix>/<command>/<node>/<plugin>/<step>/stdout`. */
function outputUrls(
  command: FakeCommand,
  instanceId: string,
  step: FakeCommandStep,
): { stdout: string; stderr: string } {
  const s3 = command.outputS3;
  if (!s3) return { stdout: '', stderr: '' };
  const plugin = (step.action ?? 'aws:runShellScript').replace(':', '');
  const key = [s3.keyPrefix, command.commandId, instanceId, plugin, step.name].filter(Boolean).join('/');
  const base = `https://s3.${s3.region ?? 'us-east-1'}.amazonaws.com/${s3.bucketName}/${key}`;
  return { stdout: `${base}/stdout`, stderr: `${base}/stderr` };
}

function cloudWatchConfig(command: FakeCommand): Record<string, unknown> {
  return {
    CloudWatchLogGroupName: command.cloudWatchOutput?.logGroupName ?? '',
    CloudWatchOutputEnabled: command.cloudWatchOutput !== undefined,
  };
}

function invocationStatusOf(invocation: FakeCommandInvocation): CommandInvocationStatus {
  if (invocation.status) return invocation.status;
  if (invocation.steps.some((s) => s.status === 'TimedOut')) return 'TimedOut';
  return invocation.steps.some((s) => s.status === 'Failed') ? 'Failed' : 'Success';
}

function invocationDetailsOf(invocation: FakeCommandInvocation): string {
  if (invocation.statusDetails) return invocation.statusDetails;
  const status = invocationStatusOf(invocation);
  return status === 'TimedOut' ? 'ExecutionTimedOut' : status;
}

function stepDetailsOf(step: FakeCommandStep): string {
  return step.statusDetails ?? (step.status === 'TimedOut' ? 'ExecutionTimedOut' : step.status);
}

function responseCodeOf(step: FakeCommandStep): number {
  return step.responseCode ?? (step.status === 'Success' ? 0 : step.status === 'Failed' ? 1 : -1);
}

/** ISO 8601 duration of a step, e.g. `PT90.5S`; empty when it has no start and end. */
function elapsed(step: FakeCommandStep): string {
  if (!step.startTime || !step.endTime) return '';
  return `PT${(step.endTime.getTime() - step.startTime.getTime()) / 1000}S`;
}

/** A predicate for ListCommandInvocations' Filters (all must hold). */
function commandFilter(
  filters: unknown,
): (command: StoredCommand, invocation: FakeCommandInvocation) => boolean {
  if (filters === undefined) return () => true;
  if (!Array.isArray(filters) || filters.length < 1 || filters.length > 5) {
    throw new ServiceError('ValidationException', 'Filters must be a list of 1 to 5 filters');
  }
  const tests = (filters as { key?: unknown; value?: unknown }[]).map(({ key, value }) => {
    const text = String(value ?? '');
    if (text.length < 1 || text.length > 128) {
      throw new ServiceError('ValidationException', `Filter value must have length between 1 and 128`);
    }
    switch (key) {
      case 'InvokedAfter':
      case 'InvokedBefore': {
        if (!TIME_FILTER.test(text)) throw new ServiceError('InvalidFilterValue', `Invalid ${key} value`);
        const at = Date.parse(text);
        return (command: StoredCommand) =>
          key === 'InvokedAfter' ? command.requestedAt.getTime() >= at : command.requestedAt.getTime() <= at;
      }
      case 'Status':
        if (!STATUS_FILTER_VALUES.has(text))
          throw new ServiceError('InvalidFilterValue', 'Invalid Status value');
        return (_: StoredCommand, invocation: FakeCommandInvocation) =>
          invocationStatusOf(invocation) === text || invocationDetailsOf(invocation) === text;
      case 'DocumentName':
        return (command: StoredCommand) => command.documentName === text;
      default:
        // ExecutionStage included: "The ExecutionStage filter can't be used with the ListCommandInvocations operation".
        throw new ServiceError('InvalidFilterKey', "The specified key isn't valid.");
    }
  });
  return (command, invocation) => tests.every((test) => test(command, invocation));
}

/** A predicate for DescribeAutomationStepExecutions' Filters (all keys must hold; any value of one). */
function stepFilter(filters: unknown): (entry: { step: FakeAutomationStep; index: number }) => boolean {
  if (filters === undefined) return () => true;
  if (!Array.isArray(filters) || filters.length < 1 || filters.length > 6) {
    throw new ServiceError('ValidationException', 'Filters must be a list of 1 to 6 filters');
  }
  const tests = (filters as { Key?: unknown; Values?: unknown }[]).map(({ Key, Values }) => {
    const key = String(Key);
    if (!STEP_FILTER_KEYS.has(key))
      throw new ServiceError('InvalidFilterKey', "The specified key isn't valid.");
    if (!Array.isArray(Values) || Values.length < 1 || Values.length > 10) {
      throw new ServiceError('ValidationException', `Filter ${key} must have 1 to 10 values`);
    }
    const values = Values.map(String);
    switch (key) {
      case 'StepExecutionStatus':
        for (const value of values) {
          if (!AUTOMATION_STATUSES.has(value)) {
            throw new ServiceError('InvalidFilterValue', `${value} is not a valid StepExecutionStatus`);
          }
        }
        return ({ step }: { step: FakeAutomationStep }) => values.includes(step.status);
      case 'StepName':
        return ({ step }: { step: FakeAutomationStep }) => values.includes(step.stepName);
      case 'Action':
        return ({ step }: { step: FakeAutomationStep }) => values.includes(step.action);
      case 'StepExecutionId':
        return ({ index }: { index: number }) => values.includes(stepExecutionId(index));
      case 'StartTimeBefore':
      case 'StartTimeAfter': {
        const at = Date.parse(values[0] ?? '');
        if (Number.isNaN(at)) throw new ServiceError('InvalidFilterValue', `Invalid ${key} value`);
        return ({ step }: { step: FakeAutomationStep }) =>
          step.startTime !== undefined &&
          (key === 'StartTimeAfter' ? step.startTime.getTime() >= at : step.startTime.getTime() <= at);
      }
      default:
        // Parent* keys: no step here runs inside a loop, so none matches.
        return () => false;
    }
  });
  return (entry) => tests.every((test) => test(entry));
}

function stepExecutionId(index: number): string {
  return `5de90000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

function stepExecutionRecord(step: FakeAutomationStep, index: number): Record<string, unknown> {
  const details = step.failureDetails;
  return {
    StepName: step.stepName,
    Action: step.action,
    StepExecutionId: stepExecutionId(index),
    StepStatus: step.status,
    ...(step.startTime ? { ExecutionStartTime: epochSeconds(step.startTime) } : {}),
    ...(step.endTime ? { ExecutionEndTime: epochSeconds(step.endTime) } : {}),
    ...(step.failureMessage ? { FailureMessage: step.failureMessage } : {}),
    ...(details
      ? {
          FailureDetails: {
            ...(details.failureStage ? { FailureStage: details.failureStage } : {}),
            ...(details.failureType ? { FailureType: details.failureType } : {}),
            ...(details.details ? { Details: details.details } : {}),
          },
        }
      : {}),
    ...(step.outputs ? { Outputs: step.outputs } : {}),
    OnFailure: 'Abort',
    IsCritical: true,
  };
}

function requiredString(input: Record<string, unknown>, field: string, pattern: RegExp): string {
  const value = optionalString(input, field, pattern);
  if (value === undefined) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(input: Record<string, unknown>, field: string, pattern: RegExp): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: ` +
        `Member must satisfy constraint: ${pattern.source}`,
    );
  }
  return value;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/**
 * Realistic, deterministic maintenance-window data with IDs valid for the SSM API (unlike the
 * samples in AWS's documentation), the EventBridge events SSM sends about it (from the central
 * account or forwarded from a member), and an Organization of member accounts seeded in a few lines.
 */
import type { LocalAws } from './server';
import type {
  FakeInvocation,
  FakeTaskExecution,
  FakeWindowExecution,
  InvocationStatus,
  TaskType,
} from './ssm';

let sequence = 0;

/** A valid v4-shaped UUID, unique within the test process and reproducible from run to run. */
export function uuid(): string {
  sequence++;
  const hex = sequence.toString(16).padStart(12, '0');
  return `5eed0000-0000-4000-8000-${hex}`;
}

/** A valid maintenance window ID, `mw-` + 17 hex digits. */
export function windowId(n = 1): string {
  return `mw-${n.toString(16).padStart(17, '0')}`;
}

function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

/** Status details as Run Command and Automation report them; several per status, used in turn. */
const STATUS_DETAILS: Record<InvocationStatus, readonly string[]> = {
  PENDING: ['Pending'],
  IN_PROGRESS: ['InProgress'],
  SUCCESS: ['Success'],
  FAILED: ['Failed', 'Undeliverable', 'Failed', 'InvalidPlatform'],
  TIMED_OUT: ['ExecutionTimedOut', 'DeliveryTimedOut'],
  CANCELLING: ['Cancelling'],
  CANCELLED: ['Cancelled'],
  SKIPPED_OVERLAPPING: ['Skipped'],
};

/** `Parameters` as SSM records it for each task type; it includes a secret the monitor must never show. */
function parameters(taskType: TaskType, instance: string): string {
  switch (taskType) {
    case 'RUN_COMMAND':
      return JSON.stringify({
        documentName: 'AWS-RunPatchBaseline',
        instanceIds: [instance],
        parameters: {
          Operation: ['Install'],
          RebootOption: ['RebootIfNeeded'],
          InstallOverrideList: ['s3://secret-bucket/token=hunter2'],
        },
        maxConcurrency: '10%',
        maxErrors: '5%',
        timeoutSeconds: 3600,
      });
    case 'AUTOMATION':
      return JSON.stringify({
        documentName: 'AWS-RestartEC2Instance',
        parameters: {
          InstanceId: [instance],
          AutomationAssumeRole: ['arn:aws:iam::123456789012:role/hunter2'],
        },
      });
    case 'STEP_FUNCTIONS':
      return JSON.stringify({ input: JSON.stringify({ instance, apiKey: 'hunter2' }), name: 'patch-run' });
    case 'LAMBDA':
      return JSON.stringify({
        payload: Buffer.from(JSON.stringify({ instance, apiKey: 'hunter2' })).toString('base64'),
      });
  }
}

export type StatusCounts = Partial<Record<InvocationStatus, number>>;

const TASK_ARNS: Record<TaskType, string> = {
  RUN_COMMAND: 'AWS-RunPatchBaseline',
  AUTOMATION: 'AWS-RestartEC2Instance',
  STEP_FUNCTIONS: 'arn:aws:states:us-east-1:123456789012:stateMachine:patch-fleet',
  LAMBDA: 'arn:aws:lambda:us-east-1:123456789012:function:patch-fleet',
};

export interface TaskOptions {
  /** The task's own status; SSM reports SUCCESS when failures stayed under the error threshold. */
  readonly status?: InvocationStatus;
  readonly statusDetails?: string;
}

/**
 * A task execution with `counts` invocations of each status, interleaved so that failures spread
 * across pages as they would in a real fleet.
 */
export function taskExecution(
  taskType: TaskType,
  counts: StatusCounts,
  options: TaskOptions = {},
): FakeTaskExecution {
  const statuses = Object.entries(counts).flatMap(([status, n]) =>
    Array.from({ length: n ?? 0 }, () => status as InvocationStatus),
  );
  // Deterministic interleave: stride through the list with a step coprime to its length.
  const step = statuses.length > 2 ? coprimeStep(statuses.length) : 1;
  const ordered = statuses.map((_, i) => statuses[(i * step) % statuses.length] as InvocationStatus);
  const windowTargetId = uuid();
  const started = Date.parse('2026-11-28T02:00:00Z');
  const invocations = ordered.map((status, i): FakeInvocation => {
    const instance = instanceId(0x1000 + sequence + i);
    return {
      InvocationId: uuid(),
      ExecutionId: uuid(),
      TaskType: taskType,
      Parameters: parameters(taskType, instance),
      Status: status,
      StatusDetails: STATUS_DETAILS[status][i % STATUS_DETAILS[status].length],
      StartTime: new Date(started + i * 1000),
      EndTime: new Date(started + i * 1000 + 90_000),
      OwnerInformation: 'team=payments;oncall=hunter2',
      WindowTargetId: windowTargetId,
    };
  });
  return {
    taskExecutionId: uuid(),
    taskType,
    taskArn: TASK_ARNS[taskType],
    status: options.status ?? 'SUCCESS',
    ...(options.statusDetails ? { statusDetails: options.statusDetails } : {}),
    startTime: new Date(started),
    endTime: new Date(started + invocations.length * 1000 + 90_000),
    invocations,
  };
}

function coprimeStep(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let step = Math.max(2, Math.floor(n * 0.618));
  while (gcd(step, n) !== 1) step++;
  return step;
}

export function windowExecution(
  tasks: FakeTaskExecution[],
  window = windowId(),
  timing: Pick<FakeWindowExecution, 'status' | 'startTime' | 'endTime'> = {},
): FakeWindowExecution {
  return { windowId: window, windowExecutionId: uuid(), tasks, ...timing };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Where an event comes from: the account and Region of its window, and the event's own ID. */
interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
  readonly id: string;
}

/** An `aws.ssm` state-change event as EventBridge delivers it, for `execution`'s window. */
function ssmEvent(
  detailType: string,
  execution: FakeWindowExecution,
  endTime: Date,
  detail: Record<string, unknown>,
  origin: EventOrigin = { accountId: '123456789012', region: 'us-east-1', id: uuid() },
): Record<string, unknown> {
  const { accountId, region, id } = origin;
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.ssm',
    account: accountId,
    time: isoSeconds(endTime),
    region,
    resources: [`arn:aws:ssm:${region}:${accountId}:maintenancewindow/${execution.windowId}`],
    detail: {
      'window-id': execution.windowId,
      'window-execution-id': execution.windowExecutionId,
      ...detail,
    },
  };
}

/** The EventBridge event SSM sends when a window execution ends. */
export function executionEvent(
  execution: FakeWindowExecution,
  status = 'SUCCESS',
  endTime = new Date(),
): Record<string, unknown> {
  return ssmEvent(EXECUTION_DETAIL_TYPE, execution, endTime, executionDetail(status, endTime));
}

const EXECUTION_DETAIL_TYPE = 'Maintenance Window Execution State-change Notification';

function executionDetail(status: string, endTime: Date): Record<string, unknown> {
  return {
    'start-time': new Date(endTime.getTime() - 3_600_000).toISOString(),
    'end-time': endTime.toISOString().replace('Z', '183Z'),
    status,
  };
}

/** The member account and Region a forwarded event comes from. */
export interface MemberEventOptions {
  readonly accountId: string;
  readonly region: string;
  /** @default now */
  readonly endTime?: Date;
  /** The event's ID. @default a fresh UUID */
  readonly id?: string;
}

/**
 * The EventBridge event SSM sends when a window execution of a member account ends, as it arrives
 * on the central bus through the member's forwarding rule: EventBridge keeps the envelope, so
 * `account` and `region` are the member's, and `resources` names the member's window.
 */
export function memberExecutionEvent(
  execution: FakeWindowExecution,
  status: string,
  options: MemberEventOptions,
): Record<string, unknown> {
  const endTime = options.endTime ?? new Date();
  return ssmEvent(EXECUTION_DETAIL_TYPE, execution, endTime, executionDetail(status, endTime), {
    accountId: options.accountId,
    region: options.region,
    id: options.id ?? uuid(),
  });
}

/** The EventBridge event SSM sends when `task` of `execution` ends. */
export function taskExecutionEvent(
  execution: FakeWindowExecution,
  task: FakeTaskExecution,
  status = 'SUCCESS',
  endTime = new Date(),
): Record<string, unknown> {
  return ssmEvent('Maintenance Window Task Execution State-change Notification', execution, endTime, {
    'start-time': new Date(endTime.getTime() - 600_000).toISOString().replace('Z', '273Z'),
    'task-execution-id': task.taskExecutionId,
    'end-time': endTime.toISOString(),
    status,
  });
}

/** A valid member account ID, distinct from the central `123456789012`: `memberAccountId(1)` is `200000000001`. */
export function memberAccountId(n: number): string {
  return `2${String(n).padStart(11, '0')}`;
}

/** The monitor's read role in a member account for one Region, as its documentation names it. */
export function memberReadRole(region: string, prefix = 'MaintenanceWindowMonitor'): string {
  return `${prefix}-Read-${region}`;
}

export interface OrganizationSpec {
  /** How many member accounts, besides the central one. @default 3 */
  readonly accounts?: number;
  /** @default ['us-east-1', 'eu-west-1'] */
  readonly regions?: readonly string[];
  /** The prefix of the read roles' names. @default 'MaintenanceWindowMonitor' */
  readonly rolePrefix?: string;
  /** When every seeded run ended (it started 30 minutes earlier). @default now */
  readonly endTime?: Date;
}

/** One account and Region `seedOrganization` filled in, and what it holds. */
export interface SeededTarget {
  readonly accountId: string;
  readonly accountName: string;
  readonly region: string;
  readonly roleName: string;
  /** Its one execution: a Run Command task with 20 successes and `failed` failures. */
  readonly execution: FakeWindowExecution;
  /** Unique across the targets, so a result read from the wrong account or Region shows. */
  readonly failed: number;
  /** The event the execution's end sends to the central bus. */
  readonly event: Record<string, unknown>;
}

/**
 * An Organization in one call: `accounts` ACTIVE member accounts (`member-1`...), each with the
 * read role of every Region (allowed in its own Region only) and, in every Region, a named window
 * with one execution whose failure count is unique to that account and Region.
 */
export function seedOrganization(fake: LocalAws, spec: OrganizationSpec = {}): SeededTarget[] {
  const regions = spec.regions ?? ['us-east-1', 'eu-west-1'];
  const endTime = spec.endTime ?? new Date();
  const timing = { startTime: new Date(endTime.getTime() - 30 * 60_000), endTime };
  const targets: SeededTarget[] = [];
  for (let n = 1; n <= (spec.accounts ?? 3); n++) {
    const accountId = memberAccountId(n);
    const accountName = `member-${n}`;
    fake.addAccount({ accountId, name: accountName });
    for (const region of regions) {
      const roleName = memberReadRole(region, spec.rolePrefix);
      fake.addRole(accountId, roleName, { regions: [region] });
      const failed = targets.length + 1;
      const execution = windowExecution(
        [taskExecution('RUN_COMMAND', { SUCCESS: 20, FAILED: failed })],
        windowId(0x1000 + targets.length),
        timing,
      );
      fake.addWindow(
        { windowId: execution.windowId, name: `patch-${accountName}-${region}` },
        { accountId, region },
      );
      fake.addWindowExecution(execution, { accountId, region });
      const event = memberExecutionEvent(execution, 'SUCCESS', { accountId, region, endTime });
      targets.push({ accountId, accountName, region, roleName, execution, failed, event });
    }
  }
  return targets;
}

/**
 * The SSM part of the local endpoint: the maintenance windows and executions it knows, and the
 * operations the monitor calls on them, with SSM's ID patterns, STATUS filters, pagination and
 * `DoesNotExistException`s. Its rules are copied from AWS's API reference on purpose, not imported
 * from the code under test.
 */
import { page, pageSizeOf } from './pagination';
import { type OperationHandler, ServiceError } from './protocols';

export type TaskType = 'RUN_COMMAND' | 'AUTOMATION' | 'STEP_FUNCTIONS' | 'LAMBDA';
export type InvocationStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'SKIPPED_OVERLAPPING';

/** One task invocation, as `MaintenanceWindowExecutionTaskInvocationIdentity` describes it. */
export interface FakeInvocation {
  readonly InvocationId: string;
  readonly ExecutionId?: string;
  readonly TaskType: TaskType;
  readonly Parameters?: string;
  readonly Status: InvocationStatus;
  readonly StatusDetails?: string;
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly OwnerInformation?: string;
  readonly WindowTargetId?: string;
}

export interface FakeTaskExecution {
  readonly taskExecutionId: string;
  readonly taskType: TaskType;
  /** Document name, function or state machine ARN. */
  readonly taskArn?: string;
  readonly status?: InvocationStatus;
  readonly statusDetails?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly invocations: readonly FakeInvocation[];
}

export interface FakeWindowExecution {
  readonly windowId: string;
  readonly windowExecutionId: string;
  /** @default 'SUCCESS' */
  readonly status?: InvocationStatus;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly tasks: readonly FakeTaskExecution[];
}

export interface FakeWindow {
  readonly windowId: string;
  readonly name: string;
}

const WINDOW_ID = /^mw-[0-9a-f]{17}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INVOCATION_STATUSES = new Set<string>([
  'PENDING',
  'IN_PROGRESS',
  'SUCCESS',
  'FAILED',
  'TIMED_OUT',
  'CANCELLING',
  'CANCELLED',
]);

export class LocalSsm {
  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    DescribeMaintenanceWindowExecutionTasks: (i) => this.describeExecutionTasks(i),
    DescribeMaintenanceWindowExecutionTaskInvocations: (i) => this.describeTaskInvocations(i),
    GetMaintenanceWindow: (i) => this.getWindow(i),
    DescribeMaintenanceWindows: (i) => this.describeWindows(i),
    DescribeMaintenanceWindowExecutions: (i) => this.describeWindowExecutions(i),
  };

  private readonly executions = new Map<string, FakeWindowExecution>();
  private readonly windows = new Map<string, FakeWindow>();

  /** @param now the clock an execution without start or end time is dated by */
  constructor(private readonly now: () => number) {}

  /** Adds an execution whose invocations the SSM API will list; its IDs must be valid ones. */
  addWindowExecution(execution: FakeWindowExecution): void {
    const ids = [execution.windowExecutionId, ...execution.tasks.map((task) => task.taskExecutionId)];
    if (!WINDOW_ID.test(execution.windowId) || !ids.every((id) => UUID.test(id))) {
      throw new Error(`addWindowExecution: ${execution.windowId} / ${ids.join(', ')} are not valid SSM IDs`);
    }
    this.executions.set(execution.windowExecutionId, execution);
  }

  /** Forgets every execution and window. */
  clear(): void {
    this.executions.clear();
    this.windows.clear();
  }

  /** A window `GetMaintenanceWindow` knows; any other is DoesNotExist. */
  addWindow(window: FakeWindow): void {
    if (!WINDOW_ID.test(window.windowId))
      throw new Error(`addWindow: ${window.windowId} is not a valid window ID`);
    this.windows.set(window.windowId, window);
  }

  private describeExecutionTasks(input: Record<string, unknown>): Record<string, unknown> {
    const windowExecutionId = requiredString(input, 'WindowExecutionId', UUID);
    const pageSize = pageSizeOf(input);
    const statuses = statusFilter(input.Filters);
    const execution = this.executions.get(windowExecutionId);
    if (!execution) {
      throw new ServiceError(
        'DoesNotExistException',
        `Maintenance window execution ${windowExecutionId} does not exist`,
      );
    }
    const matching = statuses
      ? execution.tasks.filter((t) => statuses.has(t.status ?? 'SUCCESS'))
      : execution.tasks;
    return page(
      matching,
      input.NextToken,
      `${windowExecutionId}/tasks`,
      pageSize,
      'WindowExecutionTaskIdentities',
      (task) => ({
        WindowExecutionId: windowExecutionId,
        TaskExecutionId: task.taskExecutionId,
        TaskType: task.taskType,
        Status: task.status ?? 'SUCCESS',
        ...(task.statusDetails ? { StatusDetails: task.statusDetails } : {}),
        ...(task.taskArn ? { TaskArn: task.taskArn } : {}),
        ...(task.startTime ? { StartTime: epochSeconds(task.startTime) } : {}),
        ...(task.endTime ? { EndTime: epochSeconds(task.endTime) } : {}),
      }),
    );
  }

  private describeTaskInvocations(input: Record<string, unknown>): Record<string, unknown> {
    const windowExecutionId = requiredString(input, 'WindowExecutionId', UUID);
    const taskId = requiredString(input, 'TaskId', UUID);
    const pageSize = pageSizeOf(input);
    const statuses = statusFilter(input.Filters);

    const execution = this.executions.get(windowExecutionId);
    const task = execution?.tasks.find((t) => t.taskExecutionId === taskId);
    if (!execution || !task) {
      throw new ServiceError(
        'DoesNotExistException',
        `Maintenance window execution ${windowExecutionId} task ${taskId} does not exist`,
      );
    }

    const matching = statuses ? task.invocations.filter((i) => statuses.has(i.Status)) : task.invocations;
    return page(
      matching,
      input.NextToken,
      `${windowExecutionId}/${taskId}`,
      pageSize,
      'WindowExecutionTaskInvocationIdentities',
      (invocation) => ({
        WindowExecutionId: windowExecutionId,
        TaskExecutionId: taskId,
        ...invocation,
        ...(invocation.StartTime ? { StartTime: epochSeconds(invocation.StartTime) } : {}),
        ...(invocation.EndTime ? { EndTime: epochSeconds(invocation.EndTime) } : {}),
      }),
    );
  }

  private describeWindows(input: Record<string, unknown>): Record<string, unknown> {
    const pageSize = pageSizeOf(input);
    const ids = [
      ...new Set([...this.windows.keys(), ...[...this.executions.values()].map((e) => e.windowId)]),
    ].sort();
    return page(ids, input.NextToken, 'windows', pageSize, 'WindowIdentities', (windowId) => ({
      WindowId: windowId,
      Name: this.windows.get(windowId)?.name ?? windowId,
      Enabled: true,
    }));
  }

  private describeWindowExecutions(input: Record<string, unknown>): Record<string, unknown> {
    const windowId = requiredString(input, 'WindowId', WINDOW_ID);
    const pageSize = pageSizeOf(input);
    let after = Number.NEGATIVE_INFINITY;
    let before = Number.POSITIVE_INFINITY;
    for (const filter of (input.Filters ?? []) as { Key?: string; Values?: string[] }[]) {
      const value = filter.Values?.[0] ?? '';
      // The API documents one form only, e.g. 2024-11-04T05:00:00Z; nothing else is accepted here.
      const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at) || (filter.Key !== 'ExecutedAfter' && filter.Key !== 'ExecutedBefore')) {
        throw new ServiceError(
          'ValidationException',
          `Filter ${String(filter.Key)} must be ExecutedAfter or ExecutedBefore with a time like 2024-11-04T05:00:00Z, got ${JSON.stringify(value)}`,
        );
      }
      if (filter.Key === 'ExecutedAfter') after = at;
      else before = at;
    }
    const executions = [...this.executions.values()].filter((execution) => {
      const started = (execution.startTime ?? execution.endTime ?? new Date(this.now())).getTime();
      return execution.windowId === windowId && started >= after && started <= before;
    });
    return page(
      executions,
      input.NextToken,
      `${windowId}/executions`,
      pageSize,
      'WindowExecutions',
      (execution) => ({
        WindowId: windowId,
        WindowExecutionId: execution.windowExecutionId,
        Status: execution.status ?? 'SUCCESS',
        ...(execution.startTime ? { StartTime: epochSeconds(execution.startTime) } : {}),
        ...(execution.endTime ? { EndTime: epochSeconds(execution.endTime) } : {}),
      }),
    );
  }

  private getWindow(input: Record<string, unknown>): Record<string, unknown> {
    const windowId = requiredString(input, 'WindowId', WINDOW_ID);
    const window = this.windows.get(windowId);
    if (!window)
      throw new ServiceError('DoesNotExistException', `Maintenance window ${windowId} does not exist`);
    return {
      WindowId: windowId,
      Name: window.name,
      Enabled: true,
      Duration: 4,
      Cutoff: 1,
      Schedule: 'cron(0 2 ? * SUN *)',
    };
  }
}

function requiredString(input: Record<string, unknown>, field: string, pattern: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string') {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!pattern.test(value)) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

function statusFilter(filters: unknown): Set<string> | undefined {
  if (filters === undefined) return undefined;
  if (!Array.isArray(filters) || filters.length > 5) {
    throw new ServiceError('ValidationException', 'Filters must be a list of at most 5 filters');
  }
  const statuses = new Set<string>();
  for (const filter of filters as { Key?: unknown; Values?: unknown }[]) {
    if (filter.Key !== 'STATUS') {
      throw new ServiceError(
        'ValidationException',
        `Filter key ${String(filter.Key)} is not supported; use STATUS`,
      );
    }
    for (const value of Array.isArray(filter.Values) ? filter.Values : []) {
      if (!INVOCATION_STATUSES.has(String(value))) {
        throw new ServiceError('ValidationException', `Filter value ${String(value)} is not a valid STATUS`);
      }
      statuses.add(String(value));
    }
  }
  return statuses;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

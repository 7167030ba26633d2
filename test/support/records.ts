/**
 * Records and events for the pure core's tests: a window execution, its tasks, invocation records
 * (whose Parameters carry a secret the monitor must never show), and tallies of them.
 */
import { OrgMetricDetail, SINGLE_ACCOUNT } from '../../contract';
import type { AccountRegion } from '../../lambda/core/account-region';
import type { ExecutionEvent, TaskEvent } from '../../lambda/core/event';
import type { Reach } from '../../lambda/core/reach';
import { ExecutionTally, type InvocationRecord, type TaskRecord } from '../../lambda/core/tally';

/** The account-Region the function runs in: every run's in one account. */
export const HOME = { accountId: '123456789012', region: 'eu-west-1' };

export const EXECUTION: ExecutionEvent = {
  kind: 'execution',
  accountRegion: HOME,
  windowId: 'mw-0ed7251d3fcf6e0c2',
  windowExecutionId: '14bea65d-5ccc-462d-a2f3-e99c81234567',
  status: 'SUCCESS',
  startTime: new Date('2026-11-28T02:00:00Z'),
  endTime: new Date('2026-11-28T02:10:00Z'),
};

export const TASK_EVENT: TaskEvent = {
  ...EXECUTION,
  kind: 'task',
  taskExecutionId: '6417e808-7f35-4d1a-843f-123456789012',
  status: 'FAILED',
};

export const CONTEXT = { region: 'eu-west-1', partition: 'aws' };

export const PATCH_TASK: TaskRecord = {
  TaskExecutionId: '6417e808-7f35-4d1a-843f-123456789012',
  TaskType: 'RUN_COMMAND',
  TaskArn: 'AWS-RunPatchBaseline',
  Status: 'SUCCESS',
};

export const RESTART_TASK: TaskRecord = {
  TaskExecutionId: '7528f919-8046-4e2b-954a-234567890123',
  TaskType: 'AUTOMATION',
  TaskArn: 'AWS-RestartEC2Instance',
  Status: 'SUCCESS',
};

const DETAILS: Record<string, string> = { FAILED: 'Failed', TIMED_OUT: 'Execution Timed Out' };

/** Invocation `n` with `status`, of a Run Command task unless `extra` says otherwise. */
export function record(status: string, n: number, extra: Partial<InvocationRecord> = {}): InvocationRecord {
  const instance = `i-${n.toString(16).padStart(17, '0')}`;
  return {
    InvocationId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    ExecutionId: `11111111-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    TaskType: 'RUN_COMMAND',
    Parameters: JSON.stringify({ instanceIds: [instance], parameters: { token: ['hunter2'] } }),
    Status: status,
    StatusDetails: DETAILS[status] ?? 'Success',
    WindowTargetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
    ...extra,
  };
}

export function tallyOf(...tasks: [TaskRecord, InvocationRecord[]][]): ExecutionTally {
  const tally = new ExecutionTally();
  for (const [task, records] of tasks) tally.addTask(task).add(records);
  return tally;
}

/** The reach of a monitor of one account: every run is the home account-Region's. */
export const ONE_ACCOUNT: Reach = {
  home: HOME,
  eventOrigin: HOME,
  series: SINGLE_ACCOUNT,
  namesAccountRegions: false,
};

/** The reach of an Organization's monitor, whose central account and Region are `home`. */
export function organizationReach(home: AccountRegion = HOME): Reach {
  return {
    home,
    eventOrigin: 'envelope',
    series: OrgMetricDetail.Account,
    namesAccountRegions: true,
    announcements: { organizationId: 'o-a1b2c3d4e5', rolePrefix: 'MaintenanceWindowMonitor' },
  };
}

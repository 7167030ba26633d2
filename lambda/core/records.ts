/**
 * The record shapes the monitor reads from SSM (the subset of the SDK's types it uses, so the
 * SDK's are assignable) and the counts it makes of them. Pure: types only.
 */

/** The fields of an SSM `MaintenanceWindowExecutionTaskInvocationIdentity` the monitor reads. */
export interface InvocationRecord {
  readonly InvocationId?: string;
  readonly ExecutionId?: string;
  readonly TaskType?: string;
  /** JSON string; may hold secrets. Only an instance ID is ever taken out of it. */
  readonly Parameters?: string;
  readonly Status?: string;
  readonly StatusDetails?: string;
  readonly WindowTargetId?: string;
}

/** The fields of an SSM `MaintenanceWindowExecutionTaskIdentity` the monitor reads. */
export interface TaskRecord {
  readonly TaskExecutionId?: string;
  readonly TaskType?: string;
  /** The document name, function or state machine ARN the task ran. */
  readonly TaskArn?: string;
  readonly Status?: string;
  readonly StatusDetails?: string;
}

export interface Counts {
  total: number;
  failed: number;
  timedOut: number;
  cancelled: number;
}

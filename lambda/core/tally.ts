/**
 * Counting: turns a run's task and invocation records, streamed page by page, into exact counts,
 * and keeps the alert lines of failed targets that can still fit in a message. Pure: no SDK; the
 * record shapes are the subset of the SSM types the monitor reads, so the SDK's are assignable.
 */
import { TextBudget } from './budget';
import type { CauseSubject } from './causes/types';
import type { MonitoredEvent } from './event';
import type { Counts, InvocationRecord, TaskRecord } from './records';
import { describeTarget, instanceIdOf, targetOf } from './target-line';

export type { Counts, InvocationRecord, TaskRecord } from './records';

/**
 * The alert text: SNS's limit is 256 KiB for message and attributes together, and the three short
 * attributes take well under a kilobyte.
 */
export const MAX_MESSAGE_BYTES = 250 * 1024;
const UNHEALTHY_TASK_STATUSES = new Set(['FAILED', 'TIMED_OUT']);
/**
 * Invocation statuses that can still change. A run can end (cancelled, or cut off at the window's
 * end) while some of its invocations go on running; they are counted once they finish.
 */
const UNFINISHED_STATUSES = new Set(['PENDING', 'IN_PROGRESS', 'CANCELLING']);
/** Statuses of a run that did not (fully) happen: operators must hear that patching was skipped. */
const DID_NOT_RUN = new Set(['CANCELLED', 'SKIPPED_OVERLAPPING']);

function emptyCounts(): Counts {
  return { total: 0, failed: 0, timedOut: 0, cancelled: 0 };
}

/**
 * Running counts for one task execution over a stream of invocation pages. Counts are exact and
 * cover finished invocations only (`running` counts the others); the failed targets kept for the
 * alert stop once their lines would no longer fit in a message, and those kept to read their cause
 * at `maxSubjects`, so memory stays flat whatever the fleet size.
 */
export class TaskTally {
  readonly counts = emptyCounts();
  /** Invocations not finished yet (pending, in progress or cancelling): not in `counts`. */
  running = 0;
  /** Alert lines of failed and timed-out targets, in the order SSM listed them. */
  readonly listed: string[] = [];
  /** The first `maxSubjects` failed and timed-out targets, to read their cause; never `Parameters`. */
  readonly subjects: CauseSubject[] = [];
  private readonly taskTypes = new Set<string>();

  constructor(
    readonly task: TaskRecord,
    private readonly budget: TextBudget,
    private readonly maxSubjects = 0,
  ) {
    if (task.TaskType) this.taskTypes.add(task.TaskType);
  }

  add(records: Iterable<InvocationRecord>): void {
    for (const record of records) {
      if (UNFINISHED_STATUSES.has(record.Status ?? '')) {
        this.running++;
        continue;
      }
      this.counts.total++;
      if (record.TaskType) this.taskTypes.add(record.TaskType);
      if (record.Status === 'FAILED') this.counts.failed++;
      else if (record.Status === 'TIMED_OUT') this.counts.timedOut++;
      else {
        if (record.Status === 'CANCELLED') this.counts.cancelled++;
        continue;
      }
      // One read of the node from `Parameters`, for the cause's subject and the alert's line alike.
      const instanceId = instanceIdOf(record.Parameters);
      if (this.subjects.length < this.maxSubjects) {
        this.subjects.push(this.subjectOf(record, record.Status, instanceId));
      }
      const line = describeTarget(record, instanceId);
      // Lines are kept in SSM's order: the first that does not fit ends the listing.
      if (this.budget.take(line)) this.listed.push(line);
      else this.budget.close();
    }
  }

  private subjectOf(
    record: InvocationRecord,
    status: CauseSubject['status'],
    instanceId: string | undefined,
  ): CauseSubject {
    return {
      taskType: record.TaskType ?? this.task.TaskType ?? '',
      taskArn: this.task.TaskArn,
      executionId: record.ExecutionId,
      instanceId,
      target: targetOf(record, instanceId),
      status,
      statusDetails: record.StatusDetails,
    };
  }

  /** Failed plus timed-out invocations. */
  get unhealthyCount(): number {
    return this.counts.failed + this.counts.timedOut;
  }

  /** The task itself ended FAILED or TIMED_OUT, whatever its invocations say. */
  get taskFailed(): boolean {
    return UNHEALTHY_TASK_STATUSES.has(this.task.Status ?? '');
  }

  /** The task types its invocations had, for a label: `AUTOMATION, RUN_COMMAND`. */
  get typesLabel(): string {
    return [...this.taskTypes].sort().join(', ') || 'unknown type';
  }
}

export interface TallyOptions {
  /** The failed targets each task keeps to read their cause (`TaskTally.subjects`). @default 0 */
  readonly maxSubjects?: number;
}

/** The tallies of every task reported for one event, sharing one listing budget. */
export class ExecutionTally {
  readonly tasks: TaskTally[] = [];
  private readonly budget: TextBudget;
  private readonly maxSubjects: number;

  constructor(listingBudgetBytes = MAX_MESSAGE_BYTES, options: TallyOptions = {}) {
    this.budget = new TextBudget(listingBudgetBytes);
    this.maxSubjects = options.maxSubjects ?? 0;
  }

  addTask(task: TaskRecord): TaskTally {
    const tally = new TaskTally(task, this.budget, this.maxSubjects);
    this.tasks.push(tally);
    return tally;
  }

  get counts(): Counts {
    const sum = emptyCounts();
    for (const { counts } of this.tasks) {
      sum.total += counts.total;
      sum.failed += counts.failed;
      sum.timedOut += counts.timedOut;
      sum.cancelled += counts.cancelled;
    }
    return sum;
  }

  /** Invocations not finished yet, across every task. */
  get running(): number {
    return this.tasks.reduce((sum, task) => sum + task.running, 0);
  }

  /** Targets failed or timed out, or a task itself failed. */
  get hasFailures(): boolean {
    return this.tasks.some((task) => task.unhealthyCount > 0 || task.taskFailed);
  }
}

/**
 * Whether operators need to hear about this event: targets failed or timed out, a task itself
 * failed, or the whole execution ended FAILED or TIMED_OUT (even with no failed task listed), or
 * did not run.
 */
export function needsAlert(event: MonitoredEvent, tally: ExecutionTally): boolean {
  return tally.hasFailures || UNHEALTHY_TASK_STATUSES.has(event.status) || didNotRun(event.status);
}

/** Whether a run with this status did not (fully) happen: skipped, or cancelled. */
export function didNotRun(status: string): boolean {
  return DID_NOT_RUN.has(status);
}

/** Whether a window run with this status ran (to success or not): not skipped, not cancelled. */
export function ran(status: string | undefined): boolean {
  return status === 'SUCCESS' || status === 'FAILED' || status === 'TIMED_OUT';
}

/**
 * Whether the event is a window run that ran, whatever its outcome: such a run is the window's
 * heartbeat (tasks are not runs, and a window whose runs are all skipped or cancelled is not
 * patching).
 */
export function ranToItsEnd(event: MonitoredEvent): boolean {
  return event.kind === 'execution' && ran(event.status);
}

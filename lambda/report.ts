/**
 * The pure core: turns task and invocation records into counts, metric data and an alert.
 * Imports no SDK; the shapes below are the subset of the SSM, CloudWatch and SNS types it needs,
 * so the SDK's own types are assignable to them.
 */

import { DimensionName, MetricName } from './contract';
import type { MonitoredEvent } from './event';

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

/**
 * The alert text: SNS's limit is 256 KiB for message and attributes together, and the three short
 * attributes take well under a kilobyte.
 */
export const MAX_MESSAGE_BYTES = 250 * 1024;
/** Chat descriptions are kept short: a summary, with the e-mail holding the full list. */
export const MAX_CHAT_DESCRIPTION = 3_000;
const MAX_SUBJECT_LENGTH = 99;
const UNHEALTHY_TASK_STATUSES = new Set(['FAILED', 'TIMED_OUT']);
/**
 * Invocation statuses that can still change. A run can end (cancelled, or cut off at the window's
 * end) while some of its invocations go on running; they are counted once they finish.
 */
const UNFINISHED_STATUSES = new Set(['PENDING', 'IN_PROGRESS', 'CANCELLING']);
const INSTANCE_ID = /^m?i-[0-9a-f]{8,17}$/;

/**
 * The managed-instance ID an invocation targeted, read from its `Parameters` JSON: `instanceIds`
 * (Run Command) or an `InstanceId` document parameter (Automation). Nothing else is taken from
 * `Parameters`: it can carry secrets.
 */
export function instanceIdOf(parameters: string | undefined): string | undefined {
  if (!parameters) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(parameters);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { instanceIds, parameters: documentParameters } = parsed as {
    instanceIds?: unknown;
    parameters?: { InstanceId?: unknown };
  };
  for (const candidate of [instanceIds, documentParameters?.InstanceId]) {
    const first = Array.isArray(candidate) ? candidate[0] : candidate;
    if (typeof first === 'string' && INSTANCE_ID.test(first)) return first;
  }
  return undefined;
}

const EXECUTION_LABEL: Record<string, string> = {
  RUN_COMMAND: 'command',
  AUTOMATION: 'automation',
};

/** One line of the alert for a target that failed or timed out; never includes `Parameters`. */
export function describeTarget(record: InvocationRecord): string {
  const instanceId = instanceIdOf(record.Parameters);
  const who = instanceId ?? (record.WindowTargetId ? `target ${record.WindowTargetId}` : 'unknown target');
  const label = EXECUTION_LABEL[record.TaskType ?? ''] ?? 'execution';
  const execution = record.ExecutionId ? ` (${label} ${record.ExecutionId})` : '';
  const details = record.StatusDetails ? `: ${record.StatusDetails.replace(/\s+/g, ' ')}` : '';
  return `    ${(record.Status ?? 'UNKNOWN').padEnd(9)} ${who}${execution}${details}`;
}

export interface Counts {
  total: number;
  failed: number;
  timedOut: number;
  cancelled: number;
}

function emptyCounts(): Counts {
  return { total: 0, failed: 0, timedOut: 0, cancelled: 0 };
}

/**
 * Running counts for one task execution over a stream of invocation pages. Counts are exact and
 * cover finished invocations only (`running` counts the others); the failed targets kept for the
 * alert stop once their lines would no longer fit in a message, so memory stays flat whatever the
 * fleet size.
 */
export class TaskTally {
  readonly counts = emptyCounts();
  /** Invocations not finished yet (pending, in progress or cancelling): not in `counts`. */
  running = 0;
  /** Alert lines of failed and timed-out targets, in the order SSM listed them. */
  readonly listed: string[] = [];
  private readonly taskTypes = new Set<string>();

  constructor(
    readonly task: TaskRecord,
    private readonly budget: { bytes: number },
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
      if (this.budget.bytes > 0) {
        const line = describeTarget(record);
        this.budget.bytes -= Buffer.byteLength(line) + 1;
        if (this.budget.bytes >= 0) this.listed.push(line);
      }
    }
  }

  get unhealthy(): number {
    return this.counts.failed + this.counts.timedOut;
  }

  /** The task itself ended FAILED or TIMED_OUT, whatever its invocations say. */
  get taskFailed(): boolean {
    return UNHEALTHY_TASK_STATUSES.has(this.task.Status ?? '');
  }

  get types(): string {
    return [...this.taskTypes].sort().join(', ') || 'unknown type';
  }
}

/** The tallies of every task reported for one event. */
export class ExecutionTally {
  readonly tasks: TaskTally[] = [];
  private readonly budget: { bytes: number };

  constructor(listingBudgetBytes = MAX_MESSAGE_BYTES) {
    this.budget = { bytes: listingBudgetBytes };
  }

  addTask(task: TaskRecord): TaskTally {
    const tally = new TaskTally(task, this.budget);
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
  get unhealthy(): boolean {
    return this.tasks.some((task) => task.unhealthy > 0 || task.taskFailed);
  }
}

/**
 * Whether operators need to hear about this event: targets failed or timed out, a task itself
 * failed, or the whole execution ended FAILED or TIMED_OUT (even with no failed task listed).
 */
export function needsAlert(event: MonitoredEvent, tally: ExecutionTally): boolean {
  return tally.unhealthy || UNHEALTHY_TASK_STATUSES.has(event.status) || DID_NOT_RUN.has(event.status);
}

/** Statuses of a run that did not (fully) happen: operators must hear that patching was skipped. */
const DID_NOT_RUN = new Set(['CANCELLED', 'SKIPPED_OVERLAPPING']);

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

/** The subset of CloudWatch's `PutMetricDataInput` the monitor sends. */
export interface MetricPayload {
  readonly Namespace: string;
  readonly MetricData: {
    readonly MetricName: string;
    readonly Dimensions: { readonly Name: string; readonly Value: string }[];
    readonly Timestamp: Date;
    readonly Value: number;
    readonly Unit: 'Count';
  }[];
}

/** CloudWatch rejects data points more than two weeks old; stay an hour inside that. */
const OLDEST_TIMESTAMP_MS = 14 * 24 * 3_600_000 - 3_600_000;

/**
 * One `PutMetricData` request: failed, timed-out, cancelled and total invocations (`counts`: all
 * of the run's, or what finished since an earlier publish), per window and fleet-wide, stamped with
 * the execution's end time (or the oldest time CloudWatch accepts, for a run replayed two weeks
 * later), plus the window's heartbeat when `heartbeat`. Zeros are sent too, so alarms and graphs
 * always have data.
 */
export function metricPayload(
  event: MonitoredEvent,
  counts: Counts,
  namespace: string,
  now: number = Date.now(),
  heartbeat: boolean = ranToItsEnd(event),
): MetricPayload {
  // A run replayed from a queue long after it ended is stamped as late as CloudWatch accepts.
  const timestamp = new Date(Math.max(event.endTime.getTime(), now - OLDEST_TIMESTAMP_MS));
  const values: [MetricName, number][] = [
    [MetricName.FailedInvocations, counts.failed],
    [MetricName.TimedOutInvocations, counts.timedOut],
    [MetricName.CancelledInvocations, counts.cancelled],
    [MetricName.Invocations, counts.total],
  ];
  const perWindow = [{ Name: DimensionName.WindowId, Value: event.windowId }];
  const data = values.flatMap(([name, value]) =>
    [perWindow, []].map((dimensions) => ({
      MetricName: name,
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: value,
      Unit: 'Count' as const,
    })),
  );
  if (heartbeat) {
    data.push({
      MetricName: MetricName.ExecutionsCompleted,
      Dimensions: perWindow,
      Timestamp: timestamp,
      Value: 1,
      Unit: 'Count',
    });
  }
  return { Namespace: namespace, MetricData: data };
}

/**
 * The alert: a plain-text SNS message (every protocol receives this text) whose attributes let
 * subscriptions filter by window or status, and the same alert as a chat card for the chat topic.
 */
export interface Alert {
  readonly subject: string;
  /** The plain-text message: what e-mail shows, and the `Message` of every other protocol. */
  readonly message: string;
  /** The same alert as an Amazon Q Developer (chat) custom notification. */
  readonly chat: ChatNotification;
  readonly attributes: Record<string, string>;
}

/** A custom notification as Amazon Q Developer in chat applications renders it (schema 1.0). */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext: Record<string, string>;
  };
}

/** Where the alert's console links point. */
export interface AlertContext {
  /** The window's name, when it could be looked up. */
  readonly windowName?: string;
  readonly region: string;
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** Upper bound of the message body in bytes. @default MAX_MESSAGE_BYTES */
  readonly maxBytes?: number;
  /**
   * Failed plus timed-out targets an earlier alert for this run already reported: this alert is then
   * an update, sent because invocations that were still running when the run ended failed since.
   */
  readonly alreadyReported?: number;
}

/** Printable ASCII only, one line, at most 99 characters, as SNS requires of e-mail subjects. */
export function safeSubject(text: string): string {
  const printable = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return printable.length > MAX_SUBJECT_LENGTH
    ? `${printable.slice(0, MAX_SUBJECT_LENGTH - 3)}...`
    : printable;
}

/** The Systems Manager console page of a maintenance window. */
export function windowConsoleUrl(partition: string, region: string, windowId: string): string {
  const host =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/systems-manager/maintenance-windows/${windowId}?region=${region}`;
}

function countParts(counts: Counts, withCancelled: boolean): string {
  const parts = [`${counts.failed} failed`, `${counts.timedOut} timed out`];
  if (withCancelled && counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  return parts.join(', ');
}

function subjectOf(event: MonitoredEvent, tally: ExecutionTally, context: AlertContext): string {
  const name = context.windowName;
  const counts = tally.counts;
  const failedTasks = tally.tasks.filter((task) => task.taskFailed).length;
  const what =
    counts.failed + counts.timedOut > 0
      ? `${countParts(counts, false)} of ${counts.total} targets`
      : failedTasks > 0
        ? `${failedTasks} task${failedTasks === 1 ? '' : 's'} did not complete`
        : event.status === 'SKIPPED_OVERLAPPING'
          ? 'run skipped (overlapped)'
          : `${event.kind === 'task' ? 'task' : 'run'} ${event.status === 'CANCELLED' ? 'cancelled' : `ended ${event.status}`}`;
  const suffix = `: ${what}`;
  const prefix =
    context.alreadyReported === undefined ? 'Maintenance window ' : 'Update: maintenance window ';
  if (!name) return safeSubject(`${prefix}${event.windowId}${suffix}`);
  // Shorten the name, never the counts or the ID; leave it out when even a stub does not fit.
  const room = MAX_SUBJECT_LENGTH - prefix.length - suffix.length - event.windowId.length - 3;
  if (room < 4) return safeSubject(`${prefix}${event.windowId}${suffix}`);
  const shown = name.length > room ? `${name.slice(0, room - 3)}...` : name;
  return safeSubject(`${prefix}${shown} (${event.windowId})${suffix}`);
}

function taskHeader(task: TaskTally): string[] {
  const { TaskExecutionId, TaskArn, Status, StatusDetails } = task.task;
  const what = TaskArn ? `${TaskArn} (${task.types})` : task.types;
  const status = Status
    ? `, status ${Status}${StatusDetails ? `: ${StatusDetails.replace(/\s+/g, ' ')}` : ''}`
    : '';
  return [
    `Task ${TaskExecutionId ?? 'unknown'}: ${what}${status}`,
    `  ${task.counts.failed} of ${task.counts.total} failed, ${task.counts.timedOut} timed out, ${task.counts.cancelled} cancelled`,
  ];
}

function moreLine(hidden: number): string {
  return `    +${hidden} more not listed`;
}

/**
 * The alert for an event whose targets failed or timed out, or whose task or execution failed
 * (send it only when `needsAlert`). The body is plain text for e-mail and never exceeds the byte limit:
 * targets that do not fit are counted in a "+N more" line under their task.
 */
export function buildAlert(event: MonitoredEvent, tally: ExecutionTally, context: AlertContext): Alert {
  const subject = subjectOf(event, tally, context);
  return {
    subject,
    message: emailText(event, tally, context, context.maxBytes ?? MAX_MESSAGE_BYTES),
    chat: chatNotification(event, tally, subject, context),
    attributes: attributesOf(event, tally),
  };
}

function worstStatus(event: MonitoredEvent, tally: ExecutionTally): string {
  const counts = tally.counts;
  if (
    counts.failed > 0 ||
    event.status === 'FAILED' ||
    tally.tasks.some((task) => task.task.Status === 'FAILED')
  ) {
    return 'FAILED';
  }
  if (counts.timedOut > 0 || event.status === 'TIMED_OUT' || tally.tasks.some((task) => task.taskFailed)) {
    return 'TIMED_OUT';
  }
  return event.status;
}

function attributesOf(event: MonitoredEvent, tally: ExecutionTally): Record<string, string> {
  return { window_id: event.windowId, status: worstStatus(event, tally), execution_status: event.status };
}

function headline(
  event: MonitoredEvent,
  tally: ExecutionTally,
  label: string,
  alreadyReported?: number,
): string {
  const counts = tally.counts;
  const unhealthy = counts.failed + counts.timedOut;
  if (alreadyReported !== undefined) {
    const more = unhealthy - alreadyReported;
    return (
      `${more} more target${more === 1 ? '' : 's'} did not succeed in maintenance window ${label} after the ` +
      `first alert: invocations still running when the run ended have finished. Now ${unhealthy} of ${counts.total}.`
    );
  }
  if (unhealthy > 0 || !DID_NOT_RUN.has(event.status)) {
    return `${counts.failed + counts.timedOut} of ${counts.total} targets did not succeed in maintenance window ${label}.`;
  }
  return event.status === 'SKIPPED_OVERLAPPING'
    ? `The run of maintenance window ${label} was skipped (SKIPPED_OVERLAPPING): it was due while the ` +
        'previous run was still in progress, so none of its tasks ran.'
    : `The run of maintenance window ${label} was cancelled (CANCELLED): tasks that had not finished did not run.`;
}

function emailText(
  event: MonitoredEvent,
  tally: ExecutionTally,
  context: AlertContext,
  maxBytes: number,
): string {
  const name = context.windowName;
  const label = name ? `${name} (${event.windowId})` : event.windowId;
  const counts = tally.counts;

  const head = [
    headline(event, tally, label, context.alreadyReported),
    '',
    `Window:            ${label}`,
    `Window execution:  ${event.windowExecutionId}`,
    ...(event.kind === 'execution' ? [`Status:            ${event.status}`] : []),
    `Started:           ${event.startTime?.toISOString() ?? 'unknown'}`,
    `Ended:             ${event.endTime.toISOString()}`,
    `Invocations:       ${counts.total} total, ${countParts(counts, true)}`,
    ...(tally.running > 0
      ? [
          `Still running:     ${tally.running} (not counted yet: they are counted when they finish, ` +
            'and an update follows if any of them fails)',
        ]
      : []),
  ];
  const tail = ['', 'Console:', `  ${windowConsoleUrl(context.partition, context.region, event.windowId)}`];

  // Everything but the target lines, with a worst-case "+N more" line under every task.
  const fixed = [
    ...head,
    ...tally.tasks.flatMap((task) => ['', ...taskHeader(task), moreLine(task.unhealthy)]),
    ...tail,
  ];
  let room = maxBytes - Buffer.byteLength(`${fixed.join('\n')}\n`);

  const sections = tally.tasks.flatMap((task) => {
    const lines = ['', ...taskHeader(task)];
    let shown = 0;
    for (const line of task.listed) {
      const size = Buffer.byteLength(line) + 1;
      if (size > room) break;
      lines.push(line);
      room -= size;
      shown++;
    }
    if (task.unhealthy > shown) lines.push(moreLine(task.unhealthy - shown));
    return lines;
  });

  return `${[...head, ...sections, ...tail].join('\n')}\n`;
}

const CHAT_TARGETS_PER_TASK = 5;

/** The alert as a chat card: a short Markdown summary and next steps; the e-mail has the full list. */
function chatNotification(
  event: MonitoredEvent,
  tally: ExecutionTally,
  subject: string,
  context: AlertContext,
): ChatNotification {
  const label = context.windowName ? `${context.windowName} (${event.windowId})` : event.windowId;
  const url = windowConsoleUrl(context.partition, context.region, event.windowId);
  const counts = tally.counts;
  const lines = [
    `*${headline(event, tally, label, context.alreadyReported)}*`,
    `Execution \`${event.windowExecutionId}\`, status ${event.status}.`,
    ...(tally.running > 0 ? [`${tally.running} invocations still running: counted when they finish.`] : []),
  ];
  for (const task of tally.tasks) {
    const what = task.task.TaskArn ? `\`${task.task.TaskArn}\` (${task.types})` : task.types;
    lines.push(
      `• ${what}: ${task.counts.failed} of ${task.counts.total} failed, ${task.counts.timedOut} timed out` +
        (task.task.Status ? `, task ${task.task.Status}` : ''),
    );
    for (const line of task.listed.slice(0, CHAT_TARGETS_PER_TASK)) lines.push(`    ◦ ${line.trim()}`);
    if (task.unhealthy > CHAT_TARGETS_PER_TASK)
      lines.push(`    ◦ +${task.unhealthy - CHAT_TARGETS_PER_TASK} more in the e-mail`);
  }
  let description = '';
  for (const line of lines) {
    if (description.length + line.length + 1 > MAX_CHAT_DESCRIPTION - 40) {
      description += '…(see the e-mail for the rest)';
      break;
    }
    description += `${line}\n`;
  }
  const skipped = DID_NOT_RUN.has(event.status) && counts.failed + counts.timedOut === 0;
  return {
    version: '1.0',
    source: 'custom',
    id: `${event.windowExecutionId}${event.kind === 'task' ? `/${event.taskExecutionId}` : ''}`,
    content: {
      textType: 'client-markdown',
      title: subject,
      description: description.trimEnd(),
      nextSteps: skipped
        ? [
            `Open the window and its history: ${url}`,
            'Check why the previous run took longer than the time between runs, or cancel it, so the next run is not skipped too.',
          ]
        : [
            `Open the window and its history: ${url}`,
            "Read each failed target's output (Run Command or Automation) for the reason.",
            'Fix the cause, then run the task again for the failed targets.',
          ],
      keywords: [event.windowId, worstStatus(event, tally), event.status],
    },
    metadata: {
      threadId: event.windowId,
      summary: subject,
      eventType: 'MaintenanceWindowRunReport',
      relatedResources: [event.windowId, event.windowExecutionId],
      additionalContext: {
        windowExecutionId: event.windowExecutionId,
        total: String(counts.total),
        failed: String(counts.failed),
        timedOut: String(counts.timedOut),
        cancelled: String(counts.cancelled),
      },
    },
  };
}

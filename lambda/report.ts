/**
 * The pure core: turns invocation records into counts, metric data and an alert. Imports no SDK;
 * the shapes below are the subset of the SSM, CloudWatch and SNS types it needs, so the SDK's own
 * types are assignable to them.
 */
import type { TaskExecutionEvent } from './event';
import { DimensionName, MetricName } from './metric-names';

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

/** One target that failed or timed out, reduced to what identifies it. */
export interface FailedTarget {
  readonly status: string;
  readonly instanceId?: string;
  readonly windowTargetId?: string;
  readonly executionId?: string;
  readonly invocationId?: string;
  readonly details?: string;
}

/** How many failed targets are kept for the alert; counts are always exact. */
export const MAX_LISTED_TARGETS = 1000;

/**
 * Running counts over a stream of invocation pages. Memory is bounded by `MAX_LISTED_TARGETS`
 * whatever the fleet size.
 */
export class InvocationTally {
  total = 0;
  failed = 0;
  timedOut = 0;
  readonly taskTypes = new Set<string>();
  readonly listed: FailedTarget[] = [];

  constructor(private readonly maxListed = MAX_LISTED_TARGETS) {}

  add(records: Iterable<InvocationRecord>): void {
    for (const record of records) {
      this.total++;
      if (record.TaskType) this.taskTypes.add(record.TaskType);
      if (record.Status === 'FAILED') this.failed++;
      else if (record.Status === 'TIMED_OUT') this.timedOut++;
      else continue;
      if (this.listed.length < this.maxListed) this.listed.push(failedTarget(record));
    }
  }

  get unhealthy(): number {
    return this.failed + this.timedOut;
  }
}

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

function failedTarget(record: InvocationRecord): FailedTarget {
  const instanceId = instanceIdOf(record.Parameters);
  return {
    status: record.Status ?? 'UNKNOWN',
    ...(instanceId ? { instanceId } : {}),
    ...(record.WindowTargetId ? { windowTargetId: record.WindowTargetId } : {}),
    ...(record.ExecutionId ? { executionId: record.ExecutionId } : {}),
    ...(record.InvocationId ? { invocationId: record.InvocationId } : {}),
    ...(record.StatusDetails ? { details: record.StatusDetails } : {}),
  };
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

/**
 * One `PutMetricData` request: failed and timed-out counts per window and fleet-wide, stamped
 * with the execution's end time. Zeros are sent too, so alarms and graphs always have data.
 */
export function metricPayload(
  event: TaskExecutionEvent,
  tally: InvocationTally,
  namespace: string,
): MetricPayload {
  const counts: [MetricName, number][] = [
    [MetricName.FailedInvocations, tally.failed],
    [MetricName.TimedOutInvocations, tally.timedOut],
  ];
  const perWindow = [{ Name: DimensionName.WindowId, Value: event.windowId }];
  return {
    Namespace: namespace,
    MetricData: counts.flatMap(([name, value]) =>
      [perWindow, []].map((dimensions) => ({
        MetricName: name,
        Dimensions: dimensions,
        Timestamp: event.endTime,
        Value: value,
        Unit: 'Count' as const,
      })),
    ),
  };
}

/** An SNS message; attributes let subscriptions filter by window or status. */
export interface Alert {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Record<string, string>;
}

/** SNS's limit is 256 KiB for message and attributes together; keep a margin for both. */
export const MAX_MESSAGE_BYTES = 250 * 1024;
const MAX_SUBJECT_LENGTH = 99;

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

function describeTarget(target: FailedTarget): string {
  const who =
    target.instanceId ?? (target.windowTargetId ? `target ${target.windowTargetId}` : 'unknown target');
  const ids = [
    target.executionId ? `execution ${target.executionId}` : undefined,
    target.invocationId ? `invocation ${target.invocationId}` : undefined,
  ].filter(Boolean);
  const details = target.details ? `: ${target.details.replace(/\s+/g, ' ')}` : '';
  return `  ${target.status.padEnd(9)} ${who}${ids.length ? ` (${ids.join(', ')})` : ''}${details}`;
}

/**
 * The alert for a task execution with failed or timed-out targets, or `undefined` when every
 * invocation succeeded. The message is plain text for e-mail and never exceeds `maxBytes`:
 * targets that do not fit are summarised in a "+N more" line.
 */
export function buildAlert(
  event: TaskExecutionEvent,
  tally: InvocationTally,
  maxBytes = MAX_MESSAGE_BYTES,
): Alert | undefined {
  if (tally.unhealthy === 0) return undefined;

  const counts = [
    tally.failed ? `${tally.failed} failed` : undefined,
    tally.timedOut ? `${tally.timedOut} timed out` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const types = [...tally.taskTypes].sort().join(', ') || 'unknown';
  const head = [
    `${tally.unhealthy} of ${tally.total} targets did not succeed (${counts}).`,
    '',
    `Window:            ${event.windowId}`,
    `Window execution:  ${event.windowExecutionId}`,
    `Task execution:    ${event.taskExecutionId} (${types})`,
    `Task status:       ${event.status}`,
    `Started:           ${event.startTime?.toISOString() ?? 'unknown'}`,
    `Ended:             ${event.endTime.toISOString()}`,
    '',
    'Failed and timed-out targets:',
  ].join('\n');

  const lines = [head];
  let bytes = Buffer.byteLength(head);
  const reserve = 64; // room for the "+N more" line
  let shown = 0;
  for (const target of tally.listed) {
    const line = describeTarget(target);
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size + reserve > maxBytes) break;
    lines.push(line);
    bytes += size;
    shown++;
  }
  const hidden = tally.unhealthy - shown;
  if (hidden > 0) lines.push(`  +${hidden} more not listed`);

  return {
    subject: safeSubject(`Maintenance window ${event.windowId}: ${counts} of ${tally.total} targets`),
    message: `${lines.join('\n')}\n`,
    attributes: {
      window_id: event.windowId,
      status: tally.timedOut > 0 && tally.failed === 0 ? 'TIMED_OUT' : 'FAILED',
    },
  };
}

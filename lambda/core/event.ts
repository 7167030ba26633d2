/**
 * Validation of the EventBridge events the monitor subscribes to. Everything that reaches the SSM
 * API is checked here first, so a malformed event fails with a message naming the field and never
 * causes a call or a publish.
 */
import {
  ACCOUNT_ID_PATTERN,
  EXECUTION_DETAIL_TYPE,
  type ExecutionStatus,
  MAX_EVENT_AGE_DAYS,
  REGION_PATTERN,
  TASK_EXECUTION_DETAIL_TYPE,
  type TaskStatus,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
  UUID_PATTERN,
  WINDOW_ID_PATTERN,
} from '../../contract';
import type { AccountRegion } from './account-region';

const UUID_SHAPE = 'a 36-character UUID';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const MAX_EVENT_AGE_MS = MAX_EVENT_AGE_DAYS * 86_400_000;
/** How far in the future a timestamp may be: clock skew, not a run that has not ended yet. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;

interface EventBase {
  readonly windowId: string;
  readonly windowExecutionId: string;
  readonly startTime?: Date;
  readonly endTime: Date;
  /** The account and Region where the run ran, and where its SSM history is read. */
  readonly accountRegion: AccountRegion;
}

/** A whole window execution ended: report every task of it at once. */
export interface ExecutionEvent extends EventBase {
  readonly kind: 'execution';
  readonly status: ExecutionStatus;
}

/** One task of a window execution ended: report that task alone. */
export interface TaskEvent extends EventBase {
  readonly kind: 'task';
  readonly taskExecutionId: string;
  readonly status: TaskStatus;
}

export type MonitoredEvent = ExecutionEvent | TaskEvent;

/** The event does not have the shape the monitor needs; retrying it cannot help. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';

  constructor(
    readonly field: string,
    expected: string,
    actual: unknown,
  ) {
    super(`Invalid event: ${field} must be ${expected}, got ${describe(actual)}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matching(detail: Record<string, unknown>, field: string, pattern: RegExp, shape: string): string {
  const value = detail[field];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidEventError(`detail.${field}`, shape, value);
  }
  return value;
}

function oneOf<T extends string>(detail: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = detail[field];
  if (!allowed.includes(value as T)) {
    throw new InvalidEventError(`detail.${field}`, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** Parses an optional ISO 8601 timestamp; the fraction may have any number of digits. */
function timestamp(value: unknown, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime())) {
    throw new InvalidEventError(field, 'an ISO 8601 timestamp', value);
  }
  return parsed;
}

/** Refuses a time in the future, or one too old for the ledger to still remember its run. */
function plausible(at: Date, field: string, raw: unknown, now: number): void {
  if (at.getTime() > now + MAX_CLOCK_SKEW_MS) {
    throw new InvalidEventError(field, 'a time no later than 15 minutes from now', raw);
  }
  if (at.getTime() < now - MAX_EVENT_AGE_MS) {
    throw new InvalidEventError(
      field,
      `a time within the last ${MAX_EVENT_AGE_DAYS} days (an older event is stale: its run may already have been reported and forgotten)`,
      raw,
    );
  }
}

/**
 * The account and Region from the envelope, which EventBridge sets (and keeps across accounts):
 * never from `detail` or `resources`, which the sender writes.
 */
function envelopeAccountRegion(event: Record<string, unknown>): AccountRegion {
  const { account, region } = event;
  if (typeof account !== 'string' || !ACCOUNT_ID_PATTERN.test(account)) {
    throw new InvalidEventError('account', 'a 12-digit account ID', account);
  }
  if (typeof region !== 'string' || !REGION_PATTERN.test(region)) {
    throw new InvalidEventError('region', 'a Region name', region);
  }
  return { accountId: account, region };
}

/**
 * Where an event's run ran: the envelope's account and Region (checked), when events come from
 * many; else the one account-Region they all come from (the envelope is not read).
 */
export type EventOrigin = 'envelope' | AccountRegion;

/**
 * Checks that `event` is a window or task execution state change from `aws.ssm`, at a terminal
 * status, with IDs the SSM API accepts and times that are plausible at `now`, and takes its
 * account-Region from `origin`.
 *
 * @throws InvalidEventError naming the first field that is missing or ill-formed.
 */
export function parseMonitoredEvent(event: unknown, now: number, origin: EventOrigin): MonitoredEvent {
  if (!isRecord(event)) throw new InvalidEventError('event', 'an EventBridge event object', event);
  if (event.source !== 'aws.ssm') throw new InvalidEventError('source', '"aws.ssm"', event.source);
  const detailType = event['detail-type'];
  if (detailType !== EXECUTION_DETAIL_TYPE && detailType !== TASK_EXECUTION_DETAIL_TYPE) {
    throw new InvalidEventError(
      'detail-type',
      `"${EXECUTION_DETAIL_TYPE}" or "${TASK_EXECUTION_DETAIL_TYPE}"`,
      detailType,
    );
  }
  const detail = event.detail;
  if (!isRecord(detail)) throw new InvalidEventError('detail', 'an object', detail);

  const windowId = matching(
    detail,
    'window-id',
    WINDOW_ID_PATTERN,
    '"mw-" followed by 17 lowercase hex digits',
  );
  const windowExecutionId = matching(detail, 'window-execution-id', UUID_PATTERN, UUID_SHAPE);
  const taskExecutionId =
    detailType === TASK_EXECUTION_DETAIL_TYPE
      ? matching(detail, 'task-execution-id', UUID_PATTERN, UUID_SHAPE)
      : undefined;
  const status =
    taskExecutionId === undefined
      ? oneOf(detail, 'status', TERMINAL_EXECUTION_STATUSES)
      : oneOf(detail, 'status', TERMINAL_TASK_STATUSES);

  const startTime = timestamp(detail['start-time'], 'detail.start-time');
  // A terminal execution normally carries end-time; the event time is the next best clock.
  const endField = detail['end-time'] !== undefined ? 'detail.end-time' : 'time';
  const endRaw = endField === 'time' ? event.time : detail['end-time'];
  const endTime = timestamp(endRaw, endField);
  if (endTime === undefined) {
    throw new InvalidEventError('detail.end-time', 'an ISO 8601 timestamp', undefined);
  }
  plausible(endTime, endField, endRaw, now);
  if (startTime && startTime.getTime() > endTime.getTime()) {
    throw new InvalidEventError(
      'detail.start-time',
      `a time no later than ${endField}`,
      detail['start-time'],
    );
  }

  const base = {
    windowId,
    windowExecutionId,
    ...(startTime ? { startTime } : {}),
    endTime,
    accountRegion: origin === 'envelope' ? envelopeAccountRegion(event) : origin,
  };
  return taskExecutionId === undefined
    ? { kind: 'execution', ...base, status: status as ExecutionStatus }
    : { kind: 'task', ...base, taskExecutionId, status: status as TaskStatus };
}

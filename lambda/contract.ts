/**
 * The contract between the construct (`lib/`) and the function (`lambda/`): the names, patterns
 * and numbers both sides must agree on, and nothing else. No logic: `lib/` imports this module and
 * no other from `lambda/`. (The local AWS endpoint in `tools/` keeps its own copies on purpose: it
 * is an independent oracle of what AWS accepts.)
 */

/** The SSM events the monitor subscribes to. Spell them exactly: a rule with a typo never fires. */
export const EXECUTION_DETAIL_TYPE = 'Maintenance Window Execution State-change Notification';
export const TASK_EXECUTION_DETAIL_TYPE = 'Maintenance Window Task Execution State-change Notification';

/** Window execution statuses after which its tasks and invocations no longer change. */
export const TERMINAL_EXECUTION_STATUSES = [
  'SUCCESS',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
  'SKIPPED_OVERLAPPING',
] as const;
/** Task execution statuses after which its invocations no longer change. */
export const TERMINAL_TASK_STATUSES = ['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;

export type ExecutionStatus = (typeof TERMINAL_EXECUTION_STATUSES)[number];
export type TaskStatus = (typeof TERMINAL_TASK_STATUSES)[number];

/** A maintenance window ID, as the SSM API accepts it. */
export const WINDOW_ID_PATTERN = /^mw-[0-9a-f]{17}$/;
/** Execution, task, invocation IDs, and Microsoft Teams IDs. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A custom CloudWatch namespace (one that starts with `AWS/` is not custom). */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9.\-_/#:]{1,255}$/;

/** Default CloudWatch namespace of every metric the monitor publishes. */
export const DEFAULT_METRIC_NAMESPACE = 'MaintenanceWindowMonitor';

/** Metrics the function publishes, the alarms watch and the IAM condition scopes. */
export const MetricName = {
  /** Task invocations that ended FAILED. */
  FailedInvocations: 'FailedInvocations',
  /** Task invocations that ended TIMED_OUT. */
  TimedOutInvocations: 'TimedOutInvocations',
  /** Task invocations that ended CANCELLED. */
  CancelledInvocations: 'CancelledInvocations',
  /** Every finished task invocation of the reported executions, whatever its status. */
  Invocations: 'Invocations',
  /** 1 per window run that ran (not skipped or cancelled), per WindowId only: its absence means the window stopped running. */
  ExecutionsCompleted: 'ExecutionsCompleted',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const DimensionName = {
  /** The maintenance window ID (`mw-` + 17 hex digits). Omitted on the fleet-wide series. */
  WindowId: 'WindowId',
} as const;

/** Names of the environment variables the function reads at cold start. */
export const EnvVar = {
  AlertTopicArn: 'ALERT_TOPIC_ARN',
  ChatTopicArn: 'CHAT_TOPIC_ARN',
  MetricNamespace: 'METRIC_NAMESPACE',
  LedgerTableName: 'LEDGER_TABLE_NAME',
  LedgerRetentionDays: 'LEDGER_RETENTION_DAYS',
  Reporting: 'REPORTING',
  WindowIds: 'WINDOW_IDS',
  SweepLookbackMinutes: 'SWEEP_LOOKBACK_MINUTES',
  SweepGraceMinutes: 'SWEEP_GRACE_MINUTES',
} as const;

/** The ledger table's key and time-to-live attributes, which the construct declares. */
export const LedgerAttribute = {
  PartitionKey: 'pk',
  ExpiresAt: 'expiresAt',
} as const;

/**
 * The oldest event the monitor reports, in days: longer than an event can be kept for a replay
 * (EventBridge retries for up to 1 day, Lambda's asynchronous queue keeps it up to 6 hours, then
 * the dead-letter or failure queue keeps it 14 days: 15 days and 6 hours at most). An older one (a
 * replay from a backup, say) is refused as stale.
 */
export const MAX_EVENT_AGE_DAYS = 16;
/**
 * How long the ledger keeps a record: longer than the oldest event the function accepts and than
 * the sweep's longest look-back (14 days), so neither can report a run twice.
 */
export const LEDGER_RETENTION_DAYS = MAX_EVENT_AGE_DAYS + 1;

/**
 * Names shared by the function that publishes the metrics, the alarms that watch them and the IAM
 * condition that scopes `PutMetricData`. Change them here or nowhere.
 */

/** Default CloudWatch namespace of every metric the monitor publishes. */
export const DEFAULT_METRIC_NAMESPACE = 'MaintenanceWindowMonitor';

export const MetricName = {
  /** Task invocations that ended FAILED. */
  FailedInvocations: 'FailedInvocations',
  /** Task invocations that ended TIMED_OUT. */
  TimedOutInvocations: 'TimedOutInvocations',
  /** Task invocations that ended CANCELLED. */
  CancelledInvocations: 'CancelledInvocations',
  /** Every task invocation of the reported executions, whatever its status. */
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

/**
 * The contract between the construct (`lib/`) and the function (`lambda/`): the names, patterns,
 * numbers and published metric series both sides must agree on, and nothing else. No logic
 * beyond picking from these tables. It sits beside both, so the picture is true:
 * `bin → lib → contract ← lambda`; neither side imports the other. (The local AWS endpoint in
 * `tools/` keeps its own copies on purpose: it is an independent oracle of what AWS accepts.)
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
  /**
   * Failed or timed-out targets whose cause could not be read for the alert, per `Reason` (one of
   * `CauseUnavailableReason`): the alert says so in a plain line instead.
   */
  CausesUnavailable: 'CausesUnavailable',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const DimensionName = {
  /** The maintenance window ID (`mw-` + 17 hex digits). Omitted on the fleet-wide series. */
  WindowId: 'WindowId',
  /** Organization mode: the member account (12 digits) where the run ran. */
  AccountId: 'AccountId',
  /** Organization mode, opt-in: the Region where the run ran. */
  Region: 'Region',
  /** Why a failure cause could not be read: one of `CauseUnavailableReason`. */
  Reason: 'Reason',
} as const;
export type DimensionName = (typeof DimensionName)[keyof typeof DimensionName];

/** Organization mode: what the monitor says about its own reach, fleet-wide. */
export const OrgMetricName = {
  /**
   * Account-Regions the sweep (or an event) could not read: role missing, access denied, Region off;
   * not the management account before its member stack was ever deployed.
   */
  UnreachableTargets: 'UnreachableTargets',
  /** Account-Regions whose last runs arrived only through the sweep: their event path is broken. */
  EventPathBrokenTargets: 'EventPathBrokenTargets',
} as const;
export type OrgMetricName = (typeof OrgMetricName)[keyof typeof OrgMetricName];

/** Organization mode: how finely metrics are split beyond the fleet-wide series. */
export const OrgMetricDetail = {
  /** Per account, failures only, and only when something failed (the default). */
  Account: 'account',
  /** Also per account and Region. */
  AccountRegion: 'account-region',
  /** Also per account, Region and window. */
  AccountRegionWindow: 'account-region-window',
} as const;
export type OrgMetricDetail = (typeof OrgMetricDetail)[keyof typeof OrgMetricDetail];

/** When a published series gets a data point. */
export const SeriesWhen = {
  /** With every report, zeros included, so alarms and graphs always have data. */
  Always: 'always',
  /** Only when the value is above zero (a series costs the same whether it says 0 or 5). */
  AboveZero: 'above-zero',
  /** Once per window run that ran to its end, skipped and cancelled ones not: the window's heartbeat. */
  RunRan: 'run-ran',
} as const;
export type SeriesWhen = (typeof SeriesWhen)[keyof typeof SeriesWhen];

/** One series the functions publish: a metric under a set of dimensions, and when it gets data. */
export interface PublishedSeries {
  readonly metricName: MetricName | OrgMetricName;
  /** The dimensions' names, in the order the functions send them; none for a fleet-wide series. */
  readonly dimensions: readonly DimensionName[];
  readonly when: SeriesWhen;
}

/** The monitor's metric modes: single-account, or Organization mode at one `OrgMetricDetail`. */
export const SINGLE_ACCOUNT = 'single-account';
export type MetricMode = typeof SINGLE_ACCOUNT | OrgMetricDetail;

/** The counts every report carries, in the order they are sent. */
export const COUNT_METRICS = [
  MetricName.FailedInvocations,
  MetricName.TimedOutInvocations,
  MetricName.CancelledInvocations,
  MetricName.Invocations,
] as const;

function seriesOf(
  metricNames: readonly (MetricName | OrgMetricName)[],
  dimensions: PublishedSeries['dimensions'],
  when: SeriesWhen,
): PublishedSeries[] {
  return metricNames.map((metricName) => ({ metricName, dimensions, when }));
}

const { WindowId, AccountId, Region, Reason } = DimensionName;
const FLEET = seriesOf(COUNT_METRICS, [], SeriesWhen.Always);
/** Targets whose cause could not be read, per reason: only when there are some, in every mode. */
export const CAUSE_SERIES: readonly PublishedSeries[] = seriesOf(
  [MetricName.CausesUnavailable],
  [Reason],
  SeriesWhen.AboveZero,
);
/** Organization mode's counts of member account-Regions in a state, fleet-wide. */
export const ORGANIZATION_REACH_SERIES: readonly PublishedSeries[] = seriesOf(
  [OrgMetricName.UnreachableTargets, OrgMetricName.EventPathBrokenTargets],
  [],
  SeriesWhen.AboveZero,
);
const PER_ACCOUNT = seriesOf(
  [MetricName.FailedInvocations, MetricName.TimedOutInvocations],
  [AccountId],
  SeriesWhen.AboveZero,
);
const PER_ACCOUNT_REGION = seriesOf(COUNT_METRICS, [AccountId, Region], SeriesWhen.Always);
const PER_TARGET_WINDOW = [AccountId, Region, WindowId] as const;

/**
 * Every series the functions publish, per mode: the one declaration the payload builders
 * (`lambda/metric-data.ts`) send from and the construct's metrics, alarms and dashboard read from.
 * Per report, the split series of a metric come first, in this order, then its fleet-wide one.
 * Single account: everything per window and fleet-wide. Organization mode: fleet-wide, failures
 * per account when there are some, everything per account and Region, or per account, Region
 * and window, when asked for; and the reach counts.
 */
export const PUBLISHED_SERIES: Readonly<Record<MetricMode, readonly PublishedSeries[]>> = {
  [SINGLE_ACCOUNT]: [
    ...seriesOf(COUNT_METRICS, [WindowId], SeriesWhen.Always),
    ...FLEET,
    ...seriesOf([MetricName.ExecutionsCompleted], [WindowId], SeriesWhen.RunRan),
    ...CAUSE_SERIES,
  ],
  [OrgMetricDetail.Account]: [...PER_ACCOUNT, ...FLEET, ...ORGANIZATION_REACH_SERIES, ...CAUSE_SERIES],
  [OrgMetricDetail.AccountRegion]: [
    ...PER_ACCOUNT,
    ...PER_ACCOUNT_REGION,
    ...FLEET,
    ...ORGANIZATION_REACH_SERIES,
    ...CAUSE_SERIES,
  ],
  [OrgMetricDetail.AccountRegionWindow]: [
    ...PER_ACCOUNT,
    ...PER_ACCOUNT_REGION,
    ...seriesOf(COUNT_METRICS, PER_TARGET_WINDOW, SeriesWhen.Always),
    ...FLEET,
    ...seriesOf([MetricName.ExecutionsCompleted], PER_TARGET_WINDOW, SeriesWhen.RunRan),
    ...ORGANIZATION_REACH_SERIES,
    ...CAUSE_SERIES,
  ],
};

/**
 * The series published in `mode` with `reporting`: per-task reporting reports tasks, not runs,
 * so it publishes no heartbeat.
 */
export function publishedSeries(
  mode: MetricMode,
  reporting: 'execution' | 'task',
): readonly PublishedSeries[] {
  return PUBLISHED_SERIES[mode].filter(
    (series) => reporting === 'execution' || series.when !== SeriesWhen.RunRan,
  );
}

/** An Organization ID, as AWS Organizations issues it. */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
/** An AWS account ID. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** A commercial, China or GovCloud Region name. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
/** The default prefix of the roles Organization mode names (they must have known names across accounts). */
export const DEFAULT_ROLE_PREFIX = 'MaintenanceWindowMonitor';
/** Role name prefixes: IAM allows 64 characters, and the longest suffix is `-Forward-ap-southeast-2`. */
export const MAX_ROLE_PREFIX_LENGTH = 32;
export const ROLE_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9+=,.@_-]{0,31}$/;

/** The read role in each member account and Region, which the central functions assume. */
export function readRoleName(prefix: string, region: string): string {
  return `${prefix}-Read-${region}`;
}
/** The role each member rule uses to put events on the central bus. */
export function forwardRoleName(prefix: string, region: string): string {
  return `${prefix}-Forward-${region}`;
}
/** The central functions' roles all start with this: the member read roles trust only them. */
export function centralRoleNamePrefix(prefix: string): string {
  return `${prefix}-Central-`;
}
/** The central event bus the member rules forward to. */
export function centralBusName(prefix: string): string {
  return `${prefix}-Events`;
}

/** One message of the Organization sweep queue: one account, swept in each of the Regions. */
export interface SweepAssignment {
  readonly accountId: string;
  /** The account's name in the Organization, for alerts. */
  readonly accountName?: string;
  readonly regions: readonly string[];
  /**
   * The Organization's management account, which StackSets never deploy to: while it has never
   * been readable, its missing read role means its member stack is not deployed (a notice, no alarm).
   */
  readonly management?: boolean;
}

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
  /** Organization mode (its presence turns it on): the Organization's ID. */
  OrganizationId: 'ORGANIZATION_ID',
  /** Organization mode: the Regions covered, comma-separated. */
  OrganizationRegions: 'ORGANIZATION_REGIONS',
  /** Organization mode: the prefix of the member roles' names. */
  RolePrefix: 'ROLE_PREFIX',
  /** Organization mode: the central account (where the functions, ledger and topics are). */
  CentralAccountId: 'CENTRAL_ACCOUNT_ID',
  /** Organization mode: one of `OrgMetricDetail`. */
  OrgMetricDetail: 'ORG_METRIC_DETAIL',
  /** Organization mode, the planner: the queue of sweep assignments. */
  SweepQueueUrl: 'SWEEP_QUEUE_URL',
  /** Organization mode, the planner: the organizational units whose accounts are swept; all when unset. */
  OrganizationalUnitIds: 'ORGANIZATIONAL_UNIT_IDS',
  /** One of `FailureCauses`: whether the alert reads and groups the causes of failed targets. */
  FailureCauses: 'FAILURE_CAUSES',
  /** The most failed targets whose cause one report reads (`DEFAULT_MAX_CAUSE_READS`). */
  MaxCauseReads: 'MAX_CAUSE_READS',
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

/** Every SSM call the functions make in a member account: the read role allows these and no more. */
export const MEMBER_READ_ACTIONS = [
  'ssm:DescribeMaintenanceWindows',
  'ssm:DescribeMaintenanceWindowExecutions',
  'ssm:DescribeMaintenanceWindowExecutionTasks',
  'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
  'ssm:GetMaintenanceWindow',
] as const;

/**
 * Whether the alert reads each failed target's cause and groups targets by it (context key and
 * prop `failureCauses`): `summary` (the default in one account; opt-in in an Organization, where
 * it lets the central account read command output in every member account) or `off` (no extra
 * call, no extra permission).
 */
export const FailureCauses = {
  Summary: 'summary',
  Off: 'off',
} as const;
export type FailureCauses = (typeof FailureCauses)[keyof typeof FailureCauses];

/** The most failed targets one report reads the cause of, by default; a setting. */
export const DEFAULT_MAX_CAUSE_READS = 50;
/** The highest `maxCauseReads` allowed: each read is a call in the run's account-Region. */
export const MAX_CAUSE_READS_LIMIT = 500;

/** Why a failure cause could not be read: the `Reason` of `CausesUnavailable`. */
export const CauseUnavailableReason = {
  /** The service kept refusing the read for its rate, after the SDK's retries. */
  Throttled: 'Throttled',
  /** The role may not read it (an old stack, or a member account that did not opt in). */
  Denied: 'Denied',
  /** The history is no longer kept (Run Command keeps 30 days, Step Functions 90). */
  Expired: 'Expired',
  /** The output went to an S3 bucket only: the alert links it, never fetches it. */
  OutputInS3: 'OutputInS3',
  /** The report's time for reading causes ran out before this read. */
  TimeBudget: 'TimeBudget',
  /** Any other error of the read. */
  Error: 'Error',
} as const;
export type CauseUnavailableReason = (typeof CauseUnavailableReason)[keyof typeof CauseUnavailableReason];

/**
 * The calls that read failure causes, in whichever account-Region the run ran: granted (to the
 * function's role, or to a member's read role) only when causes are read, and no more.
 */
export const CAUSE_READ_ACTIONS = [
  'ssm:ListCommandInvocations',
  'ssm:GetCommandInvocation',
  'ssm:GetAutomationExecution',
  'ssm:DescribeAutomationStepExecutions',
  'states:DescribeExecution',
] as const;

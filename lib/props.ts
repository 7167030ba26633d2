/**
 * The construct's props as a user writes them. Their enums, defaults and limits are in
 * `settings.ts` (re-exported here); `resolve-props.ts` applies them.
 */
import type { Duration, IPolicyValidationPlugin } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { MonitorReach } from './reach/reach';
import type { FailureCauses, LogLevel, OrganizationMetricDetail, Reporting } from './settings';

export { DEFAULTS, FailureCauses, LIMITS, LogLevel, OrganizationMetricDetail, Reporting } from './settings';

/**
 * Organization mode: one central monitor, in the Organization's management account or its StackSets
 * delegated administrator (found at deploy time), for every member account and listed Region. A StackSet puts, in each
 * member account and listed Region, a rule that forwards the maintenance window events to the
 * monitor's event bus, and a read role the monitor's functions assume to read SSM there.
 */
export interface OrganizationOptions {
  /** The Organization's ID (`o-` and 10 to 32 lower-case letters or digits). */
  readonly organizationId: string;

  /**
   * The Regions covered, at most 50: the StackSet deploys the member stack there, and the sweep
   * reads each member account there. Regions are not added by themselves: list a new one here.
   */
  readonly regions: string[];

  /**
   * Where the StackSet deploys the member stack: the root ID (`r-…`) for the whole Organization,
   * or organizational unit IDs (`ou-…`), not both, at most 50 (a StackSet's limit: list a parent
   * unit instead of many of its children). Accounts that join them later get it too; the
   * management account never does (deploy the app's `MaintenanceWindowMonitorMember` stack there).
   * @default - the whole Organization: its root, looked up at deploy time
   */
  readonly organizationalUnitIds?: string[];

  /**
   * The prefix of the names of every role the monitor names in the Organization (the member read
   * and forwarder roles, the central functions' roles) and of its event bus: at most 32 of
   * `A-Z a-z 0-9 . _ -`, starting with a letter. Two Organization monitors need different
   * prefixes when their StackSets reach the same member accounts (the member roles are named for
   * the prefix and the Region), or when they share an account and Region (the bus).
   * @default 'MaintenanceWindowMonitor'
   */
  readonly rolePrefix?: string;

  /**
   * How finely the metrics are split beyond the fleet-wide series: each series costs money, and
   * per-window series across an Organization cost most.
   * @default OrganizationMetricDetail.ACCOUNT
   */
  readonly metricDetail?: OrganizationMetricDetail;

  /**
   * How many member accounts the sweep reads at once (the sweep queue's maximum concurrency),
   * from 2 to 100.
   * @default 10
   */
  readonly sweepConcurrency?: number;

  /**
   * Validation plugins (cdk-nag's `AwsSolutionsChecks`, say) to run on the member template. It is
   * synthesized in an App of its own, which the plugins of your app do not reach; a finding fails
   * synthesis.
   * @default - the member template is not validated
   */
  readonly memberTemplateValidations?: IPolicyValidationPlugin[];
}

/** Props of the `MaintenanceWindowMonitor` construct; every one is optional. */
export interface MaintenanceWindowMonitorProps {
  /**
   * E-mail addresses subscribed to the alert topic. Each recipient must confirm the subscription
   * (SNS deletes unconfirmed ones after 48 hours).
   * @default - no subscriptions; subscribe to the topic yourself
   */
  readonly alertEmails?: string[];

  /**
   * An existing topic to send alerts and alarm notifications to, instead of creating one. If it is
   * encrypted, it must be with a customer-managed key (CloudWatch alarms cannot publish to a topic
   * encrypted with the AWS-managed `alias/aws/sns`, which is refused here); import the topic with
   * its key (`Topic.fromTopicAttributes` with `keyArn`) so the monitor's functions may use the key.
   * CloudWatch drops an alarm's notification silently when the key does not let
   * `cloudwatch.amazonaws.com` use it: the monitor adds that statement (for this stack's alarms
   * only) to the key's policy when the key is defined in the app, and otherwise (an imported key,
   * or a topic imported without its key) warns at synthesis with the exact statement to add. The
   * topic's own policy must let `cloudwatch.amazonaws.com` publish.
   * @default - a new topic encrypted with a new customer-managed KMS key
   */
  readonly alertTopic?: sns.ITopic;

  /**
   * CloudWatch namespace of the published metrics.
   * @default 'MaintenanceWindowMonitor'
   */
  readonly metricNamespace?: string;

  /**
   * Maintenance windows to watch, at most 120 (each adds alarms to the stack and 21 bytes to the
   * functions' 4 KB environment). Each gets a failure alarm of its own. Up to 40, the rule matches
   * only their events and the functions may read only their names; above 40 (EventBridge's
   * 2,048-character event pattern and IAM's policy size would not hold them) the rule matches every
   * window's events and the report function ignores the others before any call.
   * @default - every maintenance window in the account and region
   */
  readonly windowIds?: string[];

  /**
   * What one report covers. `Reporting.EXECUTION`: one report and at most one alert per
   * maintenance window run, covering all its tasks. `Reporting.TASK`: one per task execution, as
   * each task ends.
   * @default Reporting.EXECUTION
   */
  readonly reporting?: Reporting;

  /**
   * Failed plus timed-out invocations within one period that put a failure alarm in ALARM.
   * @default 1
   */
  readonly alarmThreshold?: number;

  /**
   * Length of the failure alarms' period: whole minutes, from 1 minute to 1 day.
   * @default Duration.minutes(5)
   */
  readonly alarmPeriod?: Duration;

  /**
   * Consecutive breaching periods before a failure alarm goes to ALARM. Periods times this must
   * not exceed one day.
   * @default 1
   */
  readonly alarmEvaluationPeriods?: number;

  /**
   * The functions' log level (`POWERTOOLS_LOG_LEVEL`).
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;

  /**
   * How long the functions' logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Concurrent executions reserved for (and capping) the report function, so that a burst of window
   * executions neither takes the account's concurrency nor floods SSM with calls; events beyond
   * it wait in Lambda's asynchronous queue. Lambda keeps 100 executions unreserved in every
   * account, so reserving N needs an account concurrency quota with at least 100 + N unreserved
   * (`aws lambda get-account-settings`: `UnreservedConcurrentExecutions`); new accounts' quota
   * of 10, and quotas of 50 or 100, have none to spare and fail the deployment.
   * @default - unreserved: deploys in any account
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Memory of both functions, in MB. 256 MB was chosen by measurement (`npm run bench`): reporting
   * 10,000 targets peaks at ~90 MB and runs ~40% faster than at 128 MB.
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the report function may run for one event: whole seconds, from 30 seconds to 15 minutes.
   * A run of 10,000 targets takes a few seconds; raise it for far larger runs or a slow SSM.
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;

  /**
   * How often the sweep looks for executions whose event never arrived: whole minutes, from 5
   * minutes to 1 day.
   * @default Duration.hours(1)
   */
  readonly sweepInterval?: Duration;

  /**
   * How far back the sweep looks, at least the interval plus 30 minutes (so that a run that ended
   * during one sweep's 15-minute grace is still in range at the next) and at most 14 days (CloudWatch accepts
   * metric data up to two weeks old). Executions that ended before the monitor was deployed are
   * never swept up.
   * @default Duration.days(1)
   */
  readonly sweepLookback?: Duration;

  /**
   * For each window in `windowIds`: an alarm fires when no run of the window ran to its end
   * within this long (a sliding window of hourly periods), because a window that silently stopped
   * running stops patching too. Give the longest normal gap between runs plus some slack (for a
   * daily window, 26 hours). Whole hours, at most 7 days (CloudWatch's longest evaluation range);
   * needs `windowIds` and `Reporting.EXECUTION`.
   * @default - no missed-run alarms (the monitor does not know a window's schedule)
   */
  readonly expectedRunInterval?: Duration;

  /**
   * A Slack channel that receives the alerts (as chat cards) and alarm notifications through
   * Amazon Q Developer in chat applications: the monitor creates a channel configuration
   * subscribed to its chat topic. The workspace must already be authorized in the Amazon Q
   * Developer console, and a Slack channel can have only one configuration: for a channel that
   * already has one, use `createChatTopic` and add the topic to that configuration instead.
   * @default - no Slack channel
   */
  readonly slackChannel?: SlackChannel;

  /**
   * A Microsoft Teams channel that receives the alerts and alarm notifications through Amazon Q
   * Developer in chat applications. The team must already be authorized in its console.
   * @default - no Teams channel
   */
  readonly teamsChannel?: TeamsChannel;

  /**
   * Create the chat topic (chat cards of the alerts, and the alarm notifications, for Amazon Q
   * Developer) without creating a channel configuration, to add it to a configuration you already
   * have (stack output `ChatTopicArn`).
   * @default - true when `slackChannel` or `teamsChannel` is given, false otherwise
   */
  readonly createChatTopic?: boolean;

  /**
   * Where the monitor looks: `MonitorReach.thisAccount()`, or `MonitorReach.organization({...})`
   * for every member account of an AWS Organization, in the listed Regions, from this (central)
   * account. Not with `organization` (the same reach, written the older way): giving both is refused.
   * @default - `MonitorReach.organization(organization)` when `organization` is given, else
   *   `MonitorReach.thisAccount()`: the account and Region of the stack
   */
  readonly reach?: MonitorReach;

  /**
   * Organization mode: watch every member account of an AWS Organization, in the listed Regions,
   * from this (central) account. Not with `windowIds` or `expectedRunInterval`: window IDs are per
   * account, and the sweep finds the windows itself. The same as
   * `reach: MonitorReach.organization(organization)`; not with `reach`.
   * @default - single-account mode: the account and Region of the stack
   */
  readonly organization?: OrganizationOptions;

  /**
   * Whether an alert says why targets failed, grouping them by cause (`FailureCauses.SUMMARY`),
   * or not (`FailureCauses.OFF`: no extra call, no extra permission). `SUMMARY` reads the cause of
   * each failed or timed-out target, up to `maxCauseReads` (its command's output, its Automation
   * step's or Step Functions execution's error), one normalized, redacted line per cause. Command
   * output can hold anything a script prints, and the alert carries it out of the account by
   * e-mail. In an Organization it is opt-in: `SUMMARY` lets the central account read command
   * output in every member account (the StackSet adds the reads to each member's read role).
   * @default - `FailureCauses.SUMMARY` in one account, `FailureCauses.OFF` in an Organization
   */
  readonly failureCauses?: FailureCauses;

  /**
   * The most failed targets whose cause one report reads, from 1 to 500 (each is a call in the
   * run's account and Region); the alert says how many were examined. Not with
   * `FailureCauses.OFF`.
   * @default 50
   */
  readonly maxCauseReads?: number;
}

/** A Slack channel, as Amazon Q Developer in chat applications knows it. */
export interface SlackChannel {
  /** The workspace ID (`T…`), from the Amazon Q Developer console. */
  readonly workspaceId: string;
  /** The channel ID (`C…`), from the channel's details in Slack. */
  readonly channelId: string;
}

/** A Microsoft Teams channel, as Amazon Q Developer in chat applications knows it. */
export interface TeamsChannel {
  /** The team's ID (a UUID), from the channel's link. */
  readonly teamId: string;
  /** URL-encoded, as in the channel's link: `19%3A…%40thread.tacv2`. */
  readonly channelId: string;
  /** The Microsoft 365 tenant's ID (a UUID). */
  readonly tenantId: string;
}

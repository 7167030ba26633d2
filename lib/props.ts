import { Duration, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { NAMESPACE_PATTERN, UUID_PATTERN, WINDOW_ID_PATTERN } from '../lambda/contract';

/** The unit of reporting: a whole window execution, or each of its task executions. */
export type Reporting = 'execution' | 'task';
export const REPORTING_MODES: readonly Reporting[] = ['execution', 'task'];

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface MaintenanceWindowMonitorProps {
  /**
   * E-mail addresses subscribed to the alert topic. Each recipient must confirm the subscription
   * (SNS deletes unconfirmed ones after 48 hours).
   * @default - no subscriptions; subscribe to the topic yourself
   */
  readonly alertEmails?: readonly string[];

  /**
   * An existing topic to send alerts and alarm notifications to, instead of creating one. If it is
   * encrypted, it must be with a customer-managed key (CloudWatch alarms cannot publish to a topic
   * encrypted with the AWS-managed `alias/aws/sns`, which is refused here); import the topic with
   * its key (`Topic.fromTopicAttributes` with `keyArn`) so the function may use the key, and let
   * `cloudwatch.amazonaws.com` use the key and publish to the topic.
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
   * window's events and the function ignores the others before any call.
   * @default - every maintenance window in the account and region
   */
  readonly windowIds?: readonly string[];

  /**
   * What one report covers. `execution`: one report and at most one alert per maintenance window
   * run, covering all its tasks. `task`: one per task execution, as each task ends.
   * @default 'execution'
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
   * The function's log level (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Concurrent executions reserved for (and capping) the function, so that a burst of window
   * executions neither takes the account's concurrency nor floods SSM with calls; events beyond
   * it wait in Lambda's asynchronous queue. Lambda keeps 100 executions unreserved in every
   * account, so reserving N needs an account concurrency quota with at least 100 + N unreserved
   * (`aws lambda get-account-settings`: `UnreservedConcurrentExecutions`); new accounts' quota
   * of 10, and quotas of 50 or 100, have none to spare and fail the deployment.
   * @default 'none' - unreserved: deploys in any account
   */
  readonly reservedConcurrency?: number | 'none';

  /**
   * How often the reconciliation sweep looks for executions whose event never arrived: whole
   * minutes, from 5 minutes to 1 day.
   * @default Duration.hours(1)
   */
  readonly reconcileInterval?: Duration;

  /**
   * How far back the sweep looks, at least the interval plus 30 minutes (so that a run that ended
   * during one sweep's 15-minute grace is still in range at the next) and at most 14 days (CloudWatch accepts
   * metric data up to two weeks old). Executions that ended before the monitor was deployed are
   * never reconciled.
   * @default Duration.days(1)
   */
  readonly reconcileLookback?: Duration;

  /**
   * For each window in `windowIds`: an alarm fires when no run of the window ran to its end
   * within this long (a sliding window of hourly periods), because a window that silently stopped
   * running stops patching too. Give the longest normal gap between runs plus some slack (for a
   * daily window, 26 hours). Whole hours, at most 7 days (CloudWatch's longest evaluation range);
   * only with `reporting: 'execution'`.
   * @default 'none' - no missed-run alarms (the monitor does not know a window's schedule)
   */
  readonly expectedRunInterval?: Duration | 'none';

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
}

export interface SlackChannel {
  /** The workspace ID (`T…`), from the Amazon Q Developer console. */
  readonly workspaceId: string;
  /** The channel ID (`C…`), from the channel's details in Slack. */
  readonly channelId: string;
}

export interface TeamsChannel {
  readonly teamId: string;
  /** URL-encoded, as in the channel's link: `19%3A…%40thread.tacv2`. */
  readonly channelId: string;
  readonly tenantId: string;
}

/** The most windows `windowIds` may list: each costs alarms and environment space (see the prop). */
export const MAX_WINDOW_IDS = 120;

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** The AWS-managed SNS key, which no key policy can open to CloudWatch alarms. */
const AWS_MANAGED_SNS_KEY = /(^|:)alias\/aws\/sns$/;

const RETENTION_DAYS = new Set(
  Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'),
);

class PropError extends Error {
  override readonly name = 'ValidationError';

  constructor(prop: keyof MaintenanceWindowMonitorProps, problem: string) {
    super(`${prop}: ${problem}`);
  }
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/** Checks every prop; throws one error naming the first that is wrong and what it expects. */
export function validateProps(props: MaintenanceWindowMonitorProps): void {
  for (const email of props.alertEmails ?? []) {
    if (!EMAIL.test(email))
      throw new PropError('alertEmails', `"${email}" is not an e-mail address (expected name@domain.tld)`);
  }

  const namespace = props.metricNamespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace)) {
    if (!NAMESPACE_PATTERN.test(namespace) || namespace.startsWith('AWS/')) {
      throw new PropError(
        'metricNamespace',
        `"${namespace}" is not a valid custom namespace (1-255 of A-Z a-z 0-9 . - _ / # :, not starting with "AWS/")`,
      );
    }
  }

  if (props.windowIds !== undefined) {
    if (props.windowIds.length === 0)
      throw new PropError('windowIds', 'must list at least one window, or be left out to watch all');
    for (const windowId of props.windowIds) {
      if (!WINDOW_ID_PATTERN.test(windowId))
        throw new PropError('windowIds', `"${windowId}" is not a window ID (expected mw- and 17 hex digits)`);
    }
    if (new Set(props.windowIds).size !== props.windowIds.length)
      throw new PropError('windowIds', 'lists a window twice');
    if (props.windowIds.length > MAX_WINDOW_IDS) {
      throw new PropError(
        'windowIds',
        `lists ${props.windowIds.length} windows, more than the ${MAX_WINDOW_IDS} one stack can watch by ID ` +
          "(per-window alarms, and the functions' 4 KB environment); leave it out to watch every window",
      );
    }
  }

  const keyArn = props.alertTopic?.masterKey?.keyArn;
  if (keyArn !== undefined && !Token.isUnresolved(keyArn) && AWS_MANAGED_SNS_KEY.test(keyArn)) {
    throw new PropError(
      'alertTopic',
      'is encrypted with the AWS-managed key alias/aws/sns, to which CloudWatch alarms cannot publish; ' +
        'encrypt it with a customer-managed key whose policy lets cloudwatch.amazonaws.com use it',
    );
  }
  if (props.createChatTopic === false && (props.slackChannel || props.teamsChannel)) {
    throw new PropError(
      'createChatTopic',
      'is false, but slackChannel or teamsChannel needs the chat topic to subscribe to',
    );
  }

  if (props.reporting !== undefined && !REPORTING_MODES.includes(props.reporting)) {
    throw new PropError('reporting', `"${props.reporting}" is not one of ${REPORTING_MODES.join(', ')}`);
  }

  const threshold = props.alarmThreshold;
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 1)) {
    throw new PropError('alarmThreshold', `must be a number of invocations of at least 1, got ${threshold}`);
  }

  const period = props.alarmPeriod;
  const periodSeconds = period && !period.isUnresolved() ? period.toSeconds() : undefined;
  if (
    periodSeconds !== undefined &&
    !(periodSeconds % 60 === 0 && periodSeconds >= 60 && periodSeconds <= 86_400)
  ) {
    throw new PropError(
      'alarmPeriod',
      `must be whole minutes from 1 minute to 1 day, got ${period?.toHumanString()}`,
    );
  }

  const evaluationPeriods = props.alarmEvaluationPeriods;
  if (evaluationPeriods !== undefined && !isPositiveInteger(evaluationPeriods)) {
    throw new PropError(
      'alarmEvaluationPeriods',
      `must be a whole number of at least 1, got ${evaluationPeriods}`,
    );
  }
  // CloudWatch: at most one day of evaluation for periods under an hour, seven days otherwise.
  const longest = (periodSeconds ?? 300) < 3_600 ? 86_400 : 7 * 86_400;
  if ((periodSeconds ?? 300) * (evaluationPeriods ?? 1) > longest) {
    throw new PropError(
      'alarmEvaluationPeriods',
      `times alarmPeriod must not exceed ${longest === 86_400 ? 'one day for periods under an hour' : 'seven days'} (a CloudWatch limit)`,
    );
  }

  if (props.logLevel !== undefined && !LOG_LEVELS.includes(props.logLevel)) {
    throw new PropError('logLevel', `"${props.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }

  if (props.logRetention !== undefined && !RETENTION_DAYS.has(props.logRetention)) {
    throw new PropError(
      'logRetention',
      `${props.logRetention} is not a retention CloudWatch Logs offers (logs.RetentionDays)`,
    );
  }

  const interval = props.reconcileInterval;
  const intervalMinutes = interval && !interval.isUnresolved() ? interval.toMinutes({ integral: false }) : 60;
  if (!(Number.isInteger(intervalMinutes) && intervalMinutes >= 5 && intervalMinutes <= 1_440)) {
    throw new PropError(
      'reconcileInterval',
      `must be whole minutes from 5 minutes to 1 day, got ${interval?.toHumanString()}`,
    );
  }
  const lookback = props.reconcileLookback;
  const lookbackMinutes =
    lookback && !lookback.isUnresolved() ? lookback.toMinutes({ integral: false }) : 1_440;
  if (
    !(
      Number.isInteger(lookbackMinutes) &&
      // A run that ends just inside the grace period must still be in range at the next sweep.
      lookbackMinutes >= intervalMinutes + 30 &&
      lookbackMinutes <= 14 * 1_440
    )
  ) {
    throw new PropError(
      'reconcileLookback',
      `must be whole minutes, at least reconcileInterval plus 30 minutes and at most 14 days, got ${lookback?.toHumanString() ?? '1 day'}`,
    );
  }

  const expected = props.expectedRunInterval;
  if (expected !== undefined && expected !== 'none' && !expected.isUnresolved()) {
    const minutes = expected.toMinutes({ integral: false });
    if (!(Number.isInteger(minutes) && minutes >= 60 && minutes <= 7 * 1_440 && minutes % 60 === 0)) {
      throw new PropError(
        'expectedRunInterval',
        `must be whole hours from 1 hour to 7 days, or 'none', got ${expected.toHumanString()}`,
      );
    }
  }

  if (props.slackChannel) {
    const { workspaceId, channelId } = props.slackChannel;
    if (!/^[0-9A-Z]{1,255}$/.test(workspaceId))
      throw new PropError(
        'slackChannel',
        `workspaceId "${workspaceId}" is not a Slack workspace ID (like T012ABCDEFG)`,
      );
    if (!/^[A-Za-z0-9]{1,256}$/.test(channelId))
      throw new PropError(
        'slackChannel',
        `channelId "${channelId}" is not a Slack channel ID (like C012ABCDEFG)`,
      );
  }
  if (props.teamsChannel) {
    const { teamId, tenantId, channelId } = props.teamsChannel;
    if (!UUID_PATTERN.test(teamId)) throw new PropError('teamsChannel', `teamId "${teamId}" is not a UUID`);
    if (!UUID_PATTERN.test(tenantId))
      throw new PropError('teamsChannel', `tenantId "${tenantId}" is not a UUID`);
    // As it appears, URL-encoded, in the channel's link: 19%3A...%40thread.tacv2
    if (!/^[a-zA-Z0-9\-_=+/.,]*%3[aA][a-zA-Z0-9\-_=+/.,]*%40[a-zA-Z0-9\-_=+/.,]*$/.test(channelId)) {
      throw new PropError(
        'teamsChannel',
        `channelId "${channelId}" must be URL-encoded as in the channel's link (like 19%3Aabc%40thread.tacv2)`,
      );
    }
  }

  const concurrency = props.reservedConcurrency;
  if (concurrency !== undefined && concurrency !== 'none' && !isPositiveInteger(concurrency)) {
    throw new PropError(
      'reservedConcurrency',
      `must be a whole number of at least 1, or 'none', got ${concurrency}`,
    );
  }
}

export const DEFAULTS = {
  reporting: 'execution' as Reporting,
  alarmThreshold: 1,
  alarmPeriod: Duration.minutes(5),
  alarmEvaluationPeriods: 1,
  logLevel: 'INFO' as LogLevel,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  reservedConcurrency: 'none' as number | 'none',
  reconcileInterval: Duration.hours(1),
  reconcileLookback: Duration.days(1),
  expectedRunInterval: 'none' as Duration | 'none',
};

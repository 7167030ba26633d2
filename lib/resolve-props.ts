/**
 * Turns the props a user wrote into the fully resolved props the builders take: defaults merged,
 * then every value, and every combination, checked. An error names the construct, the prop (or
 * both props) and what is expected.
 */
import { type Duration, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { NAMESPACE_PATTERN, UUID_PATTERN, WINDOW_ID_PATTERN } from '../contract';
import { failureCausesProblem, maxCauseReadsProblem, reportingProblem } from './checks';
import { type MonitorPropName, MonitorPropsError } from './errors';
import type { MaintenanceWindowMonitorProps, SlackChannel, TeamsChannel } from './props';
import type { BoundReach } from './reach/binding';
import { reachOf } from './reach/reach';
import { DEFAULTS, FailureCauses, LIMITS, LogLevel, Reporting } from './settings';

export { MonitorPropsError, type PropName } from './errors';

const LOG_LEVELS: string[] = Object.values(LogLevel);

/** Every prop with its value: the user's, or the default. */
export interface ResolvedMonitorProps {
  readonly alertEmails: readonly string[];
  readonly alertTopic?: sns.ITopic;
  readonly metricNamespace: string;
  readonly windowIds?: readonly string[];
  readonly reporting: Reporting;
  readonly alarmThreshold: number;
  readonly alarmPeriod: Duration;
  readonly alarmEvaluationPeriods: number;
  readonly logLevel: LogLevel;
  readonly logRetention: logs.RetentionDays;
  /** Unreserved when undefined. */
  readonly reservedConcurrentExecutions?: number;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly sweepInterval: Duration;
  readonly sweepLookback: Duration;
  /** No missed-run alarms when undefined. */
  readonly expectedRunInterval?: Duration;
  readonly slackChannel?: SlackChannel;
  readonly teamsChannel?: TeamsChannel;
  readonly createChatTopic: boolean;
  readonly failureCauses: FailureCauses;
  readonly maxCauseReads: number;
  /** Where the monitor looks, bound to it (its options checked). */
  readonly reach: BoundReach;
}

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** The AWS-managed SNS key, which no key policy can open to CloudWatch alarms. */
const AWS_MANAGED_SNS_KEY = /(^|:)alias\/aws\/sns$/;
const RETENTION_DAYS = new Set(
  Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'),
);

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/** The defaults merged into `props`, checked; throws a `MonitorPropsError` at the first problem. */
export function resolveProps(scope: IConstruct, props: MaintenanceWindowMonitorProps): ResolvedMonitorProps {
  const fail = (names: MonitorPropName[], problem: string): never => {
    throw new MonitorPropsError(scope.node.path, names, problem);
  };
  // First: the reach's checks, and the props it cannot be combined with.
  const reach = reachOf(scope, props)._bind({ scope, props });
  const resolved: ResolvedMonitorProps = {
    alertEmails: props.alertEmails ?? [],
    ...(props.alertTopic ? { alertTopic: props.alertTopic } : {}),
    metricNamespace: props.metricNamespace ?? DEFAULTS.metricNamespace,
    ...(props.windowIds ? { windowIds: props.windowIds } : {}),
    reporting: props.reporting ?? DEFAULTS.reporting,
    alarmThreshold: props.alarmThreshold ?? DEFAULTS.alarmThreshold,
    alarmPeriod: props.alarmPeriod ?? DEFAULTS.alarmPeriod,
    alarmEvaluationPeriods: props.alarmEvaluationPeriods ?? DEFAULTS.alarmEvaluationPeriods,
    logLevel: props.logLevel ?? DEFAULTS.logLevel,
    logRetention: props.logRetention ?? DEFAULTS.logRetention,
    ...(props.reservedConcurrentExecutions !== undefined
      ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
      : {}),
    memorySize: props.memorySize ?? DEFAULTS.memorySize,
    timeout: props.timeout ?? DEFAULTS.timeout,
    sweepInterval: props.sweepInterval ?? DEFAULTS.sweepInterval,
    sweepLookback: props.sweepLookback ?? DEFAULTS.sweepLookback,
    ...(props.expectedRunInterval ? { expectedRunInterval: props.expectedRunInterval } : {}),
    ...(props.slackChannel ? { slackChannel: props.slackChannel } : {}),
    ...(props.teamsChannel ? { teamsChannel: props.teamsChannel } : {}),
    createChatTopic: props.createChatTopic ?? Boolean(props.slackChannel || props.teamsChannel),
    failureCauses: props.failureCauses ?? reach.failureCauses,
    maxCauseReads: props.maxCauseReads ?? DEFAULTS.maxCauseReads,
    reach,
  };

  checkTopicsAndWindows(resolved, props, fail);
  checkAlarms(resolved, props, fail);
  checkSweep(resolved, fail);
  checkChannels(resolved, fail);
  checkCauses(resolved, props, fail);

  if (!RETENTION_DAYS.has(resolved.logRetention)) {
    fail(
      ['logRetention'],
      `${resolved.logRetention} is not a retention CloudWatch Logs offers (logs.RetentionDays)`,
    );
  }
  if (!LOG_LEVELS.includes(resolved.logLevel)) {
    fail(['logLevel'], `"${resolved.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const concurrency = resolved.reservedConcurrentExecutions;
  if (concurrency !== undefined && !isPositiveInteger(concurrency)) {
    fail(['reservedConcurrentExecutions'], `must be a whole number of at least 1, got ${concurrency}`);
  }
  const memory = resolved.memorySize;
  if (!(Number.isInteger(memory) && memory >= LIMITS.memorySize.min && memory <= LIMITS.memorySize.max)) {
    fail(
      ['memorySize'],
      `must be whole MB from ${LIMITS.memorySize.min} to ${LIMITS.memorySize.max}, got ${memory}`,
    );
  }
  const timeout = resolved.timeout;
  if (!timeout.isUnresolved()) {
    const seconds = timeout.toSeconds({ integral: false });
    const { min, max } = LIMITS.timeout;
    if (!(Number.isInteger(seconds) && seconds >= min.toSeconds() && seconds <= max.toSeconds())) {
      fail(
        ['timeout'],
        `must be whole seconds from ${min.toHumanString()} to ${max.toHumanString()}, got ${timeout.toHumanString()}`,
      );
    }
  }
  return resolved;
}

type Fail = (names: MonitorPropName[], problem: string) => never;

function checkTopicsAndWindows(
  resolved: ResolvedMonitorProps,
  props: MaintenanceWindowMonitorProps,
  fail: Fail,
): void {
  for (const email of resolved.alertEmails) {
    if (!EMAIL.test(email))
      fail(['alertEmails'], `"${email}" is not an e-mail address (expected name@domain.tld)`);
  }
  const namespace = resolved.metricNamespace;
  if (
    !Token.isUnresolved(namespace) &&
    (!NAMESPACE_PATTERN.test(namespace) || namespace.startsWith('AWS/'))
  ) {
    fail(
      ['metricNamespace'],
      `"${namespace}" is not a valid custom namespace (1-255 of A-Z a-z 0-9 . - _ / # :, not starting with "AWS/")`,
    );
  }
  const windowIds = resolved.windowIds;
  if (windowIds !== undefined) {
    if (windowIds.length === 0)
      fail(['windowIds'], 'must list at least one window, or be left out to watch all');
    for (const windowId of windowIds) {
      // SSM's IDs are lower-case, and event patterns match them exactly: an upper-case copy is refused.
      if (WINDOW_ID_PATTERN.test(windowId.toLowerCase()) && windowId !== windowId.toLowerCase()) {
        fail(
          ['windowIds'],
          `"${windowId}" has upper-case letters: window IDs are lower-case (${windowId.toLowerCase()})`,
        );
      }
      if (!WINDOW_ID_PATTERN.test(windowId))
        fail(['windowIds'], `"${windowId}" is not a window ID (expected mw- and 17 lower-case hex digits)`);
    }
    if (new Set(windowIds).size !== windowIds.length) fail(['windowIds'], 'lists a window twice');
    if (windowIds.length > LIMITS.maxWindowIds) {
      fail(
        ['windowIds'],
        `lists ${windowIds.length} windows, more than the ${LIMITS.maxWindowIds} one stack can watch by ID ` +
          "(per-window alarms, and the functions' 4 KB environment); leave it out to watch every window",
      );
    }
  }
  const keyArn = resolved.alertTopic?.masterKey?.keyArn;
  if (keyArn !== undefined && !Token.isUnresolved(keyArn) && AWS_MANAGED_SNS_KEY.test(keyArn)) {
    fail(
      ['alertTopic'],
      'is encrypted with the AWS-managed key alias/aws/sns, to which CloudWatch alarms cannot publish; ' +
        'encrypt it with a customer-managed key whose policy lets cloudwatch.amazonaws.com use it',
    );
  }
  if (props.createChatTopic === false && (props.slackChannel || props.teamsChannel)) {
    fail(
      ['createChatTopic'],
      'is false, but slackChannel or teamsChannel needs the chat topic to subscribe to',
    );
  }
  const reporting = reportingProblem(resolved.reporting);
  if (reporting !== undefined) fail(['reporting'], reporting);
}

/** Whole `unit`s within [min, max], or a token (checked by CloudFormation at deploy). */
function wholeUnitsInRange(
  duration: Duration,
  unit: 'minutes' | 'hours',
  min: Duration,
  max: Duration,
): boolean {
  if (duration.isUnresolved()) return true;
  const value =
    unit === 'minutes' ? duration.toMinutes({ integral: false }) : duration.toHours({ integral: false });
  const low = unit === 'minutes' ? min.toMinutes() : min.toHours();
  const high = unit === 'minutes' ? max.toMinutes() : max.toHours();
  return Number.isInteger(value) && value >= low && value <= high;
}

function range(unit: string, limits: { min: Duration; max: Duration }): string {
  return `whole ${unit} from ${limits.min.toHumanString()} to ${limits.max.toHumanString()}`;
}

function checkAlarms(resolved: ResolvedMonitorProps, props: MaintenanceWindowMonitorProps, fail: Fail): void {
  const { alarmThreshold: threshold, alarmPeriod: period, alarmEvaluationPeriods: evaluations } = resolved;
  if (!(Number.isFinite(threshold) && threshold >= 1)) {
    fail(['alarmThreshold'], `must be a number of invocations of at least 1, got ${threshold}`);
  }
  if (!wholeUnitsInRange(period, 'minutes', LIMITS.alarmPeriod.min, LIMITS.alarmPeriod.max)) {
    fail(['alarmPeriod'], `must be ${range('minutes', LIMITS.alarmPeriod)}, got ${period.toHumanString()}`);
  }
  if (!isPositiveInteger(evaluations)) {
    fail(['alarmEvaluationPeriods'], `must be a whole number of at least 1, got ${evaluations}`);
  }
  if (!period.isUnresolved()) {
    const short = period.toSeconds() < LIMITS.alarmRange.shortPeriod.toSeconds();
    const longest = short ? LIMITS.alarmRange.short : LIMITS.alarmRange.long;
    if (period.toSeconds() * evaluations > longest.toSeconds()) {
      fail(
        ['alarmEvaluationPeriods'],
        `times alarmPeriod must not exceed ${short ? 'one day for periods under an hour' : 'seven days'} (a CloudWatch limit)`,
      );
    }
  }
  const expected = resolved.expectedRunInterval;
  if (expected !== undefined) {
    if (
      !wholeUnitsInRange(expected, 'hours', LIMITS.expectedRunInterval.min, LIMITS.expectedRunInterval.max)
    ) {
      fail(
        ['expectedRunInterval'],
        `must be ${range('hours', LIMITS.expectedRunInterval)}, got ${expected.toHumanString()}`,
      );
    }
    // Missed-run alarms watch the heartbeat of listed windows, which only execution reporting has.
    if (!props.windowIds) {
      fail(
        ['expectedRunInterval', 'windowIds'],
        'missed-run alarms are per listed window: list the windows to watch',
      );
    }
    if (resolved.reporting !== Reporting.EXECUTION) {
      fail(
        ['expectedRunInterval', 'reporting'],
        'missed-run alarms watch runs, which only Reporting.EXECUTION reports; leave one of them out',
      );
    }
  }
}

function checkSweep(resolved: ResolvedMonitorProps, fail: Fail): void {
  const { sweepInterval: interval, sweepLookback: lookback } = resolved;
  if (!wholeUnitsInRange(interval, 'minutes', LIMITS.sweepInterval.min, LIMITS.sweepInterval.max)) {
    fail(
      ['sweepInterval'],
      `must be ${range('minutes', LIMITS.sweepInterval)}, got ${interval.toHumanString()}`,
    );
  }
  const { marginOverInterval: margin, max } = LIMITS.sweepLookback;
  // A run that ends just inside one sweep's grace period must still be in range at the next sweep.
  const least = interval.isUnresolved() ? margin : interval.plus(margin);
  if (!wholeUnitsInRange(lookback, 'minutes', least, max)) {
    fail(
      ['sweepLookback'],
      `must be whole minutes, at least sweepInterval plus ${margin.toHumanString()} and at most ${max.toHumanString()}, got ${lookback.toHumanString()}`,
    );
  }
}

function checkCauses(resolved: ResolvedMonitorProps, props: MaintenanceWindowMonitorProps, fail: Fail): void {
  const causes = failureCausesProblem(resolved.failureCauses);
  if (causes !== undefined) fail(['failureCauses'], causes);
  const reads = maxCauseReadsProblem(resolved.maxCauseReads);
  if (reads !== undefined) fail(['maxCauseReads'], reads);
  if (props.maxCauseReads !== undefined && resolved.failureCauses === FailureCauses.OFF) {
    const why = props.failureCauses === undefined ? ' (the default in an Organization)' : '';
    fail(
      ['maxCauseReads', 'failureCauses'],
      `no cause is read while failureCauses is off${why}: leave maxCauseReads out, or set failureCauses to summary`,
    );
  }
}

function checkChannels(resolved: ResolvedMonitorProps, fail: Fail): void {
  if (resolved.slackChannel) {
    const { workspaceId, channelId } = resolved.slackChannel;
    if (!/^[0-9A-Z]{1,255}$/.test(workspaceId))
      fail(['slackChannel'], `workspaceId "${workspaceId}" is not a Slack workspace ID (like T012ABCDEFG)`);
    if (!/^[A-Za-z0-9]{1,256}$/.test(channelId))
      fail(['slackChannel'], `channelId "${channelId}" is not a Slack channel ID (like C012ABCDEFG)`);
  }
  if (resolved.teamsChannel) {
    const { teamId, tenantId, channelId } = resolved.teamsChannel;
    if (!UUID_PATTERN.test(teamId)) fail(['teamsChannel'], `teamId "${teamId}" is not a UUID`);
    if (!UUID_PATTERN.test(tenantId)) fail(['teamsChannel'], `tenantId "${tenantId}" is not a UUID`);
    // As it appears, URL-encoded, in the channel's link: 19%3A...%40thread.tacv2
    if (!/^[a-zA-Z0-9\-_=+/.,]*%3[aA][a-zA-Z0-9\-_=+/.,]*%40[a-zA-Z0-9\-_=+/.,]*$/.test(channelId)) {
      fail(
        ['teamsChannel'],
        `channelId "${channelId}" must be URL-encoded as in the channel's link (like 19%3Aabc%40thread.tacv2)`,
      );
    }
  }
}

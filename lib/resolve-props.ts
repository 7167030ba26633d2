/**
 * Turns the props a user wrote into the fully resolved props the builders take: defaults merged,
 * then every value, and every combination, checked. An error names the construct, the prop (or
 * both props) and what is expected.
 */
import { type Duration, type IPolicyValidationPlugin, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import {
  centralBusName,
  centralRoleNamePrefix,
  forwardRoleName,
  NAMESPACE_PATTERN,
  ORGANIZATION_ID_PATTERN,
  REGION_PATTERN,
  ROLE_PREFIX_PATTERN,
  UUID_PATTERN,
  WINDOW_ID_PATTERN,
} from '../contract';
import {
  DEFAULTS,
  LIMITS,
  LogLevel,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
  type SlackChannel,
  type TeamsChannel,
} from './props';

const REPORTING_MODES: string[] = Object.values(Reporting);
const LOG_LEVELS: string[] = Object.values(LogLevel);
const METRIC_DETAILS: string[] = Object.values(OrganizationMetricDetail);
/** The Organization's root, or an organizational unit (as CloudFormation's StackSet accepts them). */
const ROOT_ID = /^r-[a-z0-9]{4,32}$/;
const OU_ID = /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
/** What EventBridge allows in a bus name (role names allow more: `+ = , @`). */
export const EVENT_BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
/** The longest of the central functions' role names' suffixes, before the Region. */
const LONGEST_CENTRAL_ROLE = 'Report-';

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
  /** Single-account mode when undefined. */
  readonly organization?: ResolvedOrganization;
}

/** Organization mode's options with their defaults. */
export interface ResolvedOrganization {
  readonly organizationId: string;
  readonly regions: readonly string[];
  /** Where the StackSet deploys; the Organization's root (looked up at deploy time) when undefined. */
  readonly organizationalUnitIds?: readonly string[];
  readonly rolePrefix: string;
  readonly metricDetail: OrganizationMetricDetail;
  readonly sweepConcurrency: number;
  readonly memberTemplateValidations: readonly IPolicyValidationPlugin[];
}

/** A prop's name as the error gives it: `windowIds`, or a nested one like `organization.regions`. */
export type PropName =
  | keyof MaintenanceWindowMonitorProps
  | `organization.${keyof OrganizationOptions}`
  // The member construct's props (lib/member.ts).
  | 'organizationId'
  | 'centralAccountId'
  | 'centralBusArn'
  | 'rolePrefix'
  // The app's member stack (lib/maintenance-window-monitor-stack.ts).
  | 'centralRegion';

/** A prop, or a combination of props, the construct cannot build. */
export class MonitorPropsError extends Error {
  override readonly name = 'ValidationError';

  constructor(
    /** The path of the construct whose props are wrong, as aws-cdk-lib's own errors give it. */
    readonly constructPath: string,
    readonly props: readonly PropName[],
    /** What is wrong, without the path and the props (the app re-words it with its context keys). */
    readonly problem: string,
  ) {
    super(`${constructPath}: ${props.join(' and ')}: ${problem}`);
  }
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
  const fail = (names: PropName[], problem: string): never => {
    throw new MonitorPropsError(scope.node.path, names, problem);
  };
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
    ...(props.organization ? { organization: resolveOrganization(props.organization) } : {}),
  };

  if (resolved.organization) checkOrganization(scope, resolved.organization, props, fail);
  checkTopicsAndWindows(resolved, props, fail);
  checkAlarms(resolved, props, fail);
  checkSweep(resolved, fail);
  checkChannels(resolved, fail);

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

type Fail = (names: PropName[], problem: string) => never;

function resolveOrganization(options: OrganizationOptions): ResolvedOrganization {
  return {
    organizationId: options.organizationId,
    // Required, but a caller in another language (or plain JavaScript) may leave them out.
    regions: options.regions ?? [],
    ...(options.organizationalUnitIds ? { organizationalUnitIds: options.organizationalUnitIds } : {}),
    rolePrefix: options.rolePrefix ?? DEFAULTS.rolePrefix,
    metricDetail: options.metricDetail ?? DEFAULTS.metricDetail,
    sweepConcurrency: options.sweepConcurrency ?? DEFAULTS.sweepConcurrency,
    memberTemplateValidations: options.memberTemplateValidations ?? [],
  };
}

/** Organization mode's values, and the props it cannot be combined with. */
function checkOrganization(
  scope: IConstruct,
  organization: ResolvedOrganization,
  props: MaintenanceWindowMonitorProps,
  fail: Fail,
): void {
  // Window IDs are per account, so a list means nothing across an Organization.
  if (props.windowIds) {
    fail(
      ['organization', 'windowIds'],
      'window IDs are per account: in Organization mode the monitor watches every window, and the sweep finds them',
    );
  }
  if (props.expectedRunInterval) {
    fail(
      ['organization', 'expectedRunInterval'],
      'missed-run alarms are per listed window, and Organization mode lists none',
    );
  }
  const { organizationId, regions, rolePrefix } = organization;
  const units = organization.organizationalUnitIds;
  if (!ORGANIZATION_ID_PATTERN.test(organizationId)) {
    fail(
      ['organization.organizationId'],
      `"${organizationId}" is not an Organization ID (expected o- and 10 to 32 lower-case letters or digits)`,
    );
  }
  if (!ROLE_PREFIX_PATTERN.test(rolePrefix)) {
    fail(
      ['organization.rolePrefix'],
      `"${rolePrefix}" is not a role name prefix (1 to 32 of A-Z a-z 0-9 + = , . @ _ -, starting with a letter)`,
    );
  }
  const busName = centralBusName(rolePrefix);
  if (!EVENT_BUS_NAME.test(busName)) {
    fail(
      ['organization.rolePrefix'],
      `"${rolePrefix}" names the event bus ${busName}, but a bus name allows only A-Z a-z 0-9 . - _ /`,
    );
  }
  if (regions.length === 0) fail(['organization.regions'], 'must list at least one Region');
  for (const region of regions) {
    if (!REGION_PATTERN.test(region)) fail(['organization.regions'], `"${region}" is not a Region`);
    const longest = forwardRoleName(rolePrefix, region);
    if (longest.length > LIMITS.maxRoleNameLength) {
      fail(
        ['organization.regions'],
        `"${region}" makes the member role name ${longest} longer than IAM's ${LIMITS.maxRoleNameLength} characters`,
      );
    }
  }
  if (new Set(regions).size !== regions.length) fail(['organization.regions'], 'lists a Region twice');
  if (regions.length > LIMITS.maxOrganizationRegions) {
    fail(
      ['organization.regions'],
      `lists ${regions.length} Regions, more than the ${LIMITS.maxOrganizationRegions} one monitor sweeps`,
    );
  }
  if (units) resolveUnits(units, fail);
  if (!METRIC_DETAILS.includes(organization.metricDetail)) {
    fail(
      ['organization.metricDetail'],
      `"${organization.metricDetail}" is not one of ${METRIC_DETAILS.join(', ')}`,
    );
  }
  const concurrency = organization.sweepConcurrency;
  const { min, max } = LIMITS.sweepConcurrency;
  if (!(Number.isInteger(concurrency) && concurrency >= min && concurrency <= max)) {
    fail(
      ['organization.sweepConcurrency'],
      `must be a whole number from ${min} to ${max}, got ${concurrency}`,
    );
  }
  // The central functions' roles are named for the stack's Region (when it is known here).
  const home = Stack.of(scope).region;
  const centralRole = `${centralRoleNamePrefix(rolePrefix)}${LONGEST_CENTRAL_ROLE}${home}`;
  if (!Token.isUnresolved(home) && centralRole.length > LIMITS.maxRoleNameLength) {
    fail(
      ['organization.rolePrefix'],
      `"${rolePrefix}" makes the central role name ${centralRole} longer than IAM's ${LIMITS.maxRoleNameLength} characters`,
    );
  }
}

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
  if (!REPORTING_MODES.includes(resolved.reporting)) {
    fail(['reporting'], `"${resolved.reporting}" is not one of ${REPORTING_MODES.join(', ')}`);
  }
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

/** The StackSet's organizational units, when listed: the root or OUs, each once. */
function resolveUnits(units: readonly string[], fail: Fail): void {
  if (units.length === 0) {
    fail(
      ['organization.organizationalUnitIds'],
      'must list the root (r-...) or at least one organizational unit (ou-...), or be left out for the whole Organization',
    );
  }
  for (const unit of units) {
    if (!ROOT_ID.test(unit) && !OU_ID.test(unit)) {
      fail(
        ['organization.organizationalUnitIds'],
        `"${unit}" is neither a root ID (r-...) nor an organizational unit ID (ou-...-...)`,
      );
    }
  }
  if (units.length > LIMITS.maxOrganizationalUnits) {
    fail(
      ['organization.organizationalUnitIds'],
      `lists ${units.length} IDs; a StackSet takes at most ${LIMITS.maxOrganizationalUnits} ` +
        'organizational units: list a parent unit (or the root) that holds them instead',
    );
  }
  if (new Set(units).size !== units.length) {
    fail(['organization.organizationalUnitIds'], 'lists an ID twice');
  }
  if (units.length > 1 && units.some((unit) => ROOT_ID.test(unit))) {
    fail(
      ['organization.organizationalUnitIds'],
      'lists the root with organizational units: the root already covers every one of them',
    );
  }
}

/**
 * CDK context (`cdk.json`, or `cdk deploy -c key=value`) turned into the stack's typed settings:
 * strings parsed, lists split, channel keys checked to come together, and which stack the app
 * defines (single-account, Organization mode's central stack, or a member stack). The constructs
 * check the values.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { MemberStackSettings } from '../lib/maintenance-window-monitor-stack';
import {
  LogLevel,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
} from '../lib/props';
import { MonitorPropsError, type PropName } from '../lib/resolve-props';

/** Reads one context value, as `app.node.tryGetContext` does. */
export type ContextReader = (key: string) => unknown;

/** Context keys `bin/app.ts` accepts (`cdk.json` or `cdk deploy -c key=value`). */
export const ContextKey = {
  AlertEmails: 'alertEmails',
  AlertTopicArn: 'alertTopicArn',
  AlertTopicKeyArn: 'alertTopicKeyArn',
  MetricNamespace: 'metricNamespace',
  WindowIds: 'windowIds',
  Reporting: 'reporting',
  AlarmThreshold: 'alarmThreshold',
  AlarmPeriodMinutes: 'alarmPeriodMinutes',
  AlarmEvaluationPeriods: 'alarmEvaluationPeriods',
  LogLevel: 'logLevel',
  LogRetentionDays: 'logRetentionDays',
  ReservedConcurrentExecutions: 'reservedConcurrentExecutions',
  MemorySize: 'memorySize',
  TimeoutSeconds: 'timeoutSeconds',
  SweepIntervalMinutes: 'sweepIntervalMinutes',
  SweepLookbackHours: 'sweepLookbackHours',
  ExpectedRunIntervalHours: 'expectedRunIntervalHours',
  SlackWorkspaceId: 'slackWorkspaceId',
  SlackChannelId: 'slackChannelId',
  TeamsTeamId: 'teamsTeamId',
  TeamsChannelId: 'teamsChannelId',
  TeamsTenantId: 'teamsTenantId',
  CreateChatTopic: 'createChatTopic',
  /** Organization mode: with it (and no centralAccountId), the app defines the central stack. */
  OrganizationId: 'organizationId',
  Regions: 'regions',
  OrganizationalUnitIds: 'organizationalUnitIds',
  RolePrefix: 'rolePrefix',
  MetricDetail: 'metricDetail',
  SweepConcurrency: 'sweepConcurrency',
  /** Organization mode: with it, the app defines a member stack (for the management account). */
  CentralAccountId: 'centralAccountId',
  CentralRegion: 'centralRegion',
} as const;

/** The stacks the app defines, one at a time, chosen by the context. */
export const StackName = {
  /** The default: one account and Region. */
  Single: 'MaintenanceWindowMonitor',
  /** Organization mode's central stack (context organizationId). */
  Central: 'MaintenanceWindowMonitorOrg',
  /** An Organization member the StackSet cannot reach (context centralAccountId). */
  Member: 'MaintenanceWindowMonitorMember',
} as const;

/** The keys that make the app define each stack (it defines one at a time). */
const KEYS_OF_STACK = {
  [StackName.Single]: 'neither organizationId nor centralAccountId',
  [StackName.Central]: `${ContextKey.OrganizationId} and ${ContextKey.Regions}`,
  [StackName.Member]: `${ContextKey.OrganizationId} and ${ContextKey.CentralAccountId}`,
} as const;

/**
 * The app's note on stderr: the stack it defined, and the context each other stack needs. The CDK
 * CLI does not tell the app which stack was asked for, so `cdk synth MaintenanceWindowMonitorOrg`
 * without its context can only end in the CLI's "No stacks match": this note, printed before it,
 * says which keys were missing.
 */
export function stacksNote(defined: string): string {
  const others = Object.entries(KEYS_OF_STACK)
    .filter(([name]) => name !== defined)
    .map(([name, keys]) => `${name} needs context ${keys}`);
  return `This app defined ${defined}; ${others.join(', ')}.`;
}

/** Keys only the central stack reads: given for another stack, they would do nothing. */
const CENTRAL_ONLY_KEYS = [
  ContextKey.Regions,
  ContextKey.OrganizationalUnitIds,
  ContextKey.MetricDetail,
  ContextKey.SweepConcurrency,
];

/** Keys of earlier versions, still read: the new key wins when both are given. */
export const FormerContextKey: Readonly<Record<string, string>> = {
  reservedConcurrency: ContextKey.ReservedConcurrentExecutions,
  reconcileIntervalMinutes: ContextKey.SweepIntervalMinutes,
  reconcileLookbackHours: ContextKey.SweepLookbackHours,
};

/** Monitor props from context, plus the existing topic to import, which needs a scope to become one. */
export interface ContextSettings {
  readonly monitor: Omit<MaintenanceWindowMonitorProps, 'alertTopic'>;
  readonly alertTopicArn?: string;
  readonly alertTopicKeyArn?: string;
}

/** Context the app cannot use: the message names the key as the user typed it. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Keys the CDK CLI itself keeps in the context (`cdk acknowledge`, `cdk cli-telemetry`). */
const CDK_CLI_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/** A context value as the user typed it: `-c` gives strings, cdk.json any JSON. */
/** Values longer than this are shown by their start and their length: the message stays short. */
const SHOWN_VALUE_CHARS = 80;

export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SHOWN_VALUE_CHARS
    ? `${text.slice(0, SHOWN_VALUE_CHARS)}… (${text.length} characters)`
    : text;
}

function refuse(key: string, value: unknown, expected: string): never {
  throw new ContextError(`Context ${key}=${showValue(value)} is refused: expected ${expected}.`);
}

/** Edits (insertions, deletions, substitutions) from `a` to `b`, ignoring case. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * Refuses context keys the app does not read (a typo would otherwise be ignored, silently) and
 * empty values. Keys with `@` or `:` are CDK's own (feature flags, `aws:cdk:...`, lookups in
 * cdk.context.json) and are not checked; neither are the CLI's own keys.
 */
export function checkContextKeys(context: Readonly<Record<string, unknown>>): void {
  const known: string[] = [...Object.values(ContextKey), ...Object.keys(FormerContextKey)];
  for (const [key, value] of Object.entries(context)) {
    if (key.includes('@') || key.includes(':') || CDK_CLI_KEYS.has(key)) continue;
    if (!known.includes(key)) {
      const closest = [...known].sort((a, b) => distance(key, a) - distance(key, b))[0];
      throw new ContextError(
        `Context key ${key} is not one this app reads: did you mean ${closest}? ` +
          'The keys are listed in the README, under Configuration.',
      );
    }
    const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [value];
    if (items.every((item) => typeof item === 'string' && item.trim() === '')) {
      throw new ContextError(
        `Context ${key}=${showValue(value)} is refused: it is empty. Give it a value, or leave the key out.`,
      );
    }
  }
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function stringList(key: string, value: unknown): string[] | undefined {
  if (absent(value)) return undefined;
  // `-c windowIds=mw-1,mw-2` arrives as one string; cdk.json can hold a JSON array.
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    refuse(key, value, 'a comma-separated list (an array of strings in cdk.json)');
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
}

function optionalString(key: string, value: unknown): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'string') refuse(key, value, 'a string');
  return value;
}

function optionalBoolean(key: string, value: unknown): boolean | undefined {
  if (absent(value)) return undefined;
  // `-c createChatTopic=true` arrives as a string; cdk.json can hold a boolean.
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return refuse(key, value, 'true or false');
}

function optionalNumber(key: string, value: unknown): number | undefined {
  if (absent(value)) return undefined;
  // `-c alarmThreshold=3` arrives as a string; cdk.json can hold a number.
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) refuse(key, value, 'a number');
  return number;
}

/** A channel's keys come together or not at all. */
function allOrNothing<T extends Record<string, string | undefined>>(
  prefix: string,
  keys: T,
): { [K in keyof T]: string } | undefined {
  const given = Object.entries(keys).filter(([, value]) => value !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < Object.keys(keys).length) {
    const names = Object.keys(keys).map((key) => `${prefix}${key[0]?.toUpperCase()}${key.slice(1)}`);
    throw new ContextError(`Context ${names.join(', ')} must be given together.`);
  }
  return keys as { [K in keyof T]: string };
}

/** The stack the app defines, and its settings. */
export type AppPlan =
  | {
      readonly stackName: typeof StackName.Single | typeof StackName.Central;
      readonly settings: ContextSettings;
    }
  | { readonly stackName: typeof StackName.Member; readonly member: MemberStackSettings };

/**
 * Which stack the context asks for: a member stack with centralAccountId (the central stack's
 * other keys are ignored then, so one cdk.json serves both), the central stack with
 * organizationId, the single-account stack otherwise.
 */
export function planFromContext(readContext: ContextReader): AppPlan {
  const member = memberSettingsFromContext(readContext);
  if (member) return { stackName: StackName.Member, member };
  const settings = settingsFromContext(readContext);
  return { stackName: settings.monitor.organization ? StackName.Central : StackName.Single, settings };
}

/** A member stack's settings, with centralAccountId; undefined without it. */
export function memberSettingsFromContext(readContext: ContextReader): MemberStackSettings | undefined {
  const centralAccountId = optionalString(
    ContextKey.CentralAccountId,
    readContext(ContextKey.CentralAccountId),
  );
  const centralRegion = optionalString(ContextKey.CentralRegion, readContext(ContextKey.CentralRegion));
  if (!centralAccountId) {
    if (centralRegion) {
      throw new ContextError(
        `Context ${ContextKey.CentralRegion} needs ${ContextKey.CentralAccountId} (a member stack).`,
      );
    }
    return undefined;
  }
  const organizationId = optionalString(ContextKey.OrganizationId, readContext(ContextKey.OrganizationId));
  if (!organizationId) {
    throw new ContextError(`Context ${ContextKey.CentralAccountId} needs ${ContextKey.OrganizationId}.`);
  }
  const rolePrefix = optionalString(ContextKey.RolePrefix, readContext(ContextKey.RolePrefix));
  const reporting = oneOfValues(ContextKey.Reporting, readContext(ContextKey.Reporting), Reporting);
  return {
    organizationId,
    centralAccountId,
    ...(centralRegion ? { centralRegion } : {}),
    ...(rolePrefix ? { rolePrefix } : {}),
    ...(reporting ? { reporting } : {}),
  };
}

function oneOfValues<T extends string>(
  key: string,
  value: unknown,
  values: Record<string, T>,
): T | undefined {
  const text = optionalString(key, value);
  if (text === undefined) return undefined;
  const found = Object.values(values).find((candidate) => candidate === text);
  if (!found) refuse(key, value, `one of ${Object.values(values).join(', ')}`);
  return found;
}

/** Organization mode's options, with organizationId; undefined without it (and its keys). */
function organizationFromContext(readContext: ContextReader): OrganizationOptions | undefined {
  const organizationId = optionalString(ContextKey.OrganizationId, readContext(ContextKey.OrganizationId));
  const rolePrefix = optionalString(ContextKey.RolePrefix, readContext(ContextKey.RolePrefix));
  if (!organizationId) {
    const given = [...CENTRAL_ONLY_KEYS, ContextKey.RolePrefix].filter((key) => !absent(readContext(key)));
    if (given.length > 0) {
      throw new ContextError(`Context ${given.join(', ')} needs ${ContextKey.OrganizationId}.`);
    }
    return undefined;
  }
  const regions = stringList(ContextKey.Regions, readContext(ContextKey.Regions));
  const organizationalUnitIds = stringList(
    ContextKey.OrganizationalUnitIds,
    readContext(ContextKey.OrganizationalUnitIds),
  );
  if (!regions) {
    throw new ContextError(`Context ${ContextKey.OrganizationId} needs ${ContextKey.Regions}.`);
  }
  const metricDetail = oneOfValues(
    ContextKey.MetricDetail,
    readContext(ContextKey.MetricDetail),
    OrganizationMetricDetail,
  );
  const sweepConcurrency = optionalNumber(
    ContextKey.SweepConcurrency,
    readContext(ContextKey.SweepConcurrency),
  );
  return {
    organizationId,
    regions,
    ...(organizationalUnitIds ? { organizationalUnitIds } : {}),
    ...(rolePrefix ? { rolePrefix } : {}),
    ...(metricDetail ? { metricDetail } : {}),
    ...(sweepConcurrency !== undefined ? { sweepConcurrency } : {}),
  };
}

/** Maps CDK context onto settings; the construct validates the values themselves. */
export function settingsFromContext(readContext: ContextReader): ContextSettings {
  const former = Object.fromEntries(Object.entries(FormerContextKey).map(([old, key]) => [key, old]));
  // The new key, or the key it replaced: reading a value reports errors under the key given.
  const keyOf = (key: string) =>
    readContext(key) === undefined && former[key] && readContext(former[key]) !== undefined
      ? (former[key] as string)
      : key;
  const read = (key: string) => readContext(keyOf(key));
  const text = (key: string) => optionalString(keyOf(key), read(key));
  const number = (key: string) => optionalNumber(keyOf(key), read(key));
  const list = (key: string) => stringList(keyOf(key), read(key));
  // 'none' (as earlier versions took it) is the same as leaving the key out.
  const numberOrNone = (key: string) => (read(key) === 'none' ? undefined : number(key));
  const oneOf = <T extends string>(key: string, values: Record<string, T>) =>
    oneOfValues(keyOf(key), read(key), values);
  const alertEmails = list(ContextKey.AlertEmails);
  const windowIds = list(ContextKey.WindowIds);
  const metricNamespace = text(ContextKey.MetricNamespace);
  const reporting = oneOf(ContextKey.Reporting, Reporting);
  const alarmThreshold = number(ContextKey.AlarmThreshold);
  const alarmPeriodMinutes = number(ContextKey.AlarmPeriodMinutes);
  const alarmEvaluationPeriods = number(ContextKey.AlarmEvaluationPeriods);
  const logLevel = oneOf(ContextKey.LogLevel, LogLevel);
  const logRetentionDays = number(ContextKey.LogRetentionDays);
  const reservedConcurrentExecutions = numberOrNone(ContextKey.ReservedConcurrentExecutions);
  const memorySize = number(ContextKey.MemorySize);
  const timeoutSeconds = number(ContextKey.TimeoutSeconds);
  const intervalMinutes = number(ContextKey.SweepIntervalMinutes);
  const lookbackHours = number(ContextKey.SweepLookbackHours);
  const expectedRunInterval = numberOrNone(ContextKey.ExpectedRunIntervalHours);
  const slack = {
    workspaceId: text(ContextKey.SlackWorkspaceId),
    channelId: text(ContextKey.SlackChannelId),
  };
  const teams = {
    teamId: text(ContextKey.TeamsTeamId),
    channelId: text(ContextKey.TeamsChannelId),
    tenantId: text(ContextKey.TeamsTenantId),
  };
  const slackChannel = allOrNothing('slack', slack);
  const teamsChannel = allOrNothing('teams', teams);
  const createChatTopic = optionalBoolean(ContextKey.CreateChatTopic, read(ContextKey.CreateChatTopic));
  const alertTopicArn = text(ContextKey.AlertTopicArn);
  const alertTopicKeyArn = text(ContextKey.AlertTopicKeyArn);
  if (alertTopicKeyArn && !alertTopicArn) {
    throw new ContextError(`Context ${ContextKey.AlertTopicKeyArn} needs ${ContextKey.AlertTopicArn}.`);
  }
  const organization = organizationFromContext(readContext);

  return {
    monitor: {
      ...(alertEmails ? { alertEmails } : {}),
      ...(metricNamespace ? { metricNamespace } : {}),
      ...(windowIds ? { windowIds } : {}),
      ...(reporting ? { reporting } : {}),
      ...(alarmThreshold !== undefined ? { alarmThreshold } : {}),
      ...(alarmPeriodMinutes !== undefined ? { alarmPeriod: Duration.minutes(alarmPeriodMinutes) } : {}),
      ...(alarmEvaluationPeriods !== undefined ? { alarmEvaluationPeriods } : {}),
      ...(logLevel ? { logLevel } : {}),
      ...(logRetentionDays !== undefined ? { logRetention: logRetentionDays as logs.RetentionDays } : {}),
      ...(reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions } : {}),
      ...(memorySize !== undefined ? { memorySize } : {}),
      ...(timeoutSeconds !== undefined ? { timeout: Duration.seconds(timeoutSeconds) } : {}),
      ...(intervalMinutes !== undefined ? { sweepInterval: Duration.minutes(intervalMinutes) } : {}),
      ...(lookbackHours !== undefined ? { sweepLookback: Duration.hours(lookbackHours) } : {}),
      ...(expectedRunInterval !== undefined
        ? { expectedRunInterval: Duration.hours(expectedRunInterval) }
        : {}),
      ...(slackChannel ? { slackChannel } : {}),
      ...(teamsChannel ? { teamsChannel } : {}),
      ...(createChatTopic !== undefined ? { createChatTopic } : {}),
      ...(organization ? { organization } : {}),
    },
    ...(alertTopicArn ? { alertTopicArn } : {}),
    ...(alertTopicKeyArn ? { alertTopicKeyArn } : {}),
  };
}

/**
 * The context keys behind each prop the constructs check, so that their errors name what the user
 * typed: a list for a prop whose fields come from keys of their own (the problem then starts with
 * the field's name).
 */
const KEY_OF_PROP: Readonly<Record<PropName, string | Readonly<Record<string, string>>>> = {
  alertEmails: ContextKey.AlertEmails,
  // From the context, a topic is only ever refused for its key.
  alertTopic: ContextKey.AlertTopicKeyArn,
  metricNamespace: ContextKey.MetricNamespace,
  windowIds: ContextKey.WindowIds,
  reporting: ContextKey.Reporting,
  alarmThreshold: ContextKey.AlarmThreshold,
  alarmPeriod: ContextKey.AlarmPeriodMinutes,
  alarmEvaluationPeriods: ContextKey.AlarmEvaluationPeriods,
  logLevel: ContextKey.LogLevel,
  logRetention: ContextKey.LogRetentionDays,
  reservedConcurrentExecutions: ContextKey.ReservedConcurrentExecutions,
  memorySize: ContextKey.MemorySize,
  timeout: ContextKey.TimeoutSeconds,
  sweepInterval: ContextKey.SweepIntervalMinutes,
  sweepLookback: ContextKey.SweepLookbackHours,
  expectedRunInterval: ContextKey.ExpectedRunIntervalHours,
  slackChannel: { workspaceId: ContextKey.SlackWorkspaceId, channelId: ContextKey.SlackChannelId },
  teamsChannel: {
    teamId: ContextKey.TeamsTeamId,
    channelId: ContextKey.TeamsChannelId,
    tenantId: ContextKey.TeamsTenantId,
  },
  createChatTopic: ContextKey.CreateChatTopic,
  organization: ContextKey.OrganizationId,
  'organization.organizationId': ContextKey.OrganizationId,
  'organization.regions': ContextKey.Regions,
  'organization.organizationalUnitIds': ContextKey.OrganizationalUnitIds,
  'organization.rolePrefix': ContextKey.RolePrefix,
  'organization.metricDetail': ContextKey.MetricDetail,
  'organization.sweepConcurrency': ContextKey.SweepConcurrency,
  'organization.memberTemplateValidations': 'memberTemplateValidations',
  organizationId: ContextKey.OrganizationId,
  centralAccountId: ContextKey.CentralAccountId,
  // The member stack makes the bus ARN from these two.
  centralBusArn: `${ContextKey.CentralAccountId} and ${ContextKey.CentralRegion}`,
  rolePrefix: ContextKey.RolePrefix,
  centralRegion: ContextKey.CentralRegion,
};

/**
 * A construct's props error re-worded for the app's user: the context keys (as typed, an earlier
 * version's key included) and their values instead of the props, then what is expected.
 */
export function contextMessage(error: MonitorPropsError, readContext: ContextReader): string {
  let problem = error.problem;
  const keys = error.props.flatMap((prop) => {
    const key = KEY_OF_PROP[prop];
    if (typeof key === 'string') return [key];
    // `workspaceId "acme" is not ...` names the field: its own key takes the field's place.
    const [field, ...rest] = problem.split(' ');
    const fieldKey = field !== undefined ? key[field] : undefined;
    if (fieldKey === undefined) return Object.values(key);
    problem = rest.join(' ');
    return [fieldKey];
  });
  const former = Object.fromEntries(Object.entries(FormerContextKey).map(([old, key]) => [key, old]));
  const typed = keys.map((key) => {
    const old = former[key];
    const given = readContext(key) === undefined && old && readContext(old) !== undefined ? old : key;
    const value = readContext(given);
    return value === undefined ? given : `${given}=${showValue(value)}`;
  });
  return `Context ${typed.join(' and ')} is refused: ${problem}.`;
}

/**
 * What the app prints when it stops: for bad input (context, props, CDK's own validation) the
 * message alone, re-worded with the context keys; for anything else (a bug) the stack trace too.
 */
export function appErrorMessage(error: unknown, readContext: ContextReader): string {
  if (error instanceof MonitorPropsError) return contextMessage(error, readContext);
  if (error instanceof ContextError) return error.message;
  if (error instanceof Error) return error.name === 'ValidationError' ? error.message : String(error.stack);
  return String(error);
}

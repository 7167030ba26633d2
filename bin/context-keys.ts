/**
 * The context keys the app reads (`cdk.json`, or `cdk deploy -c key=value`), in one table: each
 * key's parser (which names the form it expects when it refuses a value), the prop it sets, and the
 * key of an earlier version it replaced. `bin/context.ts` reads the context through it, suggests
 * the closest key for an unknown one, and re-words a construct's props error with the keys.
 */
import { Duration } from 'aws-cdk-lib';
import type { MemberStackSettings } from '../lib/maintenance-window-monitor-stack';
import {
  FailureCauses,
  LogLevel,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
  type SlackChannel,
  type TeamsChannel,
} from '../lib/props';
import type { PropName } from '../lib/resolve-props';

/** Turns a given context value into the prop's (undefined: as if not given), or refuses it. */
type Parse<T> = (value: unknown, refuse: (expected: string) => never) => T | undefined;

const text: Parse<string> = (value, refuse) => (typeof value === 'string' ? value : refuse('a string'));

/** `-c windowIds=mw-1,mw-2` arrives as one string; cdk.json can hold a JSON array. */
const list: Parse<string[]> = (value, refuse) => {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    return refuse('a comma-separated list (an array of strings in cdk.json)');
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
};

/** `-c alarmThreshold=3` arrives as a string; cdk.json can hold a number. */
const number: Parse<number> = (value, refuse) => {
  const parsed = typeof value === 'string' ? Number(value.trim()) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : refuse('a number');
};

/** A number, or 'none' (as earlier versions took it): the same as leaving the key out. */
const numberOrNone: Parse<number> = (value, refuse) => (value === 'none' ? undefined : number(value, refuse));

/** `-c createChatTopic=true` arrives as a string; cdk.json can hold a boolean. */
const boolean: Parse<boolean> = (value, refuse) => {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return refuse('true or false');
};

function oneOf<T extends string>(values: Record<string, T>): Parse<T> {
  const allowed = Object.values(values);
  return (value, refuse) =>
    allowed.find((candidate) => candidate === text(value, refuse)) ?? refuse(`one of ${allowed.join(', ')}`);
}

/**
 * A key: its parser, where its value goes (`prop` of the monitor's props, of a chat channel, of the
 * Organization options, of the settings beside the props, or of a member stack's settings), and
 * what the prop takes when it differs from the key's value (a number of minutes becomes a Duration).
 */
export type KeySpec = {
  readonly parse: Parse<unknown>;
  readonly to?: (value: number) => unknown;
  /** The key of an earlier version, still read: this key wins when both are given. */
  readonly former?: string;
  /** A member stack reads it too, under the key's name. */
  readonly member?: true;
} & (
  | { readonly part: 'monitor'; readonly prop: keyof MaintenanceWindowMonitorProps }
  | { readonly part: 'slackChannel'; readonly prop: keyof SlackChannel }
  | { readonly part: 'teamsChannel'; readonly prop: keyof TeamsChannel }
  | { readonly part: 'organization'; readonly prop: keyof OrganizationOptions }
  | { readonly part: 'settings'; readonly prop: 'alertTopicArn' | 'alertTopicKeyArn' }
  | { readonly part: 'member'; readonly prop: keyof MemberStackSettings }
);

/** Every key the app reads; the order is the one the unknown-key suggestion breaks ties in. */
export const CONTEXT_KEYS = {
  alertEmails: { parse: list, part: 'monitor', prop: 'alertEmails' },
  alertTopicArn: { parse: text, part: 'settings', prop: 'alertTopicArn' },
  alertTopicKeyArn: { parse: text, part: 'settings', prop: 'alertTopicKeyArn' },
  metricNamespace: { parse: text, part: 'monitor', prop: 'metricNamespace' },
  windowIds: { parse: list, part: 'monitor', prop: 'windowIds' },
  reporting: { parse: oneOf(Reporting), part: 'monitor', prop: 'reporting', member: true },
  alarmThreshold: { parse: number, part: 'monitor', prop: 'alarmThreshold' },
  alarmPeriodMinutes: { parse: number, part: 'monitor', prop: 'alarmPeriod', to: Duration.minutes },
  alarmEvaluationPeriods: { parse: number, part: 'monitor', prop: 'alarmEvaluationPeriods' },
  logLevel: { parse: oneOf(LogLevel), part: 'monitor', prop: 'logLevel' },
  logRetentionDays: { parse: number, part: 'monitor', prop: 'logRetention' },
  reservedConcurrentExecutions: {
    parse: numberOrNone,
    part: 'monitor',
    prop: 'reservedConcurrentExecutions',
    former: 'reservedConcurrency',
  },
  memorySize: { parse: number, part: 'monitor', prop: 'memorySize' },
  timeoutSeconds: { parse: number, part: 'monitor', prop: 'timeout', to: Duration.seconds },
  sweepIntervalMinutes: {
    parse: number,
    part: 'monitor',
    prop: 'sweepInterval',
    to: Duration.minutes,
    former: 'reconcileIntervalMinutes',
  },
  sweepLookbackHours: {
    parse: number,
    part: 'monitor',
    prop: 'sweepLookback',
    to: Duration.hours,
    former: 'reconcileLookbackHours',
  },
  expectedRunIntervalHours: {
    parse: numberOrNone,
    part: 'monitor',
    prop: 'expectedRunInterval',
    to: Duration.hours,
  },
  slackWorkspaceId: { parse: text, part: 'slackChannel', prop: 'workspaceId' },
  slackChannelId: { parse: text, part: 'slackChannel', prop: 'channelId' },
  teamsTeamId: { parse: text, part: 'teamsChannel', prop: 'teamId' },
  teamsChannelId: { parse: text, part: 'teamsChannel', prop: 'channelId' },
  teamsTenantId: { parse: text, part: 'teamsChannel', prop: 'tenantId' },
  createChatTopic: { parse: boolean, part: 'monitor', prop: 'createChatTopic' },
  /** A member stack reads it too: its read role may read causes only when the central monitor does. */
  failureCauses: { parse: oneOf(FailureCauses), part: 'monitor', prop: 'failureCauses', member: true },
  maxCauseReads: { parse: number, part: 'monitor', prop: 'maxCauseReads' },
  /** With it (and no centralAccountId), the app defines Organization mode's central stack. */
  organizationId: { parse: text, part: 'organization', prop: 'organizationId', member: true },
  regions: { parse: list, part: 'organization', prop: 'regions' },
  organizationalUnitIds: { parse: list, part: 'organization', prop: 'organizationalUnitIds' },
  rolePrefix: { parse: text, part: 'organization', prop: 'rolePrefix', member: true },
  metricDetail: { parse: oneOf(OrganizationMetricDetail), part: 'organization', prop: 'metricDetail' },
  sweepConcurrency: { parse: number, part: 'organization', prop: 'sweepConcurrency' },
  /** With it, the app defines a member stack (for the management account). */
  centralAccountId: { parse: text, part: 'member', prop: 'centralAccountId' },
  centralRegion: { parse: text, part: 'member', prop: 'centralRegion' },
} as const satisfies Record<string, KeySpec>;

export type ContextKeyName = keyof typeof CONTEXT_KEYS;
export type Part = KeySpec['part'];

/** The table's rows, in its order. */
export const KEY_SPECS = Object.entries(CONTEXT_KEYS) as [ContextKeyName, KeySpec][];

/** The keys of a part, in the table's order. */
export function keysOf(part: Part): ContextKeyName[] {
  return KEY_SPECS.filter(([, spec]) => spec.part === part).map(([key]) => key);
}

/** Keys of earlier versions, still read: the new key wins when both are given. */
export const FormerContextKey: Readonly<Record<string, string>> = Object.fromEntries(
  KEY_SPECS.flatMap(([key, spec]) => (spec.former ? [[spec.former, key]] : [])),
);

/** The prop a construct's error names for a key (a chat channel's keys share their channel's). */
type ErrorProp<S> = S extends { part: 'monitor' | 'member'; prop: infer P }
  ? P
  : S extends { part: 'organization'; prop: infer P extends string }
    ? `organization.${P}`
    : S extends { part: infer C extends 'slackChannel' | 'teamsChannel' }
      ? C
      : never;

/** The props no single key of their own sets, and the keys behind them. */
const KEY_OF_OTHER_PROP: Readonly<
  Record<Exclude<PropName, ErrorProp<(typeof CONTEXT_KEYS)[ContextKeyName]>>, string>
> = {
  // From the context, a topic is only ever refused for its key.
  alertTopic: 'alertTopicKeyArn',
  organization: 'organizationId',
  'organization.memberTemplateValidations': 'memberTemplateValidations',
  // A member stack's props.
  organizationId: 'organizationId',
  rolePrefix: 'rolePrefix',
  // The member stack makes the bus ARN from these two.
  centralBusArn: 'centralAccountId and centralRegion',
};

/**
 * The context keys behind each prop the constructs check, so that their errors name what the user
 * typed: a record for a chat channel, whose fields come from keys of their own (the problem then
 * starts with the field's name).
 */
export const KEY_OF_PROP = {
  ...KEY_OF_OTHER_PROP,
  ...Object.fromEntries(
    KEY_SPECS.flatMap(([key, spec]) => {
      if (spec.part === 'settings' || spec.part.endsWith('Channel')) return [];
      return [[spec.part === 'organization' ? `organization.${spec.prop}` : spec.prop, key]];
    }),
  ),
  ...Object.fromEntries(
    (['slackChannel', 'teamsChannel'] as const).map((channel) => [
      channel,
      Object.fromEntries(keysOf(channel).map((key) => [CONTEXT_KEYS[key].prop, key])),
    ]),
  ),
  // Every prop is there: those of the table's keys, and the others, which the type above lists.
} as Readonly<Record<PropName, string | Readonly<Record<string, string>>>>;

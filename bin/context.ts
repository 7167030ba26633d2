/**
 * CDK context (`cdk.json`, or `cdk deploy -c key=value`) turned into the stack's typed settings:
 * strings parsed, lists split, channel keys checked to come together. The construct checks the values.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { LogLevel, type MaintenanceWindowMonitorProps, Reporting } from '../lib/props';

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
} as const;

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

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function stringList(key: string, value: unknown): string[] | undefined {
  if (absent(value)) return undefined;
  // `-c windowIds=mw-1,mw-2` arrives as one string; cdk.json can hold a JSON array.
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Error(`Context ${key} must be a comma-separated string or an array of strings`);
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
}

function optionalString(key: string, value: unknown): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string`);
  return value;
}

function optionalBoolean(key: string, value: unknown): boolean | undefined {
  if (absent(value)) return undefined;
  // `-c createChatTopic=true` arrives as a string; cdk.json can hold a boolean.
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false`);
}

function optionalNumber(key: string, value: unknown): number | undefined {
  if (absent(value)) return undefined;
  // `-c alarmThreshold=3` arrives as a string; cdk.json can hold a number.
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number))
    throw new Error(`Context ${key} must be a number`);
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
    throw new Error(`Context ${names.join(', ')} must be given together`);
  }
  return keys as { [K in keyof T]: string };
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
  const oneOf = <T extends string>(key: string, values: Record<string, T>): T | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const found = Object.values(values).find((candidate) => candidate === value);
    if (!found) throw new Error(`Context ${keyOf(key)} must be one of ${Object.values(values).join(', ')}`);
    return found;
  };
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
    throw new Error(`Context ${ContextKey.AlertTopicKeyArn} needs ${ContextKey.AlertTopicArn}`);
  }

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
    },
    ...(alertTopicArn ? { alertTopicArn } : {}),
    ...(alertTopicKeyArn ? { alertTopicKeyArn } : {}),
  };
}

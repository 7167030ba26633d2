/**
 * CDK context (`cdk.json`, or `cdk deploy -c key=value`) turned into the stack's typed settings:
 * strings parsed, lists split, channel keys checked to come together. The construct checks the values.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { LogLevel, MaintenanceWindowMonitorProps, Reporting } from './props';

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
  ReservedConcurrency: 'reservedConcurrency',
  ReconcileIntervalMinutes: 'reconcileIntervalMinutes',
  ReconcileLookbackHours: 'reconcileLookbackHours',
  ExpectedRunIntervalHours: 'expectedRunIntervalHours',
  SlackWorkspaceId: 'slackWorkspaceId',
  SlackChannelId: 'slackChannelId',
  TeamsTeamId: 'teamsTeamId',
  TeamsChannelId: 'teamsChannelId',
  TeamsTenantId: 'teamsTenantId',
  CreateChatTopic: 'createChatTopic',
} as const;

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
export function settingsFromContext(read: ContextReader): ContextSettings {
  const text = (key: string) => optionalString(key, read(key));
  const number = (key: string) => optionalNumber(key, read(key));
  const list = (key: string) => stringList(key, read(key));
  const numberOrNone = (key: string) => (read(key) === 'none' ? ('none' as const) : number(key));
  const alertEmails = list(ContextKey.AlertEmails);
  const windowIds = list(ContextKey.WindowIds);
  const metricNamespace = text(ContextKey.MetricNamespace);
  const reporting = text(ContextKey.Reporting);
  const alarmThreshold = number(ContextKey.AlarmThreshold);
  const alarmPeriodMinutes = number(ContextKey.AlarmPeriodMinutes);
  const alarmEvaluationPeriods = number(ContextKey.AlarmEvaluationPeriods);
  const logLevel = text(ContextKey.LogLevel);
  const logRetentionDays = number(ContextKey.LogRetentionDays);
  const reservedConcurrency = numberOrNone(ContextKey.ReservedConcurrency);
  const intervalMinutes = number(ContextKey.ReconcileIntervalMinutes);
  const lookbackHours = number(ContextKey.ReconcileLookbackHours);
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
      ...(reporting ? { reporting: reporting as Reporting } : {}),
      ...(alarmThreshold !== undefined ? { alarmThreshold } : {}),
      ...(alarmPeriodMinutes !== undefined ? { alarmPeriod: Duration.minutes(alarmPeriodMinutes) } : {}),
      ...(alarmEvaluationPeriods !== undefined ? { alarmEvaluationPeriods } : {}),
      ...(logLevel ? { logLevel: logLevel as LogLevel } : {}),
      ...(logRetentionDays !== undefined ? { logRetention: logRetentionDays as logs.RetentionDays } : {}),
      ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
      ...(intervalMinutes !== undefined ? { reconcileInterval: Duration.minutes(intervalMinutes) } : {}),
      ...(lookbackHours !== undefined ? { reconcileLookback: Duration.hours(lookbackHours) } : {}),
      ...(expectedRunInterval !== undefined
        ? {
            expectedRunInterval:
              expectedRunInterval === 'none' ? 'none' : Duration.hours(expectedRunInterval),
          }
        : {}),
      ...(slackChannel ? { slackChannel } : {}),
      ...(teamsChannel ? { teamsChannel } : {}),
      ...(createChatTopic !== undefined ? { createChatTopic } : {}),
    },
    ...(alertTopicArn ? { alertTopicArn } : {}),
    ...(alertTopicKeyArn ? { alertTopicKeyArn } : {}),
  };
}

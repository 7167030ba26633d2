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
  const alertEmails = stringList(ContextKey.AlertEmails, read(ContextKey.AlertEmails));
  const windowIds = stringList(ContextKey.WindowIds, read(ContextKey.WindowIds));
  const metricNamespace = optionalString(ContextKey.MetricNamespace, read(ContextKey.MetricNamespace));
  const reporting = optionalString(ContextKey.Reporting, read(ContextKey.Reporting));
  const alarmThreshold = optionalNumber(ContextKey.AlarmThreshold, read(ContextKey.AlarmThreshold));
  const alarmPeriodMinutes = optionalNumber(
    ContextKey.AlarmPeriodMinutes,
    read(ContextKey.AlarmPeriodMinutes),
  );
  const alarmEvaluationPeriods = optionalNumber(
    ContextKey.AlarmEvaluationPeriods,
    read(ContextKey.AlarmEvaluationPeriods),
  );
  const logLevel = optionalString(ContextKey.LogLevel, read(ContextKey.LogLevel));
  const logRetentionDays = optionalNumber(ContextKey.LogRetentionDays, read(ContextKey.LogRetentionDays));
  const concurrency = read(ContextKey.ReservedConcurrency);
  const reservedConcurrency =
    concurrency === 'none' ? 'none' : optionalNumber(ContextKey.ReservedConcurrency, concurrency);
  const intervalMinutes = optionalNumber(
    ContextKey.ReconcileIntervalMinutes,
    read(ContextKey.ReconcileIntervalMinutes),
  );
  const lookbackHours = optionalNumber(
    ContextKey.ReconcileLookbackHours,
    read(ContextKey.ReconcileLookbackHours),
  );
  const expected = read(ContextKey.ExpectedRunIntervalHours);
  const expectedRunInterval =
    expected === 'none' ? 'none' : optionalNumber(ContextKey.ExpectedRunIntervalHours, expected);
  const slack = {
    workspaceId: optionalString(ContextKey.SlackWorkspaceId, read(ContextKey.SlackWorkspaceId)),
    channelId: optionalString(ContextKey.SlackChannelId, read(ContextKey.SlackChannelId)),
  };
  const teams = {
    teamId: optionalString(ContextKey.TeamsTeamId, read(ContextKey.TeamsTeamId)),
    channelId: optionalString(ContextKey.TeamsChannelId, read(ContextKey.TeamsChannelId)),
    tenantId: optionalString(ContextKey.TeamsTenantId, read(ContextKey.TeamsTenantId)),
  };
  const slackChannel = allOrNothing('slack', slack);
  const teamsChannel = allOrNothing('teams', teams);
  const alertTopicArn = optionalString(ContextKey.AlertTopicArn, read(ContextKey.AlertTopicArn));
  const alertTopicKeyArn = optionalString(ContextKey.AlertTopicKeyArn, read(ContextKey.AlertTopicKeyArn));
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
    },
    ...(alertTopicArn ? { alertTopicArn } : {}),
    ...(alertTopicKeyArn ? { alertTopicKeyArn } : {}),
  };
}

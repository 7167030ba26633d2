/**
 * The function's settings, read from its environment: each missing or malformed one fails, naming
 * the variable (at cold start for the monitor's, on the sweep's first run for the sweep's own).
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  readConfig,
  readPlannerSettings,
  readSweepSettings,
} from '../../../lambda/adapters/config';
import { ORGANIZATION_ENV } from '../../support/organization-env';

const ENV = {
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  METRIC_NAMESPACE: 'MaintenanceWindowMonitor',
  AWS_REGION: 'us-east-1',
  LEDGER_TABLE_NAME: 'ledger',
  LEDGER_RETENTION_DAYS: '17',
  FAILURE_CAUSES: 'off',
  MAX_CAUSE_READS: '50',
};
const SWEEP_ENV = { REPORTING: 'execution', SWEEP_LOOKBACK_MINUTES: '1440', SWEEP_GRACE_MINUTES: '15' };

function failure(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readConfig', () => {
  it('reads causes on, with their cap, or off', () => {
    expect(readConfig({ ...ENV, FAILURE_CAUSES: 'summary', MAX_CAUSE_READS: '25' }).failureCauses).toEqual({
      maxReads: 25,
    });
    expect(readConfig(ENV).failureCauses).toBeUndefined();
  });

  it('reads the settings, with the partition of the alert topic', () => {
    expect(readConfig({ ...ENV, WINDOW_IDS: ' mw-0123456789abcdef0, ,' })).toEqual({
      alertTopicArn: ENV.ALERT_TOPIC_ARN,
      windowIds: ['mw-0123456789abcdef0'],
      metricNamespace: 'MaintenanceWindowMonitor',
      region: 'us-east-1',
      partition: 'aws',
      ledgerTableName: 'ledger',
      ledgerRetentionSeconds: 17 * 86_400,
    });
  });

  it.each([
    ['ALERT_TOPIC_ARN', '', 'Environment variable ALERT_TOPIC_ARN is not set'],
    ['METRIC_NAMESPACE', '  ', 'Environment variable METRIC_NAMESPACE is not set'],
    [
      'ALERT_TOPIC_ARN',
      'alerts',
      'Environment variable ALERT_TOPIC_ARN must be an SNS topic ARN, got "alerts"',
    ],
    ['AWS_REGION', '', 'Environment variable AWS_REGION is not set; the Lambda runtime sets it'],
    ['LEDGER_TABLE_NAME', '', 'Environment variable LEDGER_TABLE_NAME is not set'],
    ['FAILURE_CAUSES', '', 'Environment variable FAILURE_CAUSES is not set'],
    ['FAILURE_CAUSES', 'full', 'Environment variable FAILURE_CAUSES must be one of summary, off, got "full"'],
    [
      'MAX_CAUSE_READS',
      '0',
      'Environment variable MAX_CAUSE_READS must be a whole number of at least 1, got "0"',
    ],
    ['MAX_CAUSE_READS', '501', 'Environment variable MAX_CAUSE_READS must be at most 500, got "501"'],
    [
      'LEDGER_RETENTION_DAYS',
      '16',
      'Environment variable LEDGER_RETENTION_DAYS must be a whole number of at least 17, got "16"',
    ],
    ['CHAT_TOPIC_ARN', 'chat', 'Environment variable CHAT_TOPIC_ARN must be an SNS topic ARN, got "chat"'],
  ])('fails when %s is %j', (name, value, message) => {
    expect(failure(() => readConfig({ ...ENV, [name]: value })).message).toContain(message);
  });
});

describe('readConfig, in Organization mode', () => {
  const ORG_ENV = ORGANIZATION_ENV;
  it.each([
    [
      'ORGANIZATION_ID',
      'acme',
      'Environment variable ORGANIZATION_ID must be an Organization ID (o-...), got "acme"',
    ],
    [
      'ORGANIZATION_REGIONS',
      '',
      'Environment variable ORGANIZATION_REGIONS is not set; the stack sets it on deploy',
    ],
    [
      'ORGANIZATION_REGIONS',
      'us-east-1,Ireland',
      'Environment variable ORGANIZATION_REGIONS must list Regions, got "Ireland"',
    ],
    ['ROLE_PREFIX', '', 'Environment variable ROLE_PREFIX is not set; the stack sets it on deploy'],
    [
      'CENTRAL_ACCOUNT_ID',
      '1234',
      'Environment variable CENTRAL_ACCOUNT_ID must be a 12-digit account ID, got "1234"',
    ],
    [
      'ORG_METRIC_DETAIL',
      'window',
      'Environment variable ORG_METRIC_DETAIL must be one of account, account-region, account-region-window, got "window"',
    ],
  ])('fails when %s is %j', (name, value, message) => {
    expect(failure(() => readConfig({ ...ENV, ...ORG_ENV, [name]: value })).message).toBe(message);
  });
});

describe('readSweepSettings', () => {
  it.each([
    ['REPORTING', 'window', 'Environment variable REPORTING must be execution or task, got "window"'],
    [
      'SWEEP_GRACE_MINUTES',
      '-1',
      'Environment variable SWEEP_GRACE_MINUTES must be a whole number of at least 0, got "-1"',
    ],
    ['SWEEP_LOOKBACK_MINUTES', '', 'Environment variable SWEEP_LOOKBACK_MINUTES is not set'],
  ])('fails when %s is %j', (name, value, message) => {
    expect(failure(() => readSweepSettings({ ...SWEEP_ENV, [name]: value })).message).toContain(message);
  });
});

describe('readPlannerSettings', () => {
  it("reads the planner's settings, naming what is not a Region", () => {
    const env = { SWEEP_QUEUE_URL: ' https://queue ', ORGANIZATION_REGIONS: 'us-east-1, eu-west-1' };

    expect(readPlannerSettings(env)).toEqual({
      queueUrl: 'https://queue',
      regions: ['us-east-1', 'eu-west-1'],
    });
    expect(
      readPlannerSettings({ ...env, ORGANIZATIONAL_UNIT_IDS: 'ou-a1b2-11111111, r-a1b2' }),
    ).toMatchObject({
      organizationalUnitIds: ['ou-a1b2-11111111', 'r-a1b2'],
    });
    expect(() => readPlannerSettings({ ...env, ORGANIZATION_REGIONS: 'us-east-1,Mars' })).toThrow(
      'Environment variable ORGANIZATION_REGIONS must list Regions, got "Mars"',
    );
  });
});

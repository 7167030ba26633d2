import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { planFromContext, StackName, settingsFromContext } from '../../bin/context';
import { LogLevel, OrganizationMetricDetail, Reporting } from '../../lib/props';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('settingsFromContext', () => {
  it('gives empty props with no context', () => {
    expect(settingsFromContext(reader({}))).toEqual({ monitor: {} });
  });

  it('reads strings as -c passes them: lists split on commas, numbers parsed', () => {
    // Act
    const settings = settingsFromContext(
      reader({
        alertEmails: ' ops@example.com, oncall@example.org ,',
        windowIds: 'mw-0123456789abcdef0,mw-0123456789abcdef1',
        alarmThreshold: '3',
        alarmPeriodMinutes: '15',
        alarmEvaluationPeriods: '2',
        logRetentionDays: '365',
        reservedConcurrentExecutions: '10',
        memorySize: '512',
        timeoutSeconds: '300',
        reporting: 'task',
        logLevel: 'DEBUG',
        metricNamespace: 'Platform/Patching',
        alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
        alertTopicKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
        sweepIntervalMinutes: '30',
        sweepLookbackHours: '48',
      }),
    );

    // Assess
    expect(settings).toEqual({
      monitor: {
        alertEmails: ['ops@example.com', 'oncall@example.org'],
        windowIds: ['mw-0123456789abcdef0', 'mw-0123456789abcdef1'],
        alarmThreshold: 3,
        alarmPeriod: Duration.minutes(15),
        alarmEvaluationPeriods: 2,
        logRetention: 365,
        reservedConcurrentExecutions: 10,
        memorySize: 512,
        timeout: Duration.seconds(300),
        reporting: Reporting.TASK,
        logLevel: LogLevel.DEBUG,
        metricNamespace: 'Platform/Patching',
        sweepInterval: Duration.minutes(30),
        sweepLookback: Duration.hours(48),
      },
      alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      alertTopicKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
    });
  });

  it("takes arrays and numbers from cdk.json, and 'none' as leaving a number out", () => {
    expect(
      settingsFromContext(
        reader({ alertEmails: ['ops@example.com'], alarmThreshold: 2, reservedConcurrentExecutions: 'none' }),
      ),
    ).toEqual({ monitor: { alertEmails: ['ops@example.com'], alarmThreshold: 2 } });
  });

  it('still reads the keys of earlier versions, the new key winning when both are given', () => {
    expect(
      settingsFromContext(
        reader({ reservedConcurrency: '5', reconcileIntervalMinutes: '30', reconcileLookbackHours: '48' }),
      ).monitor,
    ).toEqual({
      reservedConcurrentExecutions: 5,
      sweepInterval: Duration.minutes(30),
      sweepLookback: Duration.hours(48),
    });
    expect(
      settingsFromContext(reader({ reconcileIntervalMinutes: '30', sweepIntervalMinutes: '20' })).monitor,
    ).toEqual({ sweepInterval: Duration.minutes(20) });
    expect(() => settingsFromContext(reader({ reservedConcurrency: 'lots' }))).toThrow(
      'Context reservedConcurrency must be a number',
    );
  });

  it('reads chat channels and the expected run interval', () => {
    expect(
      settingsFromContext(
        reader({
          slackWorkspaceId: 'T012ABCDEFG',
          slackChannelId: 'C012ABCDEFG',
          teamsTeamId: 't',
          teamsChannelId: 'c',
          teamsTenantId: 'n',
          expectedRunIntervalHours: '12',
        }),
      ).monitor,
    ).toEqual({
      slackChannel: { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' },
      teamsChannel: { teamId: 't', channelId: 'c', tenantId: 'n' },
      expectedRunInterval: Duration.hours(12),
    });
    expect(settingsFromContext(reader({ expectedRunIntervalHours: 'none' })).monitor).toEqual({});
  });

  it('reads createChatTopic as -c passes it, or as a boolean from cdk.json', () => {
    expect(settingsFromContext(reader({ createChatTopic: 'true' })).monitor).toEqual({
      createChatTopic: true,
    });
    expect(settingsFromContext(reader({ createChatTopic: false })).monitor).toEqual({
      createChatTopic: false,
    });
  });

  it.each([
    [{ slackWorkspaceId: 'T012ABCDEFG' }, 'Context slackWorkspaceId, slackChannelId must be given together'],
    [
      { teamsTeamId: 't', teamsTenantId: 'n' },
      'Context teamsTeamId, teamsChannelId, teamsTenantId must be given together',
    ],
    [{ alertEmails: 42 }, 'Context alertEmails must be a comma-separated string or an array of strings'],
    [
      { windowIds: ['mw-0123456789abcdef0', 7] },
      'Context windowIds must be a comma-separated string or an array of strings',
    ],
    [{ metricNamespace: ['a'] }, 'Context metricNamespace must be a string'],
    [{ reporting: true }, 'Context reporting must be a string'],
    [{ reporting: 'window' }, 'Context reporting must be one of execution, task'],
    [{ logLevel: 'TRACE' }, 'Context logLevel must be one of DEBUG, INFO, WARN, ERROR'],
    [{ alarmThreshold: 'three' }, 'Context alarmThreshold must be a number'],
    [{ reservedConcurrentExecutions: 'lots' }, 'Context reservedConcurrentExecutions must be a number'],
    [{ createChatTopic: 'yes' }, 'Context createChatTopic must be true or false'],
    [
      { alertTopicKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k' },
      'Context alertTopicKeyArn needs alertTopicArn',
    ],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => settingsFromContext(reader(context))).toThrow(message);
  });
});

describe('planFromContext', () => {
  const ORGANIZATION = {
    organizationId: 'o-abcdefghij',
    regions: 'us-east-1, eu-west-1',
    organizationalUnitIds: 'ou-ab12-abcdefgh,ou-ab12-ijklmnop',
  };

  it('defines the single-account stack by default, with the settings as before', () => {
    expect(planFromContext(reader({ alertEmails: 'ops@example.com' }))).toEqual({
      stackName: StackName.Single,
      settings: { monitor: { alertEmails: ['ops@example.com'] } },
    });
    expect(StackName.Single).toBe('MaintenanceWindowMonitor');
  });

  it('defines the central stack with organizationId, its lists split, its numbers parsed, the other settings kept', () => {
    // Act
    const plan = planFromContext(
      reader({
        ...ORGANIZATION,
        rolePrefix: 'Ops',
        metricDetail: 'account-region',
        sweepConcurrency: '25',
        alertEmails: 'ops@example.com',
        slackWorkspaceId: 'T012ABCDEFG',
        slackChannelId: 'C012ABCDEFG',
      }),
    );

    // Assess
    expect(plan).toEqual({
      stackName: 'MaintenanceWindowMonitorOrg',
      settings: {
        monitor: {
          alertEmails: ['ops@example.com'],
          slackChannel: { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' },
          organization: {
            organizationId: 'o-abcdefghij',
            regions: ['us-east-1', 'eu-west-1'],
            organizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'],
            rolePrefix: 'Ops',
            metricDetail: OrganizationMetricDetail.ACCOUNT_REGION,
            sweepConcurrency: 25,
          },
        },
      },
    });
    // Arrays and numbers from cdk.json; the optional keys left out.
    expect(
      planFromContext(
        reader({ organizationId: 'o-abcdefghij', regions: ['us-east-1'], organizationalUnitIds: ['r-ab12'] }),
      ),
    ).toEqual({
      stackName: StackName.Central,
      settings: {
        monitor: {
          organization: {
            organizationId: 'o-abcdefghij',
            regions: ['us-east-1'],
            organizationalUnitIds: ['r-ab12'],
          },
        },
      },
    });
  });

  it("defines a member stack with centralAccountId, ignoring the central stack's keys so one cdk.json serves both", () => {
    expect(
      planFromContext(
        reader({
          ...ORGANIZATION,
          centralAccountId: '123456789012',
          centralRegion: 'eu-west-1',
          rolePrefix: 'Ops',
          reporting: 'task',
          alertEmails: 'ops@example.com',
          sweepConcurrency: '25',
        }),
      ),
    ).toEqual({
      stackName: 'MaintenanceWindowMonitorMember',
      member: {
        organizationId: 'o-abcdefghij',
        centralAccountId: '123456789012',
        centralRegion: 'eu-west-1',
        rolePrefix: 'Ops',
        reporting: Reporting.TASK,
      },
    });
    expect(
      planFromContext(reader({ organizationId: 'o-abcdefghij', centralAccountId: '123456789012' })),
    ).toEqual({
      stackName: StackName.Member,
      member: { organizationId: 'o-abcdefghij', centralAccountId: '123456789012' },
    });
  });

  it.each([
    [{ organizationId: 'o-abcdefghij' }, 'Context organizationId needs regions'],
    [
      { organizationId: 'o-abcdefghij', organizationalUnitIds: 'r-ab12' },
      'Context organizationId needs regions',
    ],
    [{ ...ORGANIZATION, regions: ' , ' }, 'Context organizationId needs regions'],
    [{ regions: 'us-east-1', rolePrefix: 'Ops' }, 'Context regions, rolePrefix needs organizationId'],
    [{ sweepConcurrency: '10' }, 'Context sweepConcurrency needs organizationId'],
    [
      { ...ORGANIZATION, regions: 42 },
      'Context regions must be a comma-separated string or an array of strings',
    ],
    [
      { ...ORGANIZATION, metricDetail: 'window' },
      'Context metricDetail must be one of account, account-region, account-region-window',
    ],
    [{ ...ORGANIZATION, sweepConcurrency: 'many' }, 'Context sweepConcurrency must be a number'],
    [{ ...ORGANIZATION, organizationId: 7 }, 'Context organizationId must be a string'],
    [{ centralAccountId: '123456789012' }, 'Context centralAccountId needs organizationId'],
    [{ centralRegion: 'eu-west-1' }, 'Context centralRegion needs centralAccountId (a member stack)'],
    [
      { centralAccountId: 123456789012, organizationId: 'o-abcdefghij' },
      'Context centralAccountId must be a string',
    ],
    [
      { centralAccountId: '123456789012', organizationId: 'o-abcdefghij', reporting: 'window' },
      'Context reporting must be one of execution, task',
    ],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => planFromContext(reader(context))).toThrow(message);
  });
});

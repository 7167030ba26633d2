import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  appErrorMessage,
  ContextError,
  checkContextKeys,
  contextMessage,
  planFromContext,
  StackName,
  settingsFromContext,
  showValue,
  stacksNote,
} from '../../bin/context';
import { FailureCauses, LogLevel, OrganizationMetricDetail, Reporting } from '../../lib/props';
import { MonitorPropsError, type PropName } from '../../lib/resolve-props';

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
      'Context reservedConcurrency=lots is refused: expected a number.',
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

  it('reads failureCauses and maxCauseReads as -c passes them, or from cdk.json', () => {
    expect(settingsFromContext(reader({ failureCauses: 'off', maxCauseReads: '20' })).monitor).toEqual({
      failureCauses: FailureCauses.OFF,
      maxCauseReads: 20,
    });
    expect(settingsFromContext(reader({ failureCauses: 'summary', maxCauseReads: 80 })).monitor).toEqual({
      failureCauses: FailureCauses.SUMMARY,
      maxCauseReads: 80,
    });
  });

  it.each([
    [{ slackWorkspaceId: 'T012ABCDEFG' }, 'Context slackWorkspaceId, slackChannelId must be given together'],
    [
      { teamsTeamId: 't', teamsTenantId: 'n' },
      'Context teamsTeamId, teamsChannelId, teamsTenantId must be given together',
    ],
    [
      { alertEmails: 42 },
      'Context alertEmails=42 is refused: expected a comma-separated list (an array of strings in cdk.json).',
    ],
    [
      { windowIds: ['mw-0123456789abcdef0', 7] },
      'Context windowIds=["mw-0123456789abcdef0",7] is refused: expected a comma-separated list',
    ],
    [{ metricNamespace: ['a'] }, 'Context metricNamespace=["a"] is refused: expected a string.'],
    [{ reporting: true }, 'Context reporting=true is refused: expected a string.'],
    [{ reporting: 'window' }, 'Context reporting=window is refused: expected one of execution, task.'],
    [{ logLevel: 'TRACE' }, 'Context logLevel=TRACE is refused: expected one of DEBUG, INFO, WARN, ERROR.'],
    [{ alarmThreshold: 'three' }, 'Context alarmThreshold=three is refused: expected a number.'],
    [
      { reservedConcurrentExecutions: 'lots' },
      'Context reservedConcurrentExecutions=lots is refused: expected a number.',
    ],
    [{ createChatTopic: 'yes' }, 'Context createChatTopic=yes is refused: expected true or false.'],
    [{ failureCauses: 'full' }, 'Context failureCauses=full is refused: expected one of summary, off.'],
    [{ failureCauses: false }, 'Context failureCauses=false is refused: expected a string.'],
    [{ maxCauseReads: 'all' }, 'Context maxCauseReads=all is refused: expected a number.'],
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
          failureCauses: 'summary',
          maxCauseReads: '20',
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
        // Its read role may read causes only when the central monitor reads them.
        failureCauses: FailureCauses.SUMMARY,
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
      'Context regions=42 is refused: expected a comma-separated list (an array of strings in cdk.json).',
    ],
    [
      { ...ORGANIZATION, metricDetail: 'window' },
      'Context metricDetail=window is refused: expected one of account, account-region, account-region-window.',
    ],
    [
      { ...ORGANIZATION, sweepConcurrency: 'many' },
      'Context sweepConcurrency=many is refused: expected a number.',
    ],
    [{ ...ORGANIZATION, organizationId: 7 }, 'Context organizationId=7 is refused: expected a string.'],
    [{ centralAccountId: '123456789012' }, 'Context centralAccountId needs organizationId'],
    [{ centralRegion: 'eu-west-1' }, 'Context centralRegion needs centralAccountId (a member stack)'],
    [
      { centralAccountId: 123456789012, organizationId: 'o-abcdefghij' },
      'Context centralAccountId=123456789012 is refused: expected a string.',
    ],
    [
      { centralAccountId: '123456789012', organizationId: 'o-abcdefghij', reporting: 'window' },
      'Context reporting=window is refused: expected one of execution, task.',
    ],
    [
      { centralAccountId: '123456789012', organizationId: 'o-abcdefghij', failureCauses: 'full' },
      'Context failureCauses=full is refused: expected one of summary, off.',
    ],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => planFromContext(reader(context))).toThrow(message);
  });
});

describe('checkContextKeys', () => {
  it.each([
    ['alertEmail', 'alertEmails'],
    ['windowID', 'windowIds'],
    ['reconcileIntervalMinute', 'reconcileIntervalMinutes'],
    ['organisationId', 'organizationId'],
  ])('refuses the unknown key %s, naming the closest known key, %s', (key, closest) => {
    expect(() => checkContextKeys({ [key]: 'x' })).toThrow(
      new ContextError(
        `Context key ${key} is not one this app reads: did you mean ${closest}? ` +
          'The keys are listed in docs/configuration.md.',
      ),
    );
  });

  it("takes the app's keys, those of earlier versions, and CDK's own, with @ or : or the CLI's", () => {
    expect(() =>
      checkContextKeys({
        alertEmails: 'ops@example.com',
        reservedConcurrency: 5,
        windowIds: ['mw-0123456789abcdef0'],
        '@aws-cdk/core:enablePartitionLiterals': true,
        'aws:cdk:bundling-stacks': ['**'],
        'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a'],
        'acknowledged-issue-numbers': [32775],
        'cli-telemetry': false,
      }),
    ).not.toThrow();
  });

  it.each([
    [{ alertEmails: '' }, 'Context alertEmails= is refused: it is empty.'],
    [{ windowIds: ' , ' }, 'Context windowIds= ,  is refused: it is empty.'],
    [{ regions: [] }, 'Context regions=[] is refused: it is empty.'],
    [{ reconcileLookbackHours: ' ' }, 'Context reconcileLookbackHours=  is refused: it is empty.'],
  ])('refuses the empty value of %j', (context, message) => {
    expect(() => checkContextKeys(context)).toThrow(message);
  });
});

describe('showValue', () => {
  it('shows a long value by its start and its length, so that the message stays one short paragraph', () => {
    const units = Array.from({ length: 51 }, (_, i) => `ou-ab12-${String(i).padStart(8, '0')}`).join(',');

    expect(showValue('mw-0123456789abcdef0')).toBe('mw-0123456789abcdef0');
    expect(showValue(['a', 1])).toBe('["a",1]');
    expect(showValue(units)).toBe(`${units.slice(0, 80)}… (${units.length} characters)`);
  });
});

describe('contextMessage', () => {
  it.each<[PropName[], string, Record<string, unknown>, string]>([
    [
      ['windowIds'],
      '"mw-123" is not a window ID (expected mw- and 17 lower-case hex digits)',
      { windowIds: 'mw-123' },
      'Context windowIds=mw-123 is refused: "mw-123" is not a window ID (expected mw- and 17 lower-case hex digits).',
    ],
    [
      ['alarmPeriod'],
      'must be whole minutes from 1 minute to 1 day, got 30 seconds',
      { alarmPeriodMinutes: '0.5' },
      'Context alarmPeriodMinutes=0.5 is refused: must be whole minutes from 1 minute to 1 day, got 30 seconds.',
    ],
    [
      ['reservedConcurrentExecutions'],
      'must be a whole number of at least 1, got 0',
      { reservedConcurrency: 0 },
      'Context reservedConcurrency=0 is refused: must be a whole number of at least 1, got 0.',
    ],
    [
      ['slackChannel'],
      'channelId "#alerts" is not a Slack channel ID (like C012ABCDEFG)',
      { slackWorkspaceId: 'T012ABCDEFG', slackChannelId: '#alerts' },
      'Context slackChannelId=#alerts is refused: "#alerts" is not a Slack channel ID (like C012ABCDEFG).',
    ],
    [
      ['organization', 'windowIds'],
      'window IDs are per account',
      { organizationId: 'o-abcdefghij', windowIds: ['mw-0123456789abcdef0'] },
      'Context organizationId=o-abcdefghij and windowIds=["mw-0123456789abcdef0"] is refused: window IDs are per account.',
    ],
    [
      ['expectedRunInterval', 'windowIds'],
      'missed-run alarms are per listed window: list the windows to watch',
      { expectedRunIntervalHours: '26' },
      'Context expectedRunIntervalHours=26 and windowIds is refused: missed-run alarms are per listed window: list the windows to watch.',
    ],
    [
      ['maxCauseReads'],
      'must be a whole number of targets from 1 to 500, got 0',
      { maxCauseReads: '0' },
      'Context maxCauseReads=0 is refused: must be a whole number of targets from 1 to 500, got 0.',
    ],
    [
      ['maxCauseReads', 'failureCauses'],
      'no cause is read while failureCauses is off (the default in an Organization)',
      { organizationId: 'o-abcdefghij', regions: 'us-east-1', maxCauseReads: 20 },
      'Context maxCauseReads=20 and failureCauses is refused: no cause is read while failureCauses is off (the default in an Organization).',
    ],
    [
      ['organization.regions'],
      '"eu-west" is not a Region',
      { organizationId: 'o-abcdefghij', regions: 'us-east-1,eu-west' },
      'Context regions=us-east-1,eu-west is refused: "eu-west" is not a Region.',
    ],
  ])('re-words %j with the context key the user typed and its value', (props, problem, context, message) => {
    // Prepare
    const error = new MonitorPropsError('MaintenanceWindowMonitor/Monitor', props, problem);

    // Act, Assess
    expect(contextMessage(error, reader(context))).toBe(message);
  });
});

describe('appErrorMessage', () => {
  it("gives bad input's message alone, and a bug's stack trace", () => {
    const props = new MonitorPropsError(
      'S/Monitor',
      ['memorySize'],
      'must be whole MB from 128 to 10240, got 64',
    );
    expect(appErrorMessage(props, reader({ memorySize: 64 }))).toBe(
      'Context memorySize=64 is refused: must be whole MB from 128 to 10240, got 64.',
    );
    const context = new ContextError('Context organizationId needs regions.');
    expect(appErrorMessage(context, reader({}))).toBe('Context organizationId needs regions.');
    const cdk = Object.assign(new Error('Invalid CloudFormation'), { name: 'ValidationError' });
    expect(appErrorMessage(cdk, reader({}))).toBe('Invalid CloudFormation');
    const bug = new TypeError('x is undefined');
    expect(appErrorMessage(bug, reader({}))).toContain('at ');
    expect(appErrorMessage('thrown as a string', reader({}))).toBe('thrown as a string');
  });

  it('names every key of a channel when the problem names none of its fields', () => {
    const error = new MonitorPropsError('S/Monitor', ['slackChannel'], 'needs both IDs');

    expect(appErrorMessage(error, reader({ slackWorkspaceId: 'T0123ABCD' }))).toBe(
      'Context slackWorkspaceId=T0123ABCD and slackChannelId is refused: needs both IDs.',
    );
  });
});

describe('stacksNote', () => {
  it('names the context each stack the app did not define needs', () => {
    expect(stacksNote(StackName.Central)).toBe(
      'This app defined MaintenanceWindowMonitorOrg; MaintenanceWindowMonitor needs context neither ' +
        'organizationId nor centralAccountId, MaintenanceWindowMonitorMember needs context organizationId ' +
        'and centralAccountId.',
    );
  });
});

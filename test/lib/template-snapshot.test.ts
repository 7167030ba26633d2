/**
 * The synthesized templates of representative configurations, pinned: a refactor of the construct
 * must not change a resource, a property or a logical ID. Asset hashes are masked (they follow the
 * function's source, which a refactor of `lambda/` may move around without changing behaviour; the
 * bundle tests cover the code itself).
 */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  MaintenanceWindowMonitorMemberStack,
  type MaintenanceWindowMonitorMemberStackProps,
  MaintenanceWindowMonitorStack,
  type MaintenanceWindowMonitorStackProps,
} from '../../lib/maintenance-window-monitor-stack';
import { OrganizationMetricDetail, Reporting } from '../../lib/props';

function template(props: MaintenanceWindowMonitorStackProps): unknown {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return masked(Template.fromStack(new MaintenanceWindowMonitorStack(app, 'Pinned', props)));
}

function masked(template: Template): unknown {
  const json = JSON.stringify(template.toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip)?/g, '<asset hash>$1'));
}

describe('the synthesized template', () => {
  it.each<[string, MaintenanceWindowMonitorStackProps]>([
    ['the defaults', {}],
    [
      'listed windows, missed-run alarms, chat channels, e-mails and every option',
      {
        monitor: {
          alertEmails: ['ops@example.com'],
          windowIds: ['mw-0123456789abcdef0', 'mw-0123456789abcdef1'],
          expectedRunInterval: Duration.hours(26),
          alarmThreshold: 3,
          alarmPeriod: Duration.minutes(15),
          alarmEvaluationPeriods: 2,
          reservedConcurrentExecutions: 10,
          sweepInterval: Duration.minutes(30),
          sweepLookback: Duration.hours(48),
          metricNamespace: 'Ops/Patching',
          slackChannel: { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' },
          teamsChannel: {
            teamId: '5d6b4a34-8e1f-4d5b-9a3c-1c2d3e4f5a6b',
            channelId: '19%3Aabc%40thread.tacv2',
            tenantId: '7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
          },
        },
      },
    ],
    [
      'an existing topic, per-task reporting and more windows than the rule names',
      {
        alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alerts',
        alertTopicKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        monitor: {
          reporting: Reporting.TASK,
          createChatTopic: true,
          windowIds: Array.from({ length: 41 }, (_, i) => `mw-${(i + 1).toString(16).padStart(17, '0')}`),
        },
      },
    ],
  ])('is unchanged for %s', (_, props) => {
    expect(template(props)).toMatchSnapshot();
  });
});

// Organization mode: the central stack (its bus, queues, planner, named roles and the StackSet
// with the member template inside it) and the member stack of the management account.
describe('the synthesized template of an Organization', () => {
  it.each<[string, MaintenanceWindowMonitorStackProps]>([
    [
      'the central stack, with its defaults',
      {
        monitor: {
          alertEmails: ['ops@example.com'],
          organization: { organizationId: 'o-a1b2c3d4e5', regions: ['us-east-1', 'eu-west-1'] },
        },
      },
    ],
    [
      'the central stack, with units, a role prefix, per-window series and per-task reporting',
      {
        monitor: {
          reporting: Reporting.TASK,
          organization: {
            organizationId: 'o-a1b2c3d4e5',
            regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
            organizationalUnitIds: ['ou-a1b2-11111111', 'ou-a1b2-22222222'],
            rolePrefix: 'Ops',
            metricDetail: OrganizationMetricDetail.ACCOUNT_REGION_WINDOW,
            sweepConcurrency: 20,
          },
        },
      },
    ],
  ])('is unchanged for %s', (_, props) => {
    expect(template(props)).toMatchSnapshot();
  });

  it('is unchanged for the member stack', () => {
    const app = new App();
    const props: MaintenanceWindowMonitorMemberStackProps = {
      member: { organizationId: 'o-a1b2c3d4e5', centralAccountId: '111111111111', rolePrefix: 'Ops' },
    };
    const stack = new MaintenanceWindowMonitorMemberStack(app, 'PinnedMember', props);

    expect(masked(Template.fromStack(stack))).toMatchSnapshot();
  });
});

describe('an update from version 0.1', () => {
  it('keeps the logical IDs of everything that holds state, so CloudFormation replaces none of it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const resources = Template.fromStack(new MaintenanceWindowMonitorStack(app, 'Pinned', {})).toJSON()
      .Resources as Record<string, { Type: string }>;

    const stateful = Object.entries(resources)
      .filter(([, resource]) =>
        [
          'AWS::DynamoDB::Table',
          'AWS::SNS::Topic',
          'AWS::KMS::Key',
          'AWS::SQS::Queue',
          'AWS::Logs::LogGroup',
        ].includes(resource.Type),
      )
      .map(([logicalId, resource]) => `${resource.Type} ${logicalId}`)
      .sort();

    // As version 0.1 (commit 92c3d1f) synthesized them.
    expect(stateful).toEqual([
      'AWS::DynamoDB::Table MonitorLedgerA8BAEDA3',
      'AWS::KMS::Key MonitorAlertTopicKey66DE158F',
      'AWS::Logs::LogGroup MonitorFunctionLogs930FA27E',
      'AWS::Logs::LogGroup MonitorSweepFunctionLogs5EA32956',
      'AWS::SNS::Topic MonitorAlertTopicCF837057',
      'AWS::SQS::Queue MonitorFailureQueueC5A18B33',
      'AWS::SQS::Queue MonitorRuleDeadLetterQueueC913EAAC',
    ]);
  });
});

/**
 * Organization mode: the central stack (bus, rule, roles, sweep planner and queue, alarms,
 * StackSet), the member template the StackSet deploys, the member construct and the app's member
 * stack, cdk-nag on both sides, and the props they refuse.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  App,
  Duration,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CAUSE_READ_ACTIONS,
  DEFAULT_METRIC_NAMESPACE,
  EXECUTION_DETAIL_TYPE,
  MEMBER_READ_ACTIONS,
  OrgMetricDetail,
  TASK_EXECUTION_DETAIL_TYPE,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../../../contract';
import {
  FailureCauses,
  MaintenanceWindowMonitor,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
} from '../../../lib/maintenance-window-monitor';
import {
  MaintenanceWindowMonitorMemberStack,
  type MaintenanceWindowMonitorMemberStackProps,
  MaintenanceWindowMonitorStack,
  type MaintenanceWindowMonitorStackProps,
} from '../../../lib/maintenance-window-monitor-stack';
import { MaintenanceWindowMonitorMember } from '../../../lib/member';
import { MAX_TEMPLATE_BODY_BYTES } from '../../../lib/member-template';
import { assetDirectory } from '../../../lib/monitor-function';
import { synthStack } from '../../support/synth';

const ORG = 'o-abcdefghij';
const ACCOUNT = '123456789012';
const ORGANIZATION: OrganizationOptions = {
  organizationId: ORG,
  regions: ['us-east-1', 'eu-west-1'],
  organizationalUnitIds: ['r-ab12'],
};
const PREFIX = 'MaintenanceWindowMonitor';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
};

/** The app's central stack in Organization mode (synthesized once per props set). */
function synth(
  organization: Partial<OrganizationOptions> = {},
  monitor: MaintenanceWindowMonitorProps = {},
  stackProps: MaintenanceWindowMonitorStackProps = {},
): Template {
  return synthStack('Central', {
    ...stackProps,
    monitor: { ...monitor, organization: { ...ORGANIZATION, ...organization } },
  });
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function only(template: Template, type: string, idPrefix = ''): [string, Resource] {
  const found = resources(template, type).filter(([id]) => id.startsWith(idPrefix));
  expect(found, `${type} ${idPrefix}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** The logical ID of a function, found by its handler. */
function functionId(template: Template, handler: string): string {
  const found = resources(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Handler === `index.${handler}`,
  );
  expect(found, handler).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
}

/** Every statement of the policies attached to `roleId`: its inline policies and its AWS::IAM::Policy. */
function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.toJSON().Resources[roleId] as Resource;
  const inline = (
    (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** A synthesized template, as far as these tests read it. */
type TemplateJson = {
  Parameters: Record<string, { Default?: unknown; AllowedPattern?: string }>;
  Resources: Record<string, Resource>;
  Rules?: unknown;
  Outputs?: unknown;
};

/** The StackSet's inline member template, parsed, with its raw body. */
function memberTemplate(template: Template): { body: string; json: TemplateJson } {
  const [, stackSet] = only(template, 'AWS::CloudFormation::StackSet');
  const body = stackSet.Properties.TemplateBody as string;
  expect(typeof body).toBe('string');
  return { body, json: JSON.parse(body) };
}

function memberResources(json: TemplateJson, type: string): [string, Resource][] {
  return (Object.entries(json.Resources) as [string, Resource][]).filter(([, r]) => r.Type === type);
}

const joinOf = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe('Organization mode, the central stack', () => {
  it('creates a bus named for the prefix, open to the Organization for SSM events in exactly one statement', () => {
    // Act
    const template = synth();

    // Assess
    const [busId, bus] = only(template, 'AWS::Events::EventBus');
    expect(bus.Properties.Name).toBe(`${PREFIX}-Events`);
    const policies = resources(template, 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0] as [string, Resource];
    expect(policy.Properties.EventBusName).toEqual({ Ref: busId });
    // One statement, not a list: an account that joins the Organization can forward on day one.
    const statement = policy.Properties.Statement as Statement;
    expect(Array.isArray(statement)).toBe(false);
    expect(statement).toEqual({
      Sid: expect.any(String),
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ORG },
        'ForAllValues:StringEquals': { 'events:source': ['aws.ssm'] },
      },
    });
    // EventBridge's limit on a bus policy.
    expect(JSON.stringify(statement).length).toBeLessThan(10_240);
  });

  it('moves the event rule to the central bus, with the same pattern, retries and dead-letter queue', () => {
    // Act
    const template = synth();

    // Assess
    const [busId] = only(template, 'AWS::Events::EventBus');
    const rules = resources(template, 'AWS::Events::Rule').filter(([, rule]) => rule.Properties.EventPattern);
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    const [queueId] = only(template, 'AWS::SQS::Queue', 'MonitorRuleDeadLetterQueue');
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: busId },
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': [EXECUTION_DETAIL_TYPE],
        detail: { status: [...TERMINAL_EXECUTION_STATUSES] },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [functionId(template, 'handler'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        },
      ],
    });
  });

  it("names the functions' roles <prefix>-Central-<function>-<Region>, within IAM's 64 characters", () => {
    // Act: an environment-agnostic stack, and one in a known Region with the longest prefix
    const agnostic = synth();
    const longPrefix = 'P'.repeat(32);
    const known = synth(
      { rolePrefix: longPrefix },
      {},
      { env: { account: ACCOUNT, region: 'ap-southeast-2' } },
    );

    // Assess
    const name = (template: Template, id: string) =>
      (template.toJSON().Resources[id] as Resource).Properties.RoleName;
    expect(name(agnostic, only(agnostic, 'AWS::IAM::Role', 'MonitorFunctionRole')[0])).toEqual(
      joinOf(`${PREFIX}-Central-Report-`, { Ref: 'AWS::Region' }),
    );
    expect(name(agnostic, only(agnostic, 'AWS::IAM::Role', 'MonitorSweepFunctionRole')[0])).toEqual(
      joinOf(`${PREFIX}-Central-Sweep-`, { Ref: 'AWS::Region' }),
    );
    const report = name(known, only(known, 'AWS::IAM::Role', 'MonitorFunctionRole')[0]) as string;
    expect(report).toBe(`${longPrefix}-Central-Report-ap-southeast-2`);
    expect(report.length).toBeLessThanOrEqual(64);
    // The planner is not a central reader: the read roles need not trust it, so it has no name.
    expect(
      (known.toJSON().Resources[only(known, 'AWS::IAM::Role', 'MonitorSweepPlannerRole')[0]] as Resource)
        .Properties.RoleName,
    ).toBeUndefined();
  });

  it('lets the report and sweep roles assume only the read roles of the Organization, and use no SSM at all', () => {
    // Act
    const template = synth({ rolePrefix: 'Ops' });

    // Assess
    const assumeReadRoles: Statement = {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: joinOf('arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/Ops-Read-*'),
      Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
    };
    for (const role of ['MonitorFunctionRole', 'MonitorSweepFunctionRole']) {
      const statements = roleStatements(template, only(template, 'AWS::IAM::Role', role)[0]);
      expect(statements.filter((statement) => actions(statement).includes('sts:AssumeRole'))).toEqual([
        assumeReadRoles,
      ]);
      // What reporting needs here stays: metrics, topic, key and ledger.
      const granted = statements.flatMap(actions);
      for (const action of [
        'cloudwatch:PutMetricData',
        'sns:Publish',
        'kms:Decrypt',
        'dynamodb:UpdateItem',
      ]) {
        expect(granted, `${role} ${action}`).toContain(action);
      }
    }
    // No SSM permission anywhere in the central account: members are read through their roles only.
    for (const [roleId] of resources(template, 'AWS::IAM::Role')) {
      expect(JSON.stringify(roleStatements(template, roleId)), roleId).not.toContain('ssm:');
    }
    // Single-account roles do read SSM (the check above can fail).
    const single = Template.fromStack(
      new MaintenanceWindowMonitorStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Single'),
    );
    expect(JSON.stringify(single.findResources('AWS::IAM::Policy'))).toContain('ssm:');
  });

  it('runs the planner from its own bundle on Node 24 arm64, on the sweep schedule, with exactly what it needs', () => {
    // Act
    const template = synth({ organizationalUnitIds: undefined }, { sweepInterval: Duration.minutes(30) });

    // Assess
    const plannerId = functionId(template, 'plan');
    const [queueId] = only(template, 'AWS::SQS::Queue', 'MonitorSweepQueue');
    const [, planner] = only(template, 'AWS::Lambda::Function', 'MonitorSweepPlanner');
    const [, sweep] = only(template, 'AWS::Lambda::Function', 'MonitorSweepFunction');
    expect(planner.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      MemorySize: 256,
      Environment: {
        Variables: {
          SWEEP_QUEUE_URL: { Ref: queueId },
          ORGANIZATION_REGIONS: 'us-east-1,eu-west-1',
          POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
      LoggingConfig: {
        LogGroup: { Ref: only(template, 'AWS::Logs::LogGroup', 'MonitorSweepPlannerLogs')[0] },
      },
    });
    // Another bundle than the monitor's.
    const code = (fn: Resource) => (fn.Properties.Code as { S3Key: unknown }).S3Key;
    expect(code(planner)).not.toEqual(code(sweep));
    expect(assetDirectory('org-planner')).toMatch(/assets[/\\]org-planner$/);
    // The schedule runs the planner, and nothing runs the sweep function but its queue.
    const schedules = resources(template, 'AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.ScheduleExpression,
    );
    expect(schedules).toHaveLength(1);
    expect((schedules[0] as [string, Resource])[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [{ Arn: { 'Fn::GetAtt': [plannerId, 'Arn'] } }],
    });
    const statements = roleStatements(
      template,
      only(template, 'AWS::IAM::Role', 'MonitorSweepPlannerRole')[0],
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::GetAtt': [only(template, 'AWS::Logs::LogGroup', 'MonitorSweepPlannerLogs')[0], 'Arn'],
        },
      },
      {
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:ListDelegatedAdministrators',
          'organizations:ListAccounts',
          'organizations:ListRoots',
        ],
        Resource: '*',
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    ]);
  });

  it('plans only the accounts of the listed units, with only the calls that list them', () => {
    const template = synth({ organizationalUnitIds: ['ou-ab12-cdef3456', 'ou-ab12-0000aaaa'] });

    const [, planner] = only(template, 'AWS::Lambda::Function', 'MonitorSweepPlanner');
    expect(
      (planner.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      ORGANIZATIONAL_UNIT_IDS: 'ou-ab12-cdef3456,ou-ab12-0000aaaa',
    });
    const statements = roleStatements(
      template,
      only(template, 'AWS::IAM::Role', 'MonitorSweepPlannerRole')[0],
    );
    expect(statements.flatMap((statement) => [statement.Action].flat())).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'organizations:DescribeOrganization',
      'organizations:ListDelegatedAdministrators',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'sqs:SendMessage',
    ]);
  });

  it('feeds the sweep function one account at a time from an encrypted queue, dead-lettered after five tries', () => {
    // Act
    const template = synth({ sweepConcurrency: 25 });

    // Assess
    const [queueId, queue] = only(template, 'AWS::SQS::Queue', 'MonitorSweepQueue');
    const [dlqId, dlq] = only(template, 'AWS::SQS::Queue', 'MonitorSweepDeadLetterQueue');
    const [, sweep] = only(template, 'AWS::Lambda::Function', 'MonitorSweepFunction');
    expect(sweep.Properties).toMatchObject({ Handler: 'index.sweepAccount', Timeout: 600 });
    expect(queue.Properties).toEqual({
      SqsManagedSseEnabled: true,
      // Six times the function's timeout, as Lambda advises for an SQS event source.
      VisibilityTimeout: 6 * 600,
      // At least 5 receives, as AWS advises for a queue a function reads (throttles count).
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      // Kept for two days: its five receives (5 hours) fit, and it expires long before the
      // dead-letter queue's 14 days, which count from when it was first queued.
      MessageRetentionPeriod: 2 * 86_400,
    });
    expect(dlq.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ],
        },
      });
    }
    const [, mapping] = only(template, 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionId(template, 'sweepAccount') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 25 },
    });
    // 10 at once by default.
    expect(only(synth(), 'AWS::Lambda::EventSourceMapping')[1].Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 10,
    });
  });

  it('gives both functions the Organization settings, each detail as the function reads it', () => {
    for (const [detail, expected] of [
      [undefined, OrgMetricDetail.Account],
      [OrganizationMetricDetail.ACCOUNT, OrgMetricDetail.Account],
      [OrganizationMetricDetail.ACCOUNT_REGION, OrgMetricDetail.AccountRegion],
      [OrganizationMetricDetail.ACCOUNT_REGION_WINDOW, OrgMetricDetail.AccountRegionWindow],
    ] as const) {
      // Act
      const template = synth({ rolePrefix: 'Ops', ...(detail ? { metricDetail: detail } : {}) });

      // Assess
      for (const handler of ['handler', 'sweepAccount']) {
        const fn = template.toJSON().Resources[functionId(template, handler)] as Resource;
        expect(
          (fn.Properties.Environment as { Variables: unknown }).Variables,
          `${handler} ${detail}`,
        ).toMatchObject({
          ORGANIZATION_ID: ORG,
          ORGANIZATION_REGIONS: 'us-east-1,eu-west-1',
          ROLE_PREFIX: 'Ops',
          CENTRAL_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
          ORG_METRIC_DETAIL: expected,
        });
      }
    }
    // The enum jsii exports is the contract's list.
    expect(Object.values(OrganizationMetricDetail).sort()).toEqual(Object.values(OrgMetricDetail).sort());
  });

  it("caps the sweep worker's heap at half its memory, so a container sweeping account after account stays flat", () => {
    const template = synth({}, { memorySize: 512 });
    const variables = (handler: string) =>
      (
        (template.toJSON().Resources[functionId(template, handler)] as Resource).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    expect(variables('sweepAccount').NODE_OPTIONS).toBe('--max-old-space-size=256');
    expect(variables('handler').NODE_OPTIONS).toBeUndefined();
  });

  it('alarms on unreachable targets, broken event paths, the sweep dead-letter queue and the planner, and on nothing per account', () => {
    // Act
    const template = synth();

    // Assess
    const topic = { Ref: only(template, 'AWS::SNS::Topic')[0] };
    const alarm = (idPrefix: string) => only(template, 'AWS::CloudWatch::Alarm', idPrefix)[1].Properties;
    const common = {
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    };
    const { AlarmActions: _alarm, OKActions: _ok, ...silent } = common;
    expect(alarm('MonitorUnreachableTargetsAlarm')).toMatchObject({
      ...silent,
      Namespace: DEFAULT_METRIC_NAMESPACE,
      MetricName: 'UnreachableTargets',
      Statistic: 'Sum',
      Period: 3_600,
    });
    // For the dashboard only: the function announces each unreachable target by name, once (ADR 0009).
    expect(alarm('MonitorUnreachableTargetsAlarm').AlarmActions).toBeUndefined();
    expect(alarm('MonitorUnreachableTargetsAlarm').OKActions).toBeUndefined();
    expect(alarm('MonitorUnreachableTargetsAlarm').Dimensions).toBeUndefined();
    expect(alarm('MonitorEventPathBrokenTargetsAlarm')).toMatchObject({
      ...common,
      Namespace: DEFAULT_METRIC_NAMESPACE,
      MetricName: 'EventPathBrokenTargets',
      Statistic: 'Sum',
      Period: 86_400,
    });
    expect(alarm('MonitorEventPathBrokenTargetsAlarm').Dimensions).toBeUndefined();
    expect(alarm('MonitorSweepDeadLetterQueueAlarm')).toMatchObject({
      ...common,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [only(template, 'AWS::SQS::Queue', 'MonitorSweepDeadLetterQueue')[0], 'QueueName'],
          },
        },
      ],
    });
    expect(alarm('MonitorSweepPlannerErrorsAlarm')).toMatchObject({
      ...common,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(template, 'plan') } }],
    });
    // Each says what to do.
    expect(JSON.stringify(alarm('MonitorUnreachableTargetsAlarm').AlarmDescription)).toContain(
      `read role (${PREFIX}-Read-<Region>) is missing`,
    );
    expect(String(alarm('MonitorUnreachableTargetsAlarm').AlarmDescription).length).toBeLessThanOrEqual(1024);
    expect(JSON.stringify(alarm('MonitorSweepDeadLetterQueueAlarm').AlarmDescription)).toContain(
      'SQS redrive',
    );
    // A rule on a custom bus reports its metrics under the bus's name as well.
    expect(alarm('MonitorRuleFailedInvocationsAlarm').Dimensions).toEqual([
      { Name: 'EventBusName', Value: { Ref: only(template, 'AWS::Events::EventBus')[0] } },
      { Name: 'RuleName', Value: { Ref: only(template, 'AWS::Events::Rule', 'MonitorRule')[0] } },
    ]);
    // The 8 health alarms, the fleet's, and these 4: none per account or window.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8 + 1 + 4);
  });

  it('deploys the member template with a service-managed StackSet as the account the planner found, tolerating failed instances', () => {
    // Act
    const template = synth({
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      organizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'],
      rolePrefix: 'Ops',
    });

    // Assess
    const [, stackSet] = only(template, 'AWS::CloudFormation::StackSet');
    const [lookupId, lookup] = only(template, 'Custom::OrganizationRoot');
    // Listed units: how to call StackSets is looked up, not the root.
    expect(lookup.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [functionId(template, 'plan'), 'Arn'] },
      ServiceTimeout: '360',
      OrganizationId: ORG,
    });
    expect({ ...stackSet.Properties, TemplateBody: undefined }).toEqual({
      StackSetName: 'Central-Ops-Members',
      Description: expect.any(String),
      PermissionModel: 'SERVICE_MANAGED',
      // SELF in the management account, DELEGATED_ADMIN in the delegated administrator.
      CallAs: { 'Fn::GetAtt': [lookupId, 'CallAs'] },
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      ManagedExecution: { Active: true },
      OperationPreferences: {
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 25,
        // Any less rounds down to none in a Region of fewer than 100 / tolerance accounts: one
        // failed instance would fail the StackSet and roll the central stack back.
        FailureTolerancePercentage: 100,
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      },
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'] },
          Regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
        },
      ],
      Parameters: [
        { ParameterKey: 'OrganizationId', ParameterValue: ORG },
        { ParameterKey: 'CentralAccountId', ParameterValue: { Ref: 'AWS::AccountId' } },
        {
          ParameterKey: 'CentralBusArn',
          ParameterValue: { 'Fn::GetAtt': [only(template, 'AWS::Events::EventBus')[0], 'Arn'] },
        },
        { ParameterKey: 'RolePrefix', ParameterValue: 'Ops' },
      ],
      TemplateBody: undefined,
    });
    // Members forward as soon as their stacks exist: the bus (and its policy) comes first.
    expect(stackSet.DependsOn).toEqual(
      expect.arrayContaining([
        only(template, 'AWS::Events::EventBus')[0],
        only(template, 'AWS::Events::EventBusPolicy')[0],
      ]),
    );
  });

  it('names the StackSet per stack and prefix, in the characters and length StackSets allow', () => {
    // Act
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const long = new MaintenanceWindowMonitorStack(app, 'Long', {
      stackName: `M${'x'.repeat(127)}`,
      monitor: { organization: { ...ORGANIZATION, rolePrefix: 'Ops.Team_Prod-1' } },
    });
    const shared = new Stack(app, 'Shared');
    new MaintenanceWindowMonitor(shared, 'Prod', { organization: { ...ORGANIZATION, rolePrefix: 'Prod' } });
    new MaintenanceWindowMonitor(shared, 'Staging', {
      organization: { ...ORGANIZATION, rolePrefix: 'Staging' },
    });

    // Assess
    const names = (stack: Stack) =>
      resources(Template.fromStack(stack), 'AWS::CloudFormation::StackSet').map(
        ([, stackSet]) => stackSet.Properties.StackSetName as string,
      );
    const [longName] = names(long);
    expect(longName).toMatch(/^[A-Za-z][A-Za-z0-9-]{0,127}$/);
    expect(longName).toMatch(/^Mx+-Ops-Team-Prod-1-Members$/);
    expect(names(shared)).toEqual(['Shared-Prod-Members', 'Shared-Staging-Members']);
    // Two monitors in one stack: the prefixes keep their buses and roles apart too.
    const buses = resources(Template.fromStack(shared), 'AWS::Events::EventBus').map(
      ([, bus]) => bus.Properties.Name,
    );
    expect(buses).toEqual(['Prod-Events', 'Staging-Events']);
  });

  it('outputs the central bus, the StackSet, the sweep queue and planner, and the Organization alarms', () => {
    // Act
    const template = synth();

    // Assess
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.CentralEventBusArn?.Value).toEqual({
      'Fn::GetAtt': [only(template, 'AWS::Events::EventBus')[0], 'Arn'],
    });
    expect(outputs.MemberStackSetName?.Value).toBe('Central-MaintenanceWindowMonitor-Members');
    expect(outputs.MemberStackSetId?.Value).toEqual({
      'Fn::GetAtt': [only(template, 'AWS::CloudFormation::StackSet')[0], 'StackSetId'],
    });
    expect(outputs.SweepQueueUrl?.Value).toEqual({
      Ref: only(template, 'AWS::SQS::Queue', 'MonitorSweepQueue')[0],
    });
    expect(outputs.SweepPlannerFunctionName?.Value).toEqual({ Ref: functionId(template, 'plan') });
    expect(JSON.stringify(outputs.OrganizationAlarmNames?.Value).match(/"Ref":/g)).toHaveLength(4);
    // The outputs of single-account mode stay.
    for (const key of [
      'AlertTopicArn',
      'FunctionName',
      'SweepFunctionName',
      'HealthAlarmNames',
      'DashboardUrl',
    ]) {
      expect(Object.keys(outputs)).toContain(key);
    }
  });

  it('graphs the reach metrics and the sweep queues on the dashboard', () => {
    const [, dashboard] = only(synth(), 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('UnreachableTargets');
    expect(body).toContain('EventPathBrokenTargets');
    expect(body).toContain('Organization: sweep assignments waiting');
  });

  it.each<[Partial<OrganizationOptions>, MaintenanceWindowMonitorProps, string]>([
    [{ organizationId: 'o-123' }, {}, 'organization.organizationId: "o-123" is not an Organization ID'],
    [
      { organizationId: 'O-ABCDEFGHIJ' },
      {},
      'organization.organizationId: "O-ABCDEFGHIJ" is not an Organization ID',
    ],
    [{ regions: [] }, {}, 'organization.regions: must list at least one Region'],
    [{ regions: ['eu-west'] }, {}, 'organization.regions: "eu-west" is not a Region'],
    [{ regions: ['us-east-1', 'us-east-1'] }, {}, 'organization.regions: lists a Region twice'],
    [
      { regions: [`us-${'x'.repeat(20)}-1`], rolePrefix: 'P'.repeat(32) },
      {},
      `organization.regions: "us-${'x'.repeat(20)}-1" makes the member role name ${'P'.repeat(32)}-Forward-us-${'x'.repeat(20)}-1 longer than IAM's 64 characters`,
    ],
    [
      {
        regions: Array.from(
          { length: 51 },
          (_, i) =>
            `us-r${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}-1`,
        ),
      },
      {},
      'organization.regions: lists 51 Regions, more than the 50 one monitor sweeps',
    ],
    [
      { organizationalUnitIds: [] },
      {},
      'organization.organizationalUnitIds: must list the root (r-...) or at least one organizational unit',
    ],
    [
      { organizationalUnitIds: ['ou-123'] },
      {},
      'organization.organizationalUnitIds: "ou-123" is neither a root ID (r-...) nor an organizational unit ID',
    ],
    [
      { organizationalUnitIds: ['123456789012'] },
      {},
      'organization.organizationalUnitIds: "123456789012" is neither a root ID',
    ],
    [
      { organizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-abcdefgh'] },
      {},
      'organization.organizationalUnitIds: lists an ID twice',
    ],
    [
      { organizationalUnitIds: ['r-ab12', 'ou-ab12-abcdefgh'] },
      {},
      'organization.organizationalUnitIds: lists the root with organizational units',
    ],
    [{ rolePrefix: '1Ops' }, {}, 'organization.rolePrefix: "1Ops" is not a role name prefix'],
    [
      { rolePrefix: 'P'.repeat(33) },
      {},
      `organization.rolePrefix: "${'P'.repeat(33)}" is not a role name prefix`,
    ],
    [{ rolePrefix: 'Ops/Team' }, {}, 'organization.rolePrefix: "Ops/Team" is not a role name prefix'],
    [
      { rolePrefix: 'Ops@Team' },
      {},
      'organization.rolePrefix: "Ops@Team" names the event bus Ops@Team-Events, but a bus name allows only A-Z a-z 0-9 . - _ /',
    ],
    [
      { metricDetail: 'window' as OrganizationMetricDetail },
      {},
      'organization.metricDetail: "window" is not one of account, account-region, account-region-window',
    ],
    [
      { sweepConcurrency: 1 },
      {},
      'organization.sweepConcurrency: must be a whole number from 2 to 100, got 1',
    ],
    [
      { sweepConcurrency: 101 },
      {},
      'organization.sweepConcurrency: must be a whole number from 2 to 100, got 101',
    ],
    [
      { sweepConcurrency: 2.5 },
      {},
      'organization.sweepConcurrency: must be a whole number from 2 to 100, got 2.5',
    ],
    [
      {},
      { windowIds: ['mw-0123456789abcdef0'] },
      'Central/Monitor: organization and windowIds: window IDs are per account',
    ],
    [
      {},
      { expectedRunInterval: Duration.hours(26) },
      'Central/Monitor: organization and expectedRunInterval: missed-run alarms are per listed window',
    ],
  ])('rejects %j (with %j) naming the prop', (organization, monitor, message) => {
    expect(() => synth(organization, monitor)).toThrow(message);
  });

  it("rejects a prefix that makes a central role's name too long in the stack's Region", () => {
    expect(() =>
      synth(
        { rolePrefix: 'P'.repeat(32) },
        {},
        { env: { account: ACCOUNT, region: 'us-isof-southeastern-1' } },
      ),
    ).toThrow(
      `organization.rolePrefix: "${'P'.repeat(32)}" makes the central role name ${'P'.repeat(32)}-Central-Report-us-isof-southeastern-1 longer than IAM's 64 characters`,
    );
  });

  it('refuses more organizational units than a StackSet takes, naming the key and the limit', () => {
    const units = (count: number) =>
      Array.from({ length: count }, (_, i) => `ou-ab12-${String(i).padStart(8, '0')}`);

    expect(() => synth({ organizationalUnitIds: units(51) })).toThrow(
      'organization.organizationalUnitIds: lists 51 IDs; a StackSet takes at most 50 organizational units: ' +
        'list a parent unit (or the root) that holds them instead',
    );
    expect(() => synth({ organizationalUnitIds: units(50) })).not.toThrow();
  });

  it('takes the required options being left out (from another language) as empty, and says so', () => {
    expect(() => synth({ regions: undefined as unknown as string[] })).toThrow(
      'organization.regions: must list at least one Region',
    );
    expect(() => synth({ organizationalUnitIds: [] })).toThrow(
      'organization.organizationalUnitIds: must list the root (r-...) or at least one organizational unit (ou-...), or be left out for the whole Organization',
    );
  });

  it("makes CloudFormation wait for each custom resource its function's timeout and a minute, not an hour", () => {
    // Act
    const single = Template.fromStack(
      new MaintenanceWindowMonitorStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Single', {
        monitor: { windowIds: ['mw-0123456789abcdef0'], expectedRunInterval: Duration.hours(26) },
      }),
    );
    const templates = [synth(), synth({ organizationalUnitIds: undefined }), single];

    // Assess
    const seen = new Set<string>();
    for (const template of templates) {
      const all = template.toJSON().Resources as Record<string, Resource>;
      for (const resource of Object.values(all).filter((r) => r.Type.startsWith('Custom::'))) {
        seen.add(resource.Type);
        const [fnId] = (resource.Properties.ServiceToken as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        const timeout = all[fnId]?.Properties.Timeout as number;
        expect(resource.Properties.ServiceTimeout, resource.Type).toBe(String(timeout + 60));
      }
    }
    expect([...seen].sort()).toEqual(['Custom::MaintenanceWindowHeartbeatSeed', 'Custom::OrganizationRoot']);
  });

  it('targets the whole Organization by default: its root, which the planner looks up at deploy time', () => {
    // Act
    const template = synth({ organizationalUnitIds: undefined });

    // Assess
    const [rootId, root] = only(template, 'Custom::OrganizationRoot');
    expect(root.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [functionId(template, 'plan'), 'Arn'] },
      ServiceTimeout: '360',
      OrganizationId: ORG,
      LookUpRoot: true,
    });
    const [, stackSet] = only(template, 'AWS::CloudFormation::StackSet');
    expect(stackSet.Properties.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: [{ 'Fn::GetAtt': [rootId, 'RootId'] }] },
        Regions: ['us-east-1', 'eu-west-1'],
      },
    ]);
  });
});

describe('Organization mode, the member template', () => {
  it('holds no code and no asset: a rule and two roles, generic in every central value', () => {
    // Act
    const { body, json } = memberTemplate(synth());

    // Assess
    const types = Object.values(json.Resources as Record<string, Resource>)
      .map((r) => r.Type)
      .sort();
    expect(types).toEqual(['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::Role']);
    for (const absent of [
      'AWS::Lambda::',
      'S3Bucket',
      'S3Key',
      'aws:asset',
      'BootstrapVersion',
      'CDKMetadata',
      'cdk-hnb659fds',
      'aws:cdk:path',
    ]) {
      expect(body, absent).not.toContain(absent);
    }
    expect(json.Rules).toBeUndefined();
    expect(json.Outputs).toBeUndefined();
    // Nothing of the central stack in it: the StackSet's parameters carry it.
    expect(body).not.toContain(ORG);
    expect(body).not.toContain(PREFIX);
    // Well under CloudFormation's limit on an inline StackSet template: a tenth of it.
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(MAX_TEMPLATE_BODY_BYTES / 10);
  });

  it('is supplied every parameter it declares by the StackSet, with none left to a default', () => {
    // Act
    const template = synth();

    // Assess
    const { json } = memberTemplate(template);
    const declared = Object.keys(json.Parameters).sort();
    const [, stackSet] = only(template, 'AWS::CloudFormation::StackSet');
    const supplied = (stackSet.Properties.Parameters as { ParameterKey: string }[])
      .map((p) => p.ParameterKey)
      .sort();
    expect(declared).toEqual(['CentralAccountId', 'CentralBusArn', 'OrganizationId', 'RolePrefix']);
    expect(supplied).toEqual(declared);
    for (const parameter of Object.values(json.Parameters) as {
      Default?: unknown;
      AllowedPattern?: string;
    }[]) {
      expect(parameter.Default).toBeUndefined();
      expect(parameter.AllowedPattern).toMatch(/^\^.*\$$/);
    }
  });

  it('forwards only terminal maintenance window events of the default bus to the central bus, retrying for a day', () => {
    for (const [reporting, detailType, statuses] of [
      [Reporting.EXECUTION, EXECUTION_DETAIL_TYPE, TERMINAL_EXECUTION_STATUSES],
      [Reporting.TASK, TASK_EXECUTION_DETAIL_TYPE, TERMINAL_TASK_STATUSES],
    ] as const) {
      // Act
      const { json } = memberTemplate(synth({}, { reporting }));

      // Assess
      const [[, rule]] = memberResources(json, 'AWS::Events::Rule') as [[string, Resource]];
      const [forwardRoleId] = memberResources(json, 'AWS::IAM::Role').find(([id]) =>
        id.includes('Forward'),
      ) as [string, Resource];
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.ssm'],
        'detail-type': [detailType],
        detail: { status: [...statuses] },
      });
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { Ref: 'CentralBusArn' },
          RoleArn: { 'Fn::GetAtt': [forwardRoleId, 'Arn'] },
        },
      ]);
    }
  });

  it('lets the forwarder role, trusted by EventBridge of this account, only put events on the central bus', () => {
    // Act
    const { json } = memberTemplate(synth());

    // Assess
    const [roleId, role] = memberResources(json, 'AWS::IAM::Role').find(([id]) => id.includes('Forward')) as [
      string,
      Resource,
    ];
    expect(role.Properties.RoleName).toEqual(
      joinOf({ Ref: 'RolePrefix' }, '-Forward-', { Ref: 'AWS::Region' }),
    );
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    expect(role.Properties.Policies).toBeUndefined();
    const policies = memberResources(json, 'AWS::IAM::Policy');
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0] as [string, Resource];
    expect(policy.Properties.Roles).toEqual([{ Ref: roleId }]);
    expect((policy.Properties.PolicyDocument as { Statement: unknown }).Statement).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'CentralBusArn' } },
    ]);
  });

  it.each<[string, MaintenanceWindowMonitorProps, readonly string[]]>([
    ['by default', {}, MEMBER_READ_ACTIONS],
    [
      'with failure causes read',
      { failureCauses: FailureCauses.SUMMARY },
      [...MEMBER_READ_ACTIONS, ...CAUSE_READ_ACTIONS],
    ],
  ])(
    "lets the read role, trusted by the central functions' roles of the Organization only, make exactly the function's reads here, %s",
    (_, monitor, expected) => {
      // Act
      const { json } = memberTemplate(synth({}, monitor));

      // Assess
      const [roleId, role] = memberResources(json, 'AWS::IAM::Role').find(([id]) => id.includes('Read')) as [
        string,
        Resource,
      ];
      expect(role.Properties.RoleName).toEqual(
        joinOf({ Ref: 'RolePrefix' }, '-Read-', { Ref: 'AWS::Region' }),
      );
      expect(role.Properties.MaxSessionDuration).toBe(3_600);
      expect(role.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              AWS: joinOf('arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, ':root'),
            },
            Action: 'sts:AssumeRole',
            Condition: {
              ArnLike: {
                'aws:PrincipalArn': joinOf(
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::',
                  { Ref: 'CentralAccountId' },
                  ':role/',
                  { Ref: 'RolePrefix' },
                  '-Central-*',
                ),
              },
              StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
            },
          },
        ],
      });
      // No policy attached from outside the role: everything it may do is here.
      expect(JSON.stringify(memberResources(json, 'AWS::IAM::Policy'))).not.toContain(roleId);
      const statements = (
        role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((policy) => policy.PolicyDocument.Statement);
      expect(statements.flatMap(actions).sort()).toEqual([...expected].sort());
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Condition).toEqual({
          StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } },
        });
      }
      const getWindow = statements.find((statement) =>
        actions(statement).includes('ssm:GetMaintenanceWindow'),
      );
      expect(getWindow?.Resource).toEqual(
        joinOf(
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':maintenancewindow/*',
        ),
      );
    },
  );

  it('renders the same whatever the CLI passes: its own folder, no path metadata', () => {
    // Prepare: what `cdk synth` sets for the app, which an App of its own would otherwise take
    const expected = memberTemplate(synth()).body;
    const cliOutdir = mkdtempSync(path.join(tmpdir(), 'mwm-cli-outdir-'));
    vi.stubEnv('CDK_OUTDIR', cliOutdir);
    try {
      // Act
      const app = new App({
        outdir: cliOutdir,
        context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
      });
      const stack = new MaintenanceWindowMonitorStack(app, 'Central', {
        monitor: { organization: ORGANIZATION },
      });

      // Assess: the member template was synthesized (at construction) without writing into the
      // app's folder (where only the functions' assets are staged then), and is the same
      expect(readdirSync(cliOutdir).filter((file) => !file.startsWith('asset.'))).toEqual([]);
      expect(memberTemplate(Template.fromStack(stack)).body).toBe(expected);
      expect(readdirSync(cliOutdir).filter((file) => file.includes('Member'))).toEqual([]);
      // The app's own template does carry path metadata (the flag took effect).
      expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('aws:cdk:path');
    } finally {
      vi.unstubAllEnvs();
      rmSync(cliOutdir, { recursive: true, force: true });
    }
  });
});

describe('MaintenanceWindowMonitorMember', () => {
  function memberIn(props: Partial<ConstructorParameters<typeof MaintenanceWindowMonitorMember>[2]> = {}) {
    const stack = new Stack(new App(), 'Member');
    new MaintenanceWindowMonitorMember(stack, 'Member', {
      organizationId: ORG,
      centralAccountId: ACCOUNT,
      centralBusArn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${PREFIX}-Events`,
      ...props,
    });
    return Template.fromStack(stack);
  }

  it('takes literal values in a stack of your own', () => {
    const template = memberIn({ rolePrefix: 'Ops' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: joinOf('Ops-Read-', { Ref: 'AWS::Region' }),
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              ArnLike: {
                'aws:PrincipalArn': joinOf(
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  `:iam::${ACCOUNT}:role/Ops-Central-*`,
                ),
              },
              StringEquals: { 'aws:PrincipalOrgID': ORG },
            },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${PREFIX}-Events` })],
    });
  });

  it.each<[Partial<ConstructorParameters<typeof MaintenanceWindowMonitorMember>[2]>, string]>([
    [{ organizationId: 'o-1' }, 'Member/Member: organizationId: "o-1" is not an Organization ID'],
    [
      { centralAccountId: '1234' },
      'Member/Member: centralAccountId: "1234" is not an account ID (12 digits)',
    ],
    [
      { centralBusArn: 'arn:aws:sns:us-east-1:123456789012:bus' },
      'centralBusArn: "arn:aws:sns:us-east-1:123456789012:bus" is not an event bus ARN',
    ],
    [{ rolePrefix: '-Ops' }, 'rolePrefix: "-Ops" is not a role name prefix'],
    [{ reporting: 'window' as Reporting }, 'reporting: "window" is not one of execution, task'],
    [{ failureCauses: 'full' as FailureCauses }, 'failureCauses: "full" is not one of summary, off'],
  ])('rejects %j naming the prop', (props, message) => {
    expect(() => memberIn(props)).toThrow(message);
  });
});

describe("the app's member stack", () => {
  function synthMember(member: Partial<MaintenanceWindowMonitorMemberStackProps['member']> = {}, env = {}) {
    const app = new App();
    return Template.fromStack(
      new MaintenanceWindowMonitorMemberStack(app, 'MaintenanceWindowMonitorMember', {
        ...env,
        member: { organizationId: ORG, centralAccountId: ACCOUNT, ...member },
      }),
    );
  }

  it('forwards to the central bus, derived from the central account, its Region and the prefix', () => {
    // Act
    const deployRegion = synthMember();
    const elsewhere = synthMember({
      centralRegion: 'eu-west-1',
      rolePrefix: 'Ops',
      reporting: Reporting.TASK,
    });

    // Assess
    const target = (template: Template) =>
      (
        (only(template, 'AWS::Events::Rule')[1].Properties.Targets as { Arn: unknown }[])[0] as {
          Arn: unknown;
        }
      ).Arn;
    expect(target(deployRegion)).toEqual(
      joinOf(
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        `:${ACCOUNT}:event-bus/${PREFIX}-Events`,
      ),
    );
    expect(target(elsewhere)).toEqual(
      joinOf('arn:', { Ref: 'AWS::Partition' }, `:events:eu-west-1:${ACCOUNT}:event-bus/Ops-Events`),
    );
    elsewhere.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': [TASK_EXECUTION_DETAIL_TYPE] }),
    });
    expect(Object.keys(elsewhere.toJSON().Outputs).sort()).toEqual([
      'CentralEventBusArn',
      'ForwardRuleName',
      'ReadRoleArn',
    ]);
    elsewhere.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('lets its read role read failure causes only when the central monitor does', () => {
    const causeReads = (template: Template) =>
      roleStatements(template, only(template, 'AWS::IAM::Role', 'MemberReadRole')[0])
        .flatMap(actions)
        .filter((action) => (CAUSE_READ_ACTIONS as readonly string[]).includes(action));
    expect(causeReads(synthMember())).toEqual([]);
    expect(causeReads(synthMember({ failureCauses: FailureCauses.OFF }))).toEqual([]);
    expect(causeReads(synthMember({ failureCauses: FailureCauses.SUMMARY })).sort()).toEqual(
      [...CAUSE_READ_ACTIONS].sort(),
    );
  });

  it.each<[Partial<MaintenanceWindowMonitorMemberStackProps['member']>, string]>([
    [{ centralRegion: 'europe' }, 'MaintenanceWindowMonitorMember: centralRegion: "europe" is not a Region'],
    [{ centralAccountId: 'central' }, 'centralAccountId: "central" is not an account ID'],
    [
      { rolePrefix: 'Ops@Team' },
      'rolePrefix: "Ops@Team" names the event bus Ops@Team-Events, but a bus name allows only A-Z a-z 0-9 . - _ /',
    ],
    [{ organizationId: 'org' }, 'organizationId: "org" is not an Organization ID'],
  ])('rejects %j naming the setting', (member, message) => {
    expect(() => synthMember(member)).toThrow(message);
  });
});

describe('cdk-nag AwsSolutions, Organization mode', () => {
  const outdirs: string[] = [];
  afterEach(() => {
    for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
  });

  function nagApp(): { app: App; nag: AwsSolutionsChecks } {
    const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-nag-org-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const nag = new AwsSolutionsChecks(app, { verbose: true });
    Validations.of(app).addPlugins(nag);
    return { app, nag };
  }

  it.each<[string, Partial<OrganizationOptions>, MaintenanceWindowMonitorProps]>([
    ['the defaults', {}, {}],
    [
      'per-task reporting, chat and every option',
      { rolePrefix: 'Ops', metricDetail: OrganizationMetricDetail.ACCOUNT_REGION, sweepConcurrency: 50 },
      {
        reporting: Reporting.TASK,
        slackChannel: { workspaceId: 'T012ABCDEFG', channelId: 'C012ABCDEFG' },
        reservedConcurrentExecutions: 20,
      },
    ],
    ['failure causes read', {}, { failureCauses: FailureCauses.SUMMARY }],
  ])(
    'finds nothing unacknowledged in the central stack and the member template with %s',
    (_, organization, monitor) => {
      // Prepare
      const { app, nag } = nagApp();
      const validate = vi.spyOn(nag, 'validate');
      new MaintenanceWindowMonitorStack(app, 'Nag', {
        monitor: {
          ...monitor,
          organization: { ...ORGANIZATION, ...organization, memberTemplateValidations: [nag] },
        },
      });

      // Act
      const run = () => app.synth();

      // Assess: it checked the member template (at construction) and the app's stack, clean both times
      expect(run).not.toThrow();
      const checked = validate.mock.calls.map(([context]) =>
        context.templatePaths.map((p) => path.basename(p)),
      );
      expect(checked).toEqual([['MaintenanceWindowMonitorMember.template.json'], ['Nag.template.json']]);
      expect(
        validate.mock.results.map((result) => (result.value as PolicyValidationPluginReport).success),
      ).toEqual([true, true]);
    },
  );

  it.each([FailureCauses.OFF, FailureCauses.SUMMARY])(
    "finds nothing unacknowledged in the app's member stack, failure causes %s",
    (failureCauses) => {
      const { app } = nagApp();
      new MaintenanceWindowMonitorMemberStack(app, 'Member', {
        member: { organizationId: ORG, centralAccountId: ACCOUNT, failureCauses },
      });
      expect(() => app.synth()).not.toThrow();
    },
  );

  it('fails synthesis on a finding in the member template, naming it', () => {
    // Prepare: a plugin that finds the read role
    const readRoleFound: IPolicyValidationPlugin = {
      name: 'read-role-finder',
      validate: (context) => {
        const templatePath = context.templatePaths[0] as string;
        const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
          Resources: Record<string, Resource>;
        };
        const readRole = Object.keys(template.Resources).find((id) => id.includes('ReadRole')) as string;
        return {
          success: false,
          violations: [
            {
              ruleName: 'no-read-role',
              description: 'The member template has a read role',
              violatingResources: [{ resourceLogicalId: readRole, templatePath, locations: ['Properties'] }],
            },
          ],
        };
      },
    };
    const { app } = nagApp();

    // Act
    const build = () =>
      new MaintenanceWindowMonitorStack(app, 'Nag', {
        monitor: { organization: { ...ORGANIZATION, memberTemplateValidations: [readRoleFound] } },
      });

    // Assess
    let message = '';
    try {
      build();
    } catch (error: unknown) {
      message = String(error);
    }
    expect(message).toContain("The StackSet's member template failed validation");
    expect(message).toContain('The member template has a read role (read-role-finder)');
    expect(message).toMatch(
      /MaintenanceWindowMonitorMember\/Member\/ReadRole\/Resource \(MemberReadRole\w+\)/,
    );
    // The report is kept where the message says.
    const report = /A copy of this report can be found in: (\S+)/.exec(message)?.[1] as string;
    outdirs.push(path.dirname(report));
    expect(readFileSync(report, 'utf8')).toContain('no-read-role');
  });
});

describe("the functions' bundles", () => {
  it('are found at the root of the package, the planner beside the monitor', () => {
    expect(assetDirectory('monitor')).toMatch(/assets[/\\]monitor$/);
    expect(assetDirectory('org-planner')).toBe(
      path.join(path.dirname(assetDirectory('monitor')), 'org-planner'),
    );
  });

  it('say which is missing, and how to build it', () => {
    // Prepare: a package without bundles
    const root = mkdtempSync(path.join(tmpdir(), 'mwm-package-'));
    try {
      writeFileSync(path.join(root, 'package.json'), '{}');

      // Act and assess
      expect(() => assetDirectory('org-planner', root)).toThrow(
        `The function's bundle is missing from ${path.join(root, 'assets', 'org-planner')}: run npm run build:asset`,
      );
      expect(() => assetDirectory('monitor', path.parse(root).root)).toThrow('No package.json above');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

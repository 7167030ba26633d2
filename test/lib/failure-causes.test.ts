/**
 * Failure causes, the construct's side: the setting and its defaults in each reach, the functions'
 * environment, the reads granted (to the functions' roles in one account, to the member read roles
 * in an Organization, and to nothing when off), and the dashboard's graph of causes not read.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  CAUSE_READ_ACTIONS,
  FailureCauses as ContractFailureCauses,
  DEFAULT_MAX_CAUSE_READS,
  EnvVar,
  MetricName,
  DEFAULT_METRIC_NAMESPACE as NS,
} from '../../contract';
import { FailureCauses, type MaintenanceWindowMonitorProps } from '../../lib';
import { synthStack } from '../support/synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const ORGANIZATION = { organizationId: 'o-abcdefghij', regions: ['us-east-1', 'eu-west-1'] };
const joinOf = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const AUTOMATION_EXECUTIONS = joinOf(
  'arn:',
  { Ref: 'AWS::Partition' },
  ':ssm:',
  { Ref: 'AWS::Region' },
  ':',
  { Ref: 'AWS::AccountId' },
  ':automation-execution/*',
);
const STATE_MACHINE_EXECUTIONS = joinOf(
  'arn:',
  { Ref: 'AWS::Partition' },
  ':states:',
  { Ref: 'AWS::Region' },
  ':',
  { Ref: 'AWS::AccountId' },
  ':execution:*:*',
);
/** The statements that read causes, as a role in one account-Region holds them. */
const CAUSE_STATEMENTS = [
  {
    Action: ['ssm:ListCommandInvocations', 'ssm:GetCommandInvocation'],
    Effect: 'Allow',
    Resource: '*',
  },
  {
    Action: ['ssm:GetAutomationExecution', 'ssm:DescribeAutomationStepExecutions'],
    Effect: 'Allow',
    Resource: AUTOMATION_EXECUTIONS,
  },
  { Action: 'states:DescribeExecution', Effect: 'Allow', Resource: STATE_MACHINE_EXECUTIONS },
];

function synth(monitor: MaintenanceWindowMonitorProps): Template {
  return synthStack('Causes', { monitor });
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every role's policies (inline and attached), by role logical ID. */
function statementsByRole(template: Template): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  for (const [roleId, role] of resources(template, 'AWS::IAM::Role')) {
    const inline = (
      (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    byRole.set(roleId, inline);
  }
  for (const [, policy] of resources(template, 'AWS::IAM::Policy')) {
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const role of policy.Properties.Roles as { Ref: string }[]) {
      byRole.set(role.Ref, [...(byRole.get(role.Ref) ?? []), ...statements]);
    }
  }
  return byRole;
}

/** The statements of the report function's and the sweep's roles. */
function reportingRoles(template: Template): [string, Statement[]][] {
  const roles = [...statementsByRole(template)].filter(([id]) =>
    /^Monitor(Function|SweepFunction)Role[0-9A-F]{8}$/.test(id),
  );
  expect(roles).toHaveLength(2);
  return roles;
}

/** Each function's environment, by handler. */
function environments(template: Template): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    resources(template, 'AWS::Lambda::Function').map(([, fn]) => [
      fn.Properties.Handler,
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ]),
  );
}

/** The member template the StackSet deploys, parsed. */
function memberTemplate(template: Template): { Resources: Record<string, Resource> } {
  const [[, stackSet]] = resources(template, 'AWS::CloudFormation::StackSet') as [[string, Resource]];
  return JSON.parse(stackSet.Properties.TemplateBody as string);
}

function dashboardBody(template: Template): string {
  const [[, dashboard]] = resources(template, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
  return JSON.stringify(dashboard.Properties.DashboardBody);
}

describe('failure causes, in one account', () => {
  it('are read by default: the report and sweep roles may make exactly the cause reads, on the narrowest resources', () => {
    // Act
    const template = synth({});

    // Assess
    for (const [roleId, statements] of reportingRoles(template)) {
      const reads = statements.filter((statement) =>
        actions(statement).some((action) => (CAUSE_READ_ACTIONS as readonly string[]).includes(action)),
      );
      expect(reads, roleId).toEqual(CAUSE_STATEMENTS);
      // No key to read output encrypted with: a state machine's own key stays its own.
      const keys = statements.filter((statement) => actions(statement).includes('kms:Decrypt'));
      expect(JSON.stringify(keys), roleId).not.toMatch(/states|ssm/);
    }
    expect(CAUSE_STATEMENTS.flatMap((statement) => actions(statement as Statement)).sort()).toEqual(
      [...CAUSE_READ_ACTIONS].sort(),
    );
  });

  it('grants none of the cause reads when off', () => {
    // Act
    const template = synth({ failureCauses: FailureCauses.OFF });

    // Assess
    for (const [roleId, statements] of statementsByRole(template)) {
      const granted = statements.flatMap(actions);
      for (const action of CAUSE_READ_ACTIONS) expect(granted, roleId).not.toContain(action);
      expect(JSON.stringify(statements), roleId).not.toMatch(/states:|automation-execution/);
    }
  });

  it('tells both functions the setting and the number of reads, always', () => {
    for (const [props, causes, reads] of [
      [{}, ContractFailureCauses.Summary, String(DEFAULT_MAX_CAUSE_READS)],
      [{ maxCauseReads: 120 }, ContractFailureCauses.Summary, '120'],
      [{ failureCauses: FailureCauses.OFF }, ContractFailureCauses.Off, String(DEFAULT_MAX_CAUSE_READS)],
    ] as const) {
      // Act
      const env = environments(synth(props));

      // Assess
      for (const handler of ['index.handler', 'index.sweep']) {
        expect(env[handler], `${handler} ${JSON.stringify(props)}`).toMatchObject({
          [EnvVar.FailureCauses]: causes,
          [EnvVar.MaxCauseReads]: reads,
        });
      }
    }
  });

  it('graphs the causes not read, by reason, only when causes are read', () => {
    const graph = 'Monitor: failure causes not read, by reason';
    const read = dashboardBody(synth({}));
    expect(read).toContain(graph);
    // Each reason its own line, found by SEARCH.
    expect(read).toMatch(
      new RegExp(`SEARCH\\('\\{\\W+${NS}\\W+,Reason\\} MetricName=\\W+${MetricName.CausesUnavailable}`),
    );
    const off = dashboardBody(synth({ failureCauses: FailureCauses.OFF }));
    expect(off).not.toContain(graph);
    expect(off).not.toContain(MetricName.CausesUnavailable);
  });

  it('takes the values the functions read: the enum jsii exports is the contract one', () => {
    expect(Object.values(FailureCauses).sort()).toEqual(Object.values(ContractFailureCauses).sort());
  });
});

describe('failure causes, in an Organization', () => {
  it('are off by default: no cause read in the member template, the functions told so', () => {
    // Act
    const template = synth({ organization: ORGANIZATION });

    // Assess
    const member = JSON.stringify(memberTemplate(template));
    for (const action of CAUSE_READ_ACTIONS) expect(member).not.toContain(action);
    const env = environments(template);
    for (const handler of ['index.handler', 'index.sweepAccount']) {
      expect(env[handler], handler).toMatchObject({
        [EnvVar.FailureCauses]: ContractFailureCauses.Off,
        [EnvVar.MaxCauseReads]: String(DEFAULT_MAX_CAUSE_READS),
      });
    }
    // The planner reports nothing: it reads neither.
    expect(env['index.plan']).not.toHaveProperty(EnvVar.FailureCauses);
    expect(dashboardBody(template)).not.toContain(MetricName.CausesUnavailable);
  });

  it("are read through the member read roles when opted in, never with the central account's own roles", () => {
    // Act
    const template = synth({
      organization: ORGANIZATION,
      failureCauses: FailureCauses.SUMMARY,
      maxCauseReads: 30,
    });

    // Assess: the member read role reads causes, in its own account and Region only
    const member = memberTemplate(template);
    const readRole = Object.entries(member.Resources).find(
      ([id, resource]) => resource.Type === 'AWS::IAM::Role' && id.includes('Read'),
    )?.[1] as Resource;
    const statements = (
      readRole.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    const inThisRegion = { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } };
    for (const statement of CAUSE_STATEMENTS) {
      expect(statements).toContainEqual({ ...statement, Condition: inThisRegion });
    }
    // The central roles: no SSM or Step Functions action at all.
    for (const [roleId, central] of statementsByRole(template)) {
      expect(JSON.stringify(central), roleId).not.toMatch(/"(ssm|states):/);
    }
    const env = environments(template);
    for (const handler of ['index.handler', 'index.sweepAccount']) {
      expect(env[handler], handler).toMatchObject({
        [EnvVar.FailureCauses]: ContractFailureCauses.Summary,
        [EnvVar.MaxCauseReads]: '30',
      });
    }
    expect(dashboardBody(template)).toContain(MetricName.CausesUnavailable);
  });
});

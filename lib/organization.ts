/**
 * Organization mode's central side, beside the monitor's usual pieces: the event bus the member
 * accounts forward to, the sweep planner and its queue of one assignment per member account, the
 * functions' environment and role names, and the StackSet that deploys the member template.
 */
import { Aws, CfnStackSet, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { centralBusName, centralRoleNamePrefix, EnvVar, OrgMetricDetail } from '../lambda/contract';
import { grantPlanning } from './grants';
import { MemberParameter, memberTemplateBody } from './member-template';
import { MonitorFunction } from './monitor-function';
import { OrganizationMetricDetail, type Reporting } from './props';
import type { ResolvedOrganization } from './resolve-props';

/** Organization mode's central parts, beside the monitor's usual ones. */
export interface CentralParts {
  readonly organization: ResolvedOrganization;
  /** The bus the members forward to, where the event rule is. */
  readonly bus: events.EventBus;
  readonly sweepQueue: sqs.Queue;
  readonly sweepDeadLetterQueue: sqs.Queue;
  /** Run by the sweep schedule instead of the sweep function. */
  readonly planner: MonitorFunction;
}

/** The enum jsii allows, as the function reads it. */
const CONTRACT_METRIC_DETAIL: Record<OrganizationMetricDetail, OrgMetricDetail> = {
  [OrganizationMetricDetail.ACCOUNT]: OrgMetricDetail.Account,
  [OrganizationMetricDetail.ACCOUNT_REGION]: OrgMetricDetail.AccountRegion,
  [OrganizationMetricDetail.ACCOUNT_REGION_WINDOW]: OrgMetricDetail.AccountRegionWindow,
};

/** What the report and sweep functions read in Organization mode. */
export function organizationEnvironment(organization: ResolvedOrganization): Record<string, string> {
  return {
    [EnvVar.OrganizationId]: organization.organizationId,
    [EnvVar.OrganizationRegions]: organization.regions.join(','),
    [EnvVar.RolePrefix]: organization.rolePrefix,
    [EnvVar.CentralAccountId]: Aws.ACCOUNT_ID,
    [EnvVar.OrgMetricDetail]: CONTRACT_METRIC_DETAIL[organization.metricDetail],
  };
}

/**
 * A central function's role name, `<prefix>-Central-<function>-<Region>`: the member read roles
 * trust `<prefix>-Central-*`, and the Region keeps two monitors of one account (IAM is global)
 * in different Regions apart. At most 32 + 16 + 15 characters, within IAM's 64.
 */
export function centralRoleName(scope: Construct, rolePrefix: string, fn: 'Report' | 'Sweep'): string {
  return `${centralRoleNamePrefix(rolePrefix)}${fn}-${Stack.of(scope).region}`;
}

/**
 * The bus the member rules forward to, named for the prefix (the members derive its ARN), open to
 * the Organization's principals for SSM's events only, in one statement (so an account that joins
 * the Organization works on its first day).
 */
export function createCentralBus(scope: Construct, organization: ResolvedOrganization): events.EventBus {
  const bus = new events.EventBus(scope, 'CentralEventBus', {
    eventBusName: centralBusName(organization.rolePrefix),
    description: 'Maintenance window events forwarded by the member accounts of the Organization',
  });
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OrganizationMembersForwardSsmEvents',
      principals: [new iam.StarPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        StringEquals: { 'aws:PrincipalOrgID': organization.organizationId },
        // Multivalued (a PutEvents call carries up to 10 entries): every source must be SSM's, as
        // EventBridge's own example for a central bus writes it. Were the key ever missing from a
        // forwarded event's request, this lets it through (still only from the Organization)
        // where a plain StringEquals would refuse every member's events.
        'ForAllValues:StringEquals': { 'events:source': ['aws.ssm'] },
      },
    }),
  );
  return bus;
}

/** How long the sweep function may take one account (each of its Regions, a few at a time). */
export const SWEEP_ACCOUNT_TIMEOUT = Duration.minutes(10);

/** Feeds the sweep function one assignment (one member account) at a time, a few at once. */
export function addSweepEventSource(
  sweepFunction: lambda.Function,
  queue: sqs.IQueue,
  organization: ResolvedOrganization,
): void {
  sweepFunction.addEventSource(
    new lambdaEventSources.SqsEventSource(queue, {
      batchSize: 1,
      reportBatchItemFailures: true,
      maxConcurrency: organization.sweepConcurrency,
    }),
  );
}

export interface SweepPlannerOptions {
  readonly organization: ResolvedOrganization;
  readonly queue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: string;
}

/**
 * The planner, run by the sweep schedule: lists the Organization's accounts and queues one
 * assignment per account. Its own bundle, role and log group; 256 MB whatever the monitor's
 * `memorySize` (its work does not grow with the targets of a run), and a few minutes for a
 * thousand accounts (ListAccounts pages of 20, batches of 10 messages).
 */
export function createSweepPlanner(scope: Construct, options: SweepPlannerOptions): MonitorFunction {
  const planner = new MonitorFunction(scope, 'SweepPlanner', {
    handler: 'plan',
    description: 'Queues one sweep assignment per account of the Organization',
    roleDescription: "Lists the Organization's accounts and queues one sweep assignment for each",
    timeout: Duration.minutes(5),
    memorySize: 256,
    logRetention: options.logRetention,
    logLevel: options.logLevel,
    // The next scheduled sweep is the retry.
    retryAttempts: 0,
    environment: {
      [EnvVar.SweepQueueUrl]: options.queue.queueUrl,
      [EnvVar.OrganizationRegions]: options.organization.regions.join(','),
      // The units the StackSet covers: accounts outside them have no read role to sweep with.
      ...(options.organization.organizationalUnitIds
        ? { [EnvVar.OrganizationalUnitIds]: options.organization.organizationalUnitIds.join(',') }
        : {}),
    },
  });
  grantPlanning(
    planner.executionRole,
    options.queue,
    options.organization.organizationalUnitIds !== undefined,
  );
  return planner;
}

/** StackSet names: letters, digits and hyphens, starting with a letter, at most 128. */
const STACK_SET_NAME_LENGTH = 128;

/**
 * Unique per stack and prefix (two monitors in one stack already need different prefixes): the
 * stack's name, shortened if need be, and the prefix.
 */
export function memberStackSetName(scope: Construct, rolePrefix: string): string {
  const suffix = `-${rolePrefix.replace(/[^A-Za-z0-9-]/g, '-')}-Members`;
  return `${Stack.of(scope).stackName.slice(0, STACK_SET_NAME_LENGTH - suffix.length)}${suffix}`;
}

export interface MemberStackSetOptions {
  readonly organization: ResolvedOrganization;
  readonly reporting: Reporting;
  readonly centralBus: events.IEventBus;
  /** Looks up the Organization's root at deploy time, for the whole Organization: the planner. */
  readonly planner: lambda.IFunction;
}

/**
 * Where the StackSet deploys: the listed organizational units, or the Organization's root, which
 * the planner looks up at deploy time (`Custom::OrganizationRoot`): its ID cannot be known at
 * synthesis without a call to AWS, and asking the user for it is one set-up step more.
 */
function deploymentUnits(scope: Construct, options: MemberStackSetOptions): string[] {
  const listed = options.organization.organizationalUnitIds;
  if (listed) return [...listed];
  const root = new CustomResource(scope, 'OrganizationRoot', {
    serviceToken: options.planner.functionArn,
    resourceType: 'Custom::OrganizationRoot',
    properties: { OrganizationId: options.organization.organizationId },
  });
  return [root.getAttString('RootId')];
}

/**
 * The StackSet that deploys the member template to every account of the listed organizational
 * units (and to accounts that join them), in every listed Region, from this account as the
 * StackSets delegated administrator. Every parameter comes from here: the user fills nothing.
 */
export function createMemberStackSet(scope: Construct, options: MemberStackSetOptions): CfnStackSet {
  const { organization } = options;
  const parameters: Record<(typeof MemberParameter)[keyof typeof MemberParameter], string> = {
    [MemberParameter.OrganizationId]: organization.organizationId,
    [MemberParameter.CentralAccountId]: Aws.ACCOUNT_ID,
    [MemberParameter.CentralBusArn]: options.centralBus.eventBusArn,
    [MemberParameter.RolePrefix]: organization.rolePrefix,
  };
  return new CfnStackSet(scope, 'MemberStackSet', {
    stackSetName: memberStackSetName(scope, organization.rolePrefix),
    description:
      'Maintenance window monitor, Organization members: forwards terminal maintenance window events to ' +
      'the central monitor and lets it read each Region',
    permissionModel: 'SERVICE_MANAGED',
    callAs: 'DELEGATED_ADMIN',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    capabilities: ['CAPABILITY_NAMED_IAM'],
    // Queue an update behind the operations auto-deployment starts as accounts join, instead of failing.
    managedExecution: { Active: true },
    // Regions are independent (every name carries its Region); a quarter of the accounts at a time,
    // going on past failures up to a tenth of them in a Region.
    operationPreferences: {
      regionConcurrencyType: 'PARALLEL',
      maxConcurrentPercentage: 25,
      failureTolerancePercentage: 10,
      concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    },
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: deploymentUnits(scope, options) },
        regions: [...organization.regions],
      },
    ],
    templateBody: memberTemplateBody({
      reporting: options.reporting,
      validations: organization.memberTemplateValidations,
      context: scope.node.getAllContext() as Record<string, unknown>,
    }),
    parameters: Object.entries(parameters).map(([parameterKey, parameterValue]) => ({
      parameterKey,
      parameterValue,
    })),
  });
}

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
import { Construct, type IDependable, Node } from 'constructs';
import { centralBusName, centralRoleNamePrefix, EnvVar, OrgMetricDetail } from '../contract';
import { grantPlanning } from './grants';
import { MemberParameter, memberTemplateBody } from './member-template';
import { MonitorFunction, serviceTimeoutFor } from './monitor-function';
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
 * the Organization's principals, in one statement (so an account that joins the Organization works
 * on its first day).
 */
export function createCentralBus(scope: Construct, organization: ResolvedOrganization): events.EventBus {
  const bus = new events.EventBus(scope, 'CentralEventBus', {
    eventBusName: centralBusName(organization.rolePrefix),
    description: 'Maintenance window events forwarded by the member accounts of the Organization',
  });
  const { policyDependable } = bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OrganizationMembersForwardSsmEvents',
      principals: [new iam.StarPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        // What the bus guarantees: only principals of the Organization put events on it.
        StringEquals: { 'aws:PrincipalOrgID': organization.organizationId },
        // Multivalued (a PutEvents call carries up to 10 entries): where the request carries
        // sources, every one must be SSM's, as EventBridge's own example for a central bus writes
        // it. ForAllValues is true when the key is absent, so this narrows what EventBridge
        // supplies the key for, and is no guarantee beyond the Organization condition above.
        'ForAllValues:StringEquals': { 'events:source': ['aws.ssm'] },
      },
    }),
  );
  quietUnsetPrincipal(policyDependable);
  return bus;
}

/**
 * cdk-nag's AwsSolutions-EVB1 reads every event bus policy's `principal`, a deprecated L1
 * property this policy leaves unset (it has a `statement`), and the deprecated getter prints a
 * warning on every synthesis. The getter is shadowed on this one resource by the value it would
 * return, unset, so that synthesis prints nothing; the template, rendered from the L1's own
 * fields, and cdk-nag's check of the statement are unchanged.
 */
function quietUnsetPrincipal(policy: IDependable | undefined): void {
  const resource = Construct.isConstruct(policy) ? Node.of(policy).defaultChild : undefined;
  if (!(resource instanceof events.CfnEventBusPolicy)) {
    throw new Error('The central bus has no event bus policy resource');
  }
  Object.defineProperty(resource, 'principal', { value: undefined, enumerable: false });
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

/** The share of a Region's stack instances that may fail without failing the StackSet operation. */
export const MEMBER_FAILURE_TOLERANCE_PERCENTAGE = 100;

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
  /** Answers `Custom::OrganizationRoot` at deploy time: the planner. */
  readonly planner: lambda.Function;
}

/** What the StackSet learns at deploy time: how to call StackSets, and the units it targets. */
interface StackSetTargets {
  /** `SELF` (the management account) or `DELEGATED_ADMIN`, as the planner found. */
  readonly callAs: string;
  readonly organizationalUnitIds: string[];
}

/**
 * Looked up by the planner at deploy time, before the StackSet (`Custom::OrganizationRoot`): how
 * this account may call StackSets (`CallAs`: `SELF` in the management account, `DELEGATED_ADMIN`
 * in a registered delegated administrator; anywhere else the resource fails, naming the command
 * that registers this account, and CloudFormation never tries the StackSet); and, unless units
 * are listed, the Organization's root: its ID cannot be known at synthesis without a call to
 * AWS, and asking the user for it is one set-up step more.
 */
function stackSetTargets(scope: Construct, options: MemberStackSetOptions): StackSetTargets {
  const listed = options.organization.organizationalUnitIds;
  const lookup = new CustomResource(scope, 'OrganizationRoot', {
    serviceToken: options.planner.functionArn,
    resourceType: 'Custom::OrganizationRoot',
    serviceTimeout: serviceTimeoutFor(options.planner),
    properties: {
      OrganizationId: options.organization.organizationId,
      ...(listed ? {} : { LookUpRoot: true }),
    },
  });
  return {
    callAs: lookup.getAttString('CallAs'),
    organizationalUnitIds: listed ? [...listed] : [lookup.getAttString('RootId')],
  };
}

/**
 * The StackSet that deploys the member template to every account of the listed organizational
 * units (and to accounts that join them), in every listed Region, from this account as the
 * management account or the StackSets delegated administrator (the StackSet itself lives in the
 * management account either way). Every parameter comes from here: the user fills nothing.
 */
export function createMemberStackSet(scope: Construct, options: MemberStackSetOptions): CfnStackSet {
  const { organization } = options;
  const targets = stackSetTargets(scope, options);
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
    callAs: targets.callAs,
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    capabilities: ['CAPABILITY_NAMED_IAM'],
    // Queue an update behind the operations auto-deployment starts as accounts join, instead of failing.
    managedExecution: { Active: true },
    // Regions are independent (every name carries its Region); a quarter of the accounts at a time.
    // Every failed instance is tolerated: any other tolerance rounds down to none in a Region of
    // few accounts, and one instance failing (a Region not enabled, an SCP, a role of that name
    // already there) would fail the StackSet and roll the whole central stack back. An account and
    // Region left without its roles is named by the monitor, which counts it unreachable.
    operationPreferences: {
      regionConcurrencyType: 'PARALLEL',
      maxConcurrentPercentage: 25,
      failureTolerancePercentage: MEMBER_FAILURE_TOLERANCE_PERCENTAGE,
      concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    },
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: targets.organizationalUnitIds },
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

/**
 * An Organization reach's central side, beside the monitor's usual pieces: the event bus the member
 * accounts forward to, the sweep planner and its queue of one assignment per member account, the
 * functions' environment, role names and reads through the member read roles.
 */
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable, Node } from 'constructs';
import { centralBusName, centralRoleNamePrefix, EnvVar, OrgMetricDetail, readRoleName } from '../../contract';
import { MonitorFunction } from '../monitor-function';
import { OrganizationMetricDetail } from '../props';
import type { ResolvedOrganization } from './organization-options';

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

/**
 * Assuming the read role of any member account and Region of the Organization (which trusts only
 * roles named for the central functions), and nothing of SSM here.
 */
export function grantMemberRead(role: iam.Role, organization: ResolvedOrganization): void {
  const readRoles = `arn:${Aws.PARTITION}:iam::*:role/${readRoleName(organization.rolePrefix, '*')}`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [readRoles],
      conditions: { StringEquals: { 'aws:ResourceOrgID': organization.organizationId } },
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${readRoleName(organization.rolePrefix, '*')}]`,
    reason:
      "sts:AssumeRole on the monitor's read role of every member account and Region: which accounts belong " +
      'to the Organization is not known at deploy time (accounts join and leave), so the account is "*"; ' +
      'the aws:ResourceOrgID condition keeps it inside the Organization, and each read role trusts only ' +
      "the central functions' roles.",
  });
}

/**
 * The sweep planner: listing the Organization's accounts (from the management account or the
 * delegated administrator), and queuing one assignment per account; at deploy time, finding how
 * this account may call StackSets. The queue is encrypted with SSE-SQS: no key to grant.
 */
function grantPlanning(role: iam.Role, sweepQueue: sqs.IQueue, byUnits: boolean): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        // At deploy time: whether this is the management account, else a StackSets delegated
        // administrator; every sweep: which account is the management account, its member stack not
        // deployed by the StackSet.
        'organizations:DescribeOrganization',
        'organizations:ListDelegatedAdministrators',
        ...(byUnits
          ? // The accounts of the listed units and of the units under them.
            ['organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent']
          : // Every account; ListRoots at deploy time, for a StackSet aimed at the whole Organization.
            ['organizations:ListAccounts', 'organizations:ListRoots']),
      ],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "The Organizations actions the planner calls are read-only, on the caller's own Organization; " +
      'DescribeOrganization, ListDelegatedAdministrators, ListAccounts and ListRoots support no resource ' +
      'type, and the ARNs of roots and units (for ListAccountsForParent and ListOrganizationalUnitsForParent) ' +
      'name the management account, which the stack does not know, so they are granted on "*".',
  });
  // SendMessageBatch is authorized by sqs:SendMessage.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [sweepQueue.queueArn] }),
  );
}

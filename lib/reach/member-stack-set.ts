/**
 * The StackSet that deploys the member template to the Organization's accounts and Regions, with
 * every parameter it needs from the central monitor.
 */
import { Aws, CfnStackSet, CustomResource, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { MemberParameter, memberTemplateBody } from '../member-template';
import { serviceTimeoutFor } from '../monitor-function';
import type { FailureCauses, Reporting } from '../props';
import type { ResolvedOrganization } from './organization-options';

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
  /** Whether the member read roles may read failure causes. */
  readonly failureCauses: FailureCauses;
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
      failureCauses: options.failureCauses,
      validations: organization.memberTemplateValidations,
      context: scope.node.getAllContext() as Record<string, unknown>,
    }),
    parameters: Object.entries(parameters).map(([parameterKey, parameterValue]) => ({
      parameterKey,
      parameterValue,
    })),
  });
}

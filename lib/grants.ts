/**
 * What the monitor's roles may do: exactly the calls each function makes, each cdk-nag
 * acknowledgement beside the statement it excuses.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { readRoleName } from '../contract';
import { LIMITS } from './props';

/** What the reporting code path touches, shared by the event handler and the sweep. */
export interface ReportingResources {
  readonly metricNamespace: string;
  readonly topics: readonly sns.ITopic[];
  readonly ledgerTable: dynamodb.ITable;
  /** Windows whose names may be read; any of the account's when undefined. */
  readonly namedWindows?: readonly string[];
  /**
   * Organization mode: SSM is read in the member accounts, through their read roles, and never
   * with the function's own role. Single-account mode when undefined.
   */
  readonly memberAccess?: MemberAccess;
}

/** Which member roles the central functions may assume. */
export interface MemberAccess {
  readonly organizationId: string;
  readonly rolePrefix: string;
}

const RESOURCE_STAR = 'AwsSolutions-IAM5[Resource::*]';

/** What reporting one execution needs: the calls the event handler and the sweep share. */
export function grantReporting(role: iam.Role, resources: ReportingResources, listTasks: boolean): void {
  if (resources.memberAccess) {
    grantMemberRead(role, resources.memberAccess);
  } else {
    grantLocalRead(role, resources, listTasks);
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': resources.metricNamespace } },
    }),
  );
  Validations.of(role).acknowledge({
    id: RESOURCE_STAR,
    reason: resources.memberAccess
      ? 'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition.'
      : 'The SSM DescribeMaintenanceWindow* actions support no resource type, so they need "*"; ' +
        'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition; ' +
        'cloudwatch:GetMetricData (the sweep reading seeded heartbeats back) supports no resource type either.',
  });
  // Not topic.grantPublish: it also grants kms:GenerateDataKey*, more than SNS needs to encrypt.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sns:Publish'],
      resources: resources.topics.map((topic) => topic.topicArn),
    }),
  );
  const keys = [...new Set(resources.topics.map((topic) => topic.masterKey?.keyArn))].filter(
    (arn): arn is string => arn !== undefined,
  );
  if (keys.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: keys }),
    );
  }
  // Conditional updates, and a read when one is refused (completed, or leased to another delivery).
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resources: [resources.ledgerTable.tableArn],
    }),
  );
}

/** Single-account mode: reading the run's tasks and invocations, and the window's name, here. */
function grantLocalRead(role: iam.Role, resources: ReportingResources, listTasks: boolean): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // Listing a window execution's tasks is needed only when reporting whole executions.
      actions: [
        ...(listTasks ? ['ssm:DescribeMaintenanceWindowExecutionTasks'] : []),
        'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
      ],
      resources: ['*'],
    }),
  );
  const windowArn = (windowId: string) =>
    stack.formatArn({ service: 'ssm', resource: 'maintenancewindow', resourceName: windowId });
  const listed = resources.namedWindows;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetMaintenanceWindow'],
      resources: listed ? listed.map(windowArn) : [windowArn('*')],
    }),
  );
  if (!listed) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]',
      reason:
        'ssm:GetMaintenanceWindow (read the name of the window for the alert) is limited to maintenance windows ' +
        'of this account and region; with no windowIds, which windows will run is not known at deploy time, and ' +
        `above ${LIMITS.maxWindowsInPattern} listed windows their ARNs would outgrow IAM's policy size limit.`,
    });
  }
}

/**
 * Organization mode: assuming the read role of any member account and Region of the Organization
 * (which trusts only roles named for the central functions), and nothing of SSM here.
 */
function grantMemberRead(role: iam.Role, access: MemberAccess): void {
  const readRoles = `arn:${Aws.PARTITION}:iam::*:role/${readRoleName(access.rolePrefix, '*')}`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [readRoles],
      conditions: { StringEquals: { 'aws:ResourceOrgID': access.organizationId } },
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${readRoleName(access.rolePrefix, '*')}]`,
    reason:
      "sts:AssumeRole on the monitor's read role of every member account and Region: which accounts belong " +
      'to the Organization is not known at deploy time (accounts join and leave), so the account is "*"; ' +
      'the aws:ResourceOrgID condition keeps it inside the Organization, and each read role trusts only ' +
      "the central functions' roles.",
  });
}

/** What the sweep adds: listing windows and their runs, and reading the ledger in batches. */
export function grantSweep(role: iam.Role, ledgerTable: dynamodb.ITable, memberAccess?: MemberAccess): void {
  // In Organization mode the sweep lists windows in the member accounts, with their read roles.
  if (!memberAccess) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:DescribeMaintenanceWindows', 'ssm:DescribeMaintenanceWindowExecutions'],
        resources: ['*'],
      }),
    );
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:BatchGetItem', 'dynamodb:DescribeTable'],
      resources: [ledgerTable.tableArn],
    }),
  );
}

/** What seeding heartbeats adds: reading them back (acknowledged with the role's other "*"). */
export function grantHeartbeatReadBack(role: iam.Role): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
  );
}

/**
 * The sweep planner: listing the Organization's accounts (from the management account or the
 * delegated administrator), and queuing one assignment per account; at deploy time, finding how
 * this account may call StackSets. The queue is encrypted with SSE-SQS: no key to grant.
 */
export function grantPlanning(role: iam.Role, sweepQueue: sqs.IQueue, byUnits: boolean): void {
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
    id: RESOURCE_STAR,
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

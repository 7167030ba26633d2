/**
 * What the monitor's roles may do: exactly the calls each function makes, each cdk-nag
 * acknowledgement beside the statement it excuses.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { LIMITS } from './props';

/** What the reporting code path touches, shared by the event handler and the sweep. */
export interface ReportingResources {
  readonly metricNamespace: string;
  readonly topics: readonly sns.ITopic[];
  readonly ledgerTable: dynamodb.ITable;
  /** Windows whose names may be read; any of the account's when undefined. */
  readonly namedWindows?: readonly string[];
}

const RESOURCE_STAR = 'AwsSolutions-IAM5[Resource::*]';

/** What reporting one execution needs: the calls the event handler and the sweep share. */
export function grantReporting(role: iam.Role, resources: ReportingResources, listTasks: boolean): void {
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
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': resources.metricNamespace } },
    }),
  );
  Validations.of(role).acknowledge({
    id: RESOURCE_STAR,
    reason:
      'The SSM DescribeMaintenanceWindow* actions support no resource type, so they need "*"; ' +
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

/** What the sweep adds: listing windows and their runs, and reading the ledger in batches. */
export function grantSweep(role: iam.Role, ledgerTable: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:DescribeMaintenanceWindows', 'ssm:DescribeMaintenanceWindowExecutions'],
      resources: ['*'],
    }),
  );
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

/**
 * What the monitor's roles may do, in every reach: exactly the calls each function makes, each
 * cdk-nag acknowledgement beside the statement it excuses (the reach grants its own reads).
 */
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { BoundReach } from './reach/binding';

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
export function grantReporting(
  role: iam.Role,
  resources: ReportingResources,
  reach: Pick<BoundReach, 'grantRead' | 'starReason'>,
  listTasks: boolean,
): void {
  reach.grantRead(role, resources.namedWindows, listTasks);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': resources.metricNamespace } },
    }),
  );
  Validations.of(role).acknowledge({
    id: RESOURCE_STAR,
    reason: reach.starReason,
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
export function grantSweep(
  role: iam.Role,
  ledgerTable: dynamodb.ITable,
  reach: Pick<BoundReach, 'grantSweepRead'>,
): void {
  // Listing windows and their runs: here, or (through the read roles) in the member accounts.
  reach.grantSweepRead(role);
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

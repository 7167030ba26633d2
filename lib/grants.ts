/**
 * What the monitor's roles may do, in every reach: exactly the calls each function makes, each
 * cdk-nag acknowledgement beside the statement it excuses (the reach grants its own reads).
 */
import { Aws, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CAUSE_READ_ACTIONS } from '../contract';
import type { BoundReach } from './reach/binding';

/** What the reporting code path touches, shared by the event handler and the sweep. */
export interface ReportingResources {
  readonly metricNamespace: string;
  readonly topics: readonly sns.ITopic[];
  readonly ledgerTable: dynamodb.ITable;
  /** Windows whose names may be read; any of the account's when undefined. */
  readonly namedWindows?: readonly string[];
  /** Whether failure causes are read (`FailureCauses.SUMMARY`). */
  readonly readCauses: boolean;
}

const RESOURCE_STAR = 'AwsSolutions-IAM5[Resource::*]';

/** What reporting one execution needs: the calls the event handler and the sweep share. */
export function grantReporting(
  role: iam.Role,
  resources: ReportingResources,
  reach: Pick<BoundReach, 'grantRead' | 'grantCauseRead' | 'starReason'>,
  listTasks: boolean,
): void {
  reach.grantRead(role, resources.namedWindows, listTasks);
  if (resources.readCauses) reach.grantCauseRead(role);
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

/**
 * The resource each cause read may name, in the account and Region of the role that makes it: the
 * command reads support no resource type; Automation and Step Functions executions do, but which
 * ones a run starts is not known at deploy time.
 */
const CAUSE_READ_RESOURCE: Record<(typeof CAUSE_READ_ACTIONS)[number], string> = {
  'ssm:ListCommandInvocations': '*',
  'ssm:GetCommandInvocation': '*',
  'ssm:GetAutomationExecution': `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:automation-execution/*`,
  'ssm:DescribeAutomationStepExecutions': `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:automation-execution/*`,
  'states:DescribeExecution': `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:*:*`,
};

/** The cdk-nag findings the cause reads' resources raise, each acknowledged with its reason. */
export const CAUSE_READ_ACKNOWLEDGEMENTS = [
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "ssm:ListCommandInvocations and ssm:GetCommandInvocation (the failed commands' output, for the alert's " +
      'causes) support no resource type, so they need "*"; they are granted only with failureCauses summary.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
    reason:
      "Reading a failed Automation task's execution (its failed step's message): which executions a run " +
      'starts is not known at deploy time, so any of this account and Region.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:*:*]',
    reason:
      "Reading a failed Step Functions task's execution (its error and cause): which state machines and " +
      'executions a run starts is not known at deploy time, so any of this account and Region.',
  },
];

/**
 * The statements that let a role read failure causes (`CAUSE_READ_ACTIONS`, exactly), one per
 * resource, each with `conditions` when given.
 */
export function causeReadStatements(conditions?: Record<string, unknown>): iam.PolicyStatement[] {
  const byResource = new Map<string, string[]>();
  for (const action of CAUSE_READ_ACTIONS) {
    const resource = CAUSE_READ_RESOURCE[action];
    byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
  }
  return [...byResource].map(
    ([resource, actions]) =>
      new iam.PolicyStatement({ actions, resources: [resource], ...(conditions ? { conditions } : {}) }),
  );
}

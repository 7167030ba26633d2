/**
 * The reach of one account and Region, the stack's: the functions read SSM here with their own
 * roles, the rule listens on the default bus, and the sweep runs on its schedule. Nothing of its
 * own to build, alarm on, graph or output.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type MetricMode, SINGLE_ACCOUNT } from '../../contract';
import { CAUSE_READ_ACKNOWLEDGEMENTS, causeReadStatements } from '../grants';
import { DEFAULTS, LIMITS } from '../props';
import type { BoundReach, BuiltReach } from './binding';

/** Binds the reach of the stack's own account and Region. */
export function bindAccountReach(): BoundReach {
  return {
    metricMode: SINGLE_ACCOUNT satisfies MetricMode,
    environment: {},
    sweep: {
      description: 'Reports maintenance window executions whose event never arrived',
      handler: 'sweep',
      // The next scheduled sweep is the retry.
      retryAttempts: 0,
    },
    grantRead: grantLocalRead,
    failureCauses: DEFAULTS.failureCauses.account,
    grantCauseRead(role) {
      for (const statement of causeReadStatements()) role.addToPrincipalPolicy(statement);
      Validations.of(role).acknowledge(...CAUSE_READ_ACKNOWLEDGEMENTS);
    },
    starReason:
      'The SSM DescribeMaintenanceWindow* actions support no resource type, so they need "*"; ' +
      'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition; ' +
      'cloudwatch:GetMetricData (the sweep reading seeded heartbeats back) supports no resource type either.',
    grantSweepRead(role) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:DescribeMaintenanceWindows', 'ssm:DescribeMaintenanceWindowExecutions'],
          resources: ['*'],
        }),
      );
    },
    build({ sweepFunction }): BuiltReach {
      return {
        sweepTrigger: sweepFunction,
        alarms: () => undefined,
        dashboardRows: () => [],
        deploy: () => undefined,
        outputs: {
          sweepFunctionDescription: 'Reports executions whose event never arrived; invoke it to sweep now',
          addTo: () => {},
        },
      };
    },
  };
}

/** Reading the run's tasks and invocations, and the window's name, here. */
function grantLocalRead(
  role: iam.Role,
  namedWindows: readonly string[] | undefined,
  listTasks: boolean,
): void {
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
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetMaintenanceWindow'],
      resources: namedWindows ? namedWindows.map(windowArn) : [windowArn('*')],
    }),
  );
  if (!namedWindows) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]',
      reason:
        'ssm:GetMaintenanceWindow (read the name of the window for the alert) is limited to maintenance windows ' +
        'of this account and region; with no windowIds, which windows will run is not known at deploy time, and ' +
        `above ${LIMITS.maxWindowsInPattern} listed windows their ARNs would outgrow IAM's policy size limit.`,
    });
  }
}

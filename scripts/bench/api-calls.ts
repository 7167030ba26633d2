/**
 * API calls per execution: the deployed handler's SSM, CloudWatch and SNS calls for 10 to 10,000
 * targets, against the minimum (one invocation page per 100 targets) and a naive monitor; failure
 * causes off (the module `causes` counts their reads).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { paginateDescribeMaintenanceWindowExecutionTaskInvocations, SSMClient } from '@aws-sdk/client-ssm';
import { CAUSES_OFF, runDeployed } from './fleet';
import { type BenchModule, ratio, row } from './measure';

/** A naive monitor: default page size, one PutMetricData per metric. For call counting only. */
async function naiveReport(
  endpoint: string,
  windowExecutionId: string,
  taskId: string,
  windowId: string,
): Promise<void> {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
  };
  const ssm = new SSMClient(config);
  const cloudWatch = new CloudWatchClient(config);
  const counts = { FailedInvocations: 0, TimedOutInvocations: 0, CancelledInvocations: 0, Invocations: 0 };
  for await (const page of paginateDescribeMaintenanceWindowExecutionTaskInvocations(
    { client: ssm },
    { WindowExecutionId: windowExecutionId, TaskId: taskId },
  )) {
    for (const invocation of page.WindowExecutionTaskInvocationIdentities ?? []) {
      counts.Invocations++;
      if (invocation.Status === 'FAILED') counts.FailedInvocations++;
      if (invocation.Status === 'TIMED_OUT') counts.TimedOutInvocations++;
      if (invocation.Status === 'CANCELLED') counts.CancelledInvocations++;
    }
  }
  for (const [name, value] of Object.entries(counts)) {
    for (const dimensions of [[{ Name: 'WindowId', Value: windowId }], []]) {
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'Naive',
          MetricData: [{ MetricName: name, Dimensions: dimensions, Value: value, Unit: 'Count' }],
        }),
      );
    }
  }
}

export const apiCalls: BenchModule = {
  name: 'api-calls',
  summary: 'AWS calls per execution for 10 to 10,000 targets, against the minimum and a naive monitor',
  async run({ out, fleet }) {
    const deployedFleet = await fleet();
    const { fake } = deployedFleet;
    out('API calls per execution (one RUN_COMMAND task, 5% of targets failed; no failure causes read)');
    const apiWidths = [9, 12, 12, 10, 12, 12, 14];
    out(row(['targets', 'SSM pages', 'minimum', 'SSM all', 'CloudWatch', 'SNS', 'naive SSM+CW'], apiWidths));
    for (const targets of [10, 1_000, 10_000]) {
      const deployed = await runDeployed(deployedFleet, targets, 0, { environment: CAUSES_OFF });
      const task = deployed.execution.tasks[0];
      fake.clearCalls();
      await naiveReport(
        fake.endpoint,
        deployed.execution.windowExecutionId,
        task?.taskExecutionId ?? '',
        deployed.execution.windowId,
      );
      const naive = fake.callsTo('ssm').length + fake.callsTo('monitoring').length;
      out(
        row(
          [
            targets,
            deployed.calls.invocationPages,
            Math.ceil(targets / 100),
            deployed.calls.ssm,
            deployed.calls.monitoring,
            deployed.calls.sns,
            `${naive} (${ratio(naive, deployed.calls.ssm + deployed.calls.monitoring)})`,
          ],
          apiWidths,
        ),
      );
    }
    out('  SSM all = the task list, the invocation pages and the window name (looked up only for an alert).');
    out();
  },
};

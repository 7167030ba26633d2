/**
 * The single-account deployment on the local endpoint, for the integration files: the endpoint
 * with the alert topic and one named window, a fresh ledger table for each test, and the deployed
 * bundle invoked as Lambda runs it (a fresh Node 24 process with the template's environment).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach } from 'vitest';
import { windowExecution, windowId } from '../../tools/fixtures';
import {
  type Invocation,
  type InvokeOptions,
  invokeBundle,
  resolveEnvironment,
} from '../../tools/lambda-runner/bundle';
import type { FakeTaskExecution, FakeWindowExecution, RecordedCall } from '../../tools/local-aws';
import { deployedFunction } from './deployed';
import { useLocalAws } from './local-aws';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-AlertTopic';
/** The name of `windowId()`, the window every seeded run belongs to unless told otherwise. */
export const WINDOW_NAME = 'patch-prod-linux';
export const SSM_LIST_INVOCATIONS = 'DescribeMaintenanceWindowExecutionTaskInvocations';
export const SCHEDULED = { 'detail-type': 'Scheduled Event', source: 'aws.events' };

export function useSingleAccount() {
  const aws = useLocalAws({ topics: [TOPIC_ARN] });
  let ledgerTable = '';
  const report = () => deployedFunction('account', 'index.handler');
  const sweep = () => deployedFunction('account', 'index.sweep');

  beforeAll(() => {
    aws.fake.addWindow({ windowId: windowId(), name: WINDOW_NAME });
  });
  beforeEach(async () => {
    aws.fake.clearCalls();
    ledgerTable = await aws.ledgerTable();
  });

  return {
    aws,
    report,
    sweep,
    get ledgerTable() {
      return ledgerTable;
    },
    /** A new, empty ledger: the next delivery is a first one again. */
    async freshLedger() {
      ledgerTable = await aws.ledgerTable();
    },
    /** Invokes the report function (or `handler`'s) with the template's environment and `overrides`. */
    invoke(
      event: unknown,
      overrides: Record<string, string> = {},
      handler: 'index.handler' | 'index.sweep' = 'index.handler',
      lambda: Pick<InvokeOptions, 'requestId' | 'end'> = {},
    ): Promise<Invocation> {
      const fn = handler === 'index.handler' ? report() : sweep();
      return invokeBundle({
        ...lambda,
        fn,
        event,
        endpoint: aws.fake.endpoint,
        // The template's variables resolved, and the overrides, including ones the template lacks.
        environment: {
          ...resolveEnvironment(fn, {
            ALERT_TOPIC_ARN: TOPIC_ARN,
            LEDGER_TABLE_NAME: ledgerTable,
            ...overrides,
          }),
          ...overrides,
        },
      });
    },
    /** A window execution the local SSM knows, run by the named window unless `window` says otherwise. */
    seed(tasks: FakeTaskExecution[], window = windowId()): FakeWindowExecution {
      const execution = windowExecution(tasks, window);
      aws.fake.addWindowExecution(execution);
      return execution;
    },
    /**
     * A run that ended after the ledger table was created (the sweep looks no further back), whose
     * event is lost: the sweep's to find.
     */
    async endedJustNow(tasks: FakeTaskExecution[], status: FakeWindowExecution['status'] = 'SUCCESS') {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const ended = Date.now() - 100;
      const execution = windowExecution(tasks, windowId(0x5eed), {
        status,
        startTime: new Date(ended - 500),
        endTime: new Date(ended),
      });
      aws.fake.addWindowExecution(execution);
      return execution;
    },
    /** A run's ledger item, as the ledger last wrote it. */
    async ledgerItem(windowExecutionId: string) {
      const { Item } = await aws.dynamo.client.send(
        new GetItemCommand({
          TableName: ledgerTable,
          Key: { pk: { S: `execution#${windowExecutionId}` } },
          ConsistentRead: true,
        }),
      );
      return Item;
    },
  };
}

/** The values of a PutMetricData call, by metric name (`/window` for the per-window series). */
export function metricValues(call: RecordedCall | undefined): Record<string, number> {
  const data = (call?.input.MetricData ?? []) as {
    MetricName: string;
    Dimensions: unknown[];
    Value: number;
  }[];
  return Object.fromEntries(
    data.map((datum) => [`${datum.MetricName}${datum.Dimensions.length ? '/window' : ''}`, datum.Value]),
  );
}

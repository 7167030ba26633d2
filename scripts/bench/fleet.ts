/**
 * The single-account fleet the bench measures: the synthesized app's event handler on the local
 * endpoint with dynalite as its DynamoDB, and one run of it over a window execution of any size.
 */
import { rm } from 'node:fs/promises';
import { executionEvent, type TaskOptions, taskExecution, windowExecution } from '../../tools/fixtures';
import {
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
} from '../../tools/lambda-runner/bundle';
import { synthesize } from '../../tools/lambda-runner/synth';
import { type FakeTaskExecution, LocalAws, type LocalDynamo, startDynamo } from '../../tools/local-aws';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bench';

/**
 * No failure causes read: the handler's work as measured before issue 18, so `api-calls` and
 * `handler` stay comparable with their earlier figures (`causes` measures what reading them adds).
 */
export const CAUSES_OFF = { FAILURE_CAUSES: 'off' } as const;

export interface Fleet {
  readonly fake: LocalAws;
  readonly dynamo: LocalDynamo;
  readonly fn: DeployedFunction;
  /** Stops the endpoint and DynamoDB and removes the cloud assembly. */
  stop(): Promise<void>;
}

/** Synthesizes the app (`cdk synth`) and starts the local endpoint and DynamoDB. */
export async function startFleet(): Promise<Fleet> {
  const assemblyDir = await synthesize();
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  const fn = deployedFunctions(assemblyDir).find(
    (candidate) => candidate.handler === 'index.handler',
  ) as DeployedFunction;
  fake.addTopic(TOPIC_ARN);
  fake.forwardDynamoDb(dynamo.endpoint);
  return {
    fake,
    dynamo,
    fn,
    async stop() {
      await fake.stop();
      await dynamo.stop();
      await rm(assemblyDir, { recursive: true, force: true });
    },
  };
}

/** What one run of the deployed handler is given beyond its fleet size. */
export interface RunOptions {
  /** Failed targets of the task. @default 5% of the targets */
  readonly failed?: number;
  /** The failed invocations' status details (`RAN_AND_FAILED`: their causes are read). @default several in turn */
  readonly invocationDetails?: TaskOptions['invocationDetails'];
  /** Registers what the failed targets ran (`seedCommandOutcomes`) before the run. */
  readonly seed?: (fake: LocalAws, task: FakeTaskExecution) => void;
  /** Variables set over the template's (`FAILURE_CAUSES`...). */
  readonly environment?: Record<string, string>;
}

/**
 * One run of the deployed handler over a RUN_COMMAND task of `targets` targets, 5% of them failed
 * unless told otherwise, with `latencyMs` on every AWS call; its time, peak memory and the calls it
 * made, by service and by action (`ssm:ListCommandInvocations`).
 */
export async function runDeployed(
  fleet: Fleet,
  targets: number,
  latencyMs: number,
  options: RunOptions = {},
) {
  const { fake, dynamo, fn } = fleet;
  const failed = options.failed ?? Math.round(targets * 0.05);
  const task = taskExecution(
    'RUN_COMMAND',
    { SUCCESS: targets - failed, FAILED: failed },
    options.invocationDetails ? { invocationDetails: options.invocationDetails } : {},
  );
  options.seed?.(fake, task);
  const execution = windowExecution([task]);
  fake.addWindowExecution(execution);
  fake.clearCalls();
  fake.latencyMs = latencyMs;
  const table = await dynamo.createLedgerTable();
  const overrides = options.environment ?? {};
  const run = await invokeBundle({
    fn,
    event: { batch: [{ event: executionEvent(execution), requestId: 'bench' }] },
    endpoint: fake.endpoint,
    environment: {
      ...resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: table, ...overrides }),
      ...overrides,
    },
  });
  fake.latencyMs = 0;
  const [outcome] = run.result as { ok: boolean; ms: number; cpuMs: number; error?: unknown }[];
  if (!outcome?.ok) throw new Error(`The bundle failed: ${JSON.stringify(outcome?.error ?? run.error)}`);
  const calls = { ssm: 0, monitoring: 0, sns: 0, dynamodb: 0, invocationPages: 0 };
  const actions: Record<string, number> = {};
  for (const call of fake.calls) {
    if (call.service in calls) calls[call.service as keyof typeof calls]++;
    if (call.operation === 'DescribeMaintenanceWindowExecutionTaskInvocations') calls.invocationPages++;
    const action = `${call.service}:${call.operation}`;
    actions[action] = (actions[action] ?? 0) + 1;
  }
  return {
    execution,
    ms: outcome.ms,
    cpuMs: outcome.cpuMs,
    maxRssKb: run.maxRssKb,
    calls,
    actions,
    alert: fake.published[0]?.message ?? '',
  };
}

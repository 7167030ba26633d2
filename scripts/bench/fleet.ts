/**
 * The single-account fleet the bench measures: the synthesized app's event handler on the local
 * endpoint with dynalite as its DynamoDB, and one run of it over a window execution of any size.
 */
import { rm } from 'node:fs/promises';
import { executionEvent, taskExecution, windowExecution } from '../../tools/fixtures';
import {
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
} from '../../tools/lambda-runner/bundle';
import { synthesize } from '../../tools/lambda-runner/synth';
import { LocalAws, type LocalDynamo, startDynamo } from '../../tools/local-aws';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bench';

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

/**
 * One run of the deployed handler over a RUN_COMMAND task of `targets` targets, 5% of them failed,
 * with `latencyMs` on every AWS call; its time, peak memory and the calls it made, by service.
 */
export async function runDeployed(fleet: Fleet, targets: number, latencyMs: number) {
  const { fake, dynamo, fn } = fleet;
  const failed = Math.round(targets * 0.05);
  const execution = windowExecution([
    taskExecution('RUN_COMMAND', { SUCCESS: targets - failed, FAILED: failed }),
  ]);
  fake.addWindowExecution(execution);
  fake.clearCalls();
  fake.latencyMs = latencyMs;
  const table = await dynamo.createLedgerTable();
  const run = await invokeBundle({
    fn,
    event: { batch: [{ event: executionEvent(execution), requestId: 'bench' }] },
    endpoint: fake.endpoint,
    environment: resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: table }),
  });
  const [outcome] = run.result as { ok: boolean; ms: number; cpuMs: number; error?: unknown }[];
  if (!outcome?.ok) throw new Error(`The bundle failed: ${JSON.stringify(outcome?.error ?? run.error)}`);
  const calls = { ssm: 0, monitoring: 0, sns: 0, dynamodb: 0, invocationPages: 0 };
  for (const call of fake.calls) {
    if (call.service in calls) calls[call.service as keyof typeof calls]++;
    if (call.operation === 'DescribeMaintenanceWindowExecutionTaskInvocations') calls.invocationPages++;
  }
  fake.latencyMs = 0;
  return { execution, ms: outcome.ms, cpuMs: outcome.cpuMs, maxRssKb: run.maxRssKb, calls };
}

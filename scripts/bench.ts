/**
 * `npm run bench`: cold start, API efficiency, handler time, memory and a cost model, each measured
 * side by side in one run against a baseline measured in the same run. Medians of repeated runs.
 * Not part of the tests: it takes about a minute and its numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { paginateDescribeMaintenanceWindowExecutionTaskInvocations, SSMClient } from '@aws-sdk/client-ssm';
import { type BuildOptions, build } from 'esbuild';
import {
  bundleBytes,
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
} from '../tools/lambda-runner/bundle';
import { PROJECT_ROOT, synthesize } from '../tools/lambda-runner/synth';
import {
  executionEvent,
  LocalAws,
  type LocalDynamo,
  startDynamo,
  taskExecution,
  windowExecution,
} from '../tools/local-aws';
import { BASELINE_ACCOUNTS, benchOrganization, DEFAULT_REGIONS } from './bench-org';
import { BUILD_OPTIONS } from './build-asset.mjs';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bench';
const COLD_STARTS = 15;
const RUNS = 3;
const MEMORY_GB = 0.25;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 12)).join(' ');
}

/** esbuild with the deployed function's options (those `scripts/build-asset.mjs` builds with). */
const DEPLOYED_OPTIONS: BuildOptions = { ...BUILD_OPTIONS, logLevel: 'silent' };

async function buildBundle(dir: string, entry: string, options: BuildOptions): Promise<string> {
  await build({ ...options, entryPoints: [entry], outfile: path.join(dir, 'index.js') });
  return dir;
}

/** Module init of `index.js` in `dir`, in a fresh Node process: ms from require to return. */
async function initMs(dir: string, env: Record<string, string>): Promise<number> {
  const script =
    'const t=performance.now();require(process.argv[1]);process.stdout.write(String(performance.now()-t))';
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, path.join(dir, 'index.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return Number(stdout);
}

interface Variant {
  readonly name: string;
  readonly dir: string;
  readonly what: string;
}

async function coldStarts(variants: Variant[], env: Record<string, string>): Promise<Map<string, number[]>> {
  const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  // Interleaved, so that a slow moment of the machine hits every variant alike.
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const variant of variants) samples.get(variant.name)?.push(await initMs(variant.dir, env));
  }
  return samples;
}

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

interface Fleet {
  readonly fake: LocalAws;
  readonly dynamo: LocalDynamo;
  readonly fn: DeployedFunction;
}

async function runDeployed(fleet: Fleet, targets: number, latencyMs: number) {
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

async function main(): Promise<void> {
  const started = performance.now();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`maintenance-window-monitor bench, ${new Date().toISOString()}`);
  out(
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; medians of ${COLD_STARTS} cold starts, ${RUNS} handler runs`,
  );
  out();

  const assemblyDir = await synthesize();
  const work = await mkdtemp(path.join(tmpdir(), 'mwm-bench-'));
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  try {
    const functions = deployedFunctions(assemblyDir);
    const fn = functions.find((candidate) => candidate.handler === 'index.handler') as DeployedFunction;
    fake.addTopic(TOPIC_ARN);
    fake.forwardDynamoDb(dynamo.endpoint);
    const fleet = { fake, dynamo, fn };

    // 1. Cold start: the deployed bundle against a floor and a naive build of the same code.
    const floorEntry = path.join(work, 'floor.ts');
    await writeFile(
      floorEntry,
      [
        "import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';",
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { SNSClient } from '@aws-sdk/client-sns';",
        "import { SSMClient } from '@aws-sdk/client-ssm';",
        // Organization mode's role assumption: part of the deployed bundle, so of its floor too.
        "import { STSClient } from '@aws-sdk/client-sts';",
        'export const clients = [new SSMClient({}), new CloudWatchClient({}), new SNSClient({}), new DynamoDBClient({}), new STSClient({})];',
        'export const handler = async () => clients.length;',
      ].join('\n'),
    );
    const floorDir = await buildBundle(path.join(work, 'floor'), floorEntry, {
      ...DEPLOYED_OPTIONS,
      nodePaths: [path.join(PROJECT_ROOT, 'node_modules')],
    });
    // NodejsFunction's defaults: CommonJS, esbuild's own main fields (main before module), no minification.
    const naiveDir = await buildBundle(
      path.join(work, 'naive'),
      path.join(PROJECT_ROOT, 'lambda', 'handler.ts'),
      {
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        logLevel: 'silent',
      },
    );
    const env = {
      ...resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: 'bench' }),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    const variants: Variant[] = [
      {
        name: 'floor',
        dir: floorDir,
        what: 'the 5 SDK clients only (SSM, CloudWatch, SNS, DynamoDB, STS), deployed build options',
      },
      { name: 'deployed', dir: fn.assetDir, what: 'the synthesized asset' },
      {
        name: 'naive',
        dir: naiveDir,
        what: 'NodejsFunction bundling defaults (no minify, esbuild main fields), the SDK bundled as here',
      },
    ];
    const samples = await coldStarts(variants, env);
    const floorInit = median(samples.get('floor') ?? []);
    const floorBytes = bundleBytes(floorDir);
    const widths = [10, 14, 12, 14, 12];
    out('Cold start (module init in a fresh Node process) and bundle size');
    out(row(['bundle', 'init ms', 'vs floor', 'size KB', 'vs floor'], widths));
    for (const variant of variants) {
      const init = median(samples.get(variant.name) ?? []);
      const bytes = bundleBytes(variant.dir);
      out(
        row(
          [
            variant.name,
            init.toFixed(1),
            ratio(init, floorInit),
            (bytes / 1024).toFixed(1),
            ratio(bytes, floorBytes),
          ],
          widths,
        ),
      );
    }
    for (const variant of variants) out(`  ${variant.name}: ${variant.what}`);
    out();

    // 2. API calls per execution, against the minimum and a naive implementation.
    out('API calls per execution (one RUN_COMMAND task, 5% of targets failed)');
    const apiWidths = [9, 12, 12, 10, 12, 12, 14];
    out(row(['targets', 'SSM pages', 'minimum', 'SSM all', 'CloudWatch', 'SNS', 'naive SSM+CW'], apiWidths));
    for (const targets of [10, 1_000, 10_000]) {
      const deployed = await runDeployed(fleet, targets, 0);
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

    // 3. Handler time with 20 ms per call, and peak memory as the fleet grows.
    out('Handler time (20 ms latency on every AWS call) and peak RSS of the process');
    const timeWidths = [9, 12, 11, 18, 13, 14];
    out(
      row(
        ['targets', 'handler ms', 'AWS calls', 'vs calls x 20 ms', 'peak RSS MB', 'RSS vs 1,000'],
        timeWidths,
      ),
    );
    const results = new Map<number, { ms: number; cpuMs: number; rss: number; calls: number }>();
    for (const targets of [1_000, 10_000]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runDeployed(fleet, targets, 20));
      const calls =
        Object.values(runs[0]?.calls ?? {}).reduce((sum, n) => sum + n, 0) -
        (runs[0]?.calls.invocationPages ?? 0);
      results.set(targets, {
        ms: median(runs.map((r) => r.ms)),
        cpuMs: median(runs.map((r) => r.cpuMs)),
        rss: median(runs.map((r) => r.maxRssKb / 1024)),
        calls,
      });
    }
    const base = results.get(1_000) as { ms: number; cpuMs: number; rss: number; calls: number };
    for (const [targets, result] of results) {
      out(
        row(
          [
            targets,
            result.ms.toFixed(0),
            result.calls,
            ratio(result.ms, result.calls * 20),
            result.rss.toFixed(1),
            ratio(result.rss, base.rss),
          ],
          timeWidths,
        ),
      );
    }
    out();

    // 4. Memory size: Lambda gives CPU in proportion to memory (1,769 MB = one vCPU). Waiting on
    // AWS is unaffected; CPU time stretches below one vCPU. An estimate from this machine's CPU.
    const large = results.get(10_000) as { ms: number; cpuMs: number; rss: number };
    out(
      `Memory size, estimated for 10,000 targets: ${large.cpuMs.toFixed(0)} ms CPU, ${(large.ms - large.cpuMs).toFixed(0)} ms waiting, peak RSS ${large.rss.toFixed(0)} MB`,
    );
    const memWidths = [9, 16, 16, 12];
    out(row(['memory', 'est. duration ms', 'GB-s per 1,000', 'RSS headroom'], memWidths));
    for (const memory of [128, 256, 512, 1024]) {
      const estimate = large.ms - large.cpuMs + large.cpuMs * Math.max(1, 1769 / memory);
      out(
        row(
          [
            `${memory} MB`,
            estimate.toFixed(0),
            ((estimate / 1000) * (memory / 1024) * 1000).toFixed(0),
            `${(memory / large.rss).toFixed(1)}x`,
          ],
          memWidths,
        ),
      );
    }
    out();

    // 5. Cost model.
    const perThousand = (ms: number) => ((ms / 1000) * MEMORY_GB * 1000).toFixed(1);
    out('Cost model per 1,000 executions (1,000 targets each, 20 ms per call; 256 MB)');
    out(
      `  Lambda: ${perThousand(base.ms)} GB-seconds (~$${((base.ms / 1000) * MEMORY_GB * 1000 * 0.0000133334).toFixed(4)} on arm64)`,
    );
    out(
      `  API requests: ${base.calls * 1000} (SSM, CloudWatch, SNS and DynamoDB), of which ${1000} PutMetricData`,
    );
    out(
      '  Custom metrics: 5 per window (WindowId) + 4 fleet-wide, billed only for the hours they are published',
    );
    out();

    // 6. Organization mode: the whole sweep of a simulated Organization.
    const org = await benchOrganization({
      accounts: Number(process.env.BENCH_ORG_ACCOUNTS ?? 1_000),
      regions: DEFAULT_REGIONS,
      activeEvery: 5,
      windowsPerActive: 5,
      containers: 10,
      latencyMs: 20,
    });
    const perContainer = Math.ceil(org.queued / org.options.containers);
    out(
      `Organization sweep: ${org.options.accounts} accounts x ${org.options.regions.length} Regions = ${org.targets} targets, ` +
        `${org.activeTargets} with ${org.options.windowsPerActive} windows (runs already reported); ` +
        `${org.options.containers} worker containers, ${org.options.latencyMs} ms per call`,
    );
    const orgWidths = [34, 14, 12];
    out(row(['measure', 'value', 'vs baseline'], orgWidths));
    const rssMax = Math.max(...org.containerRssMb);
    for (const [measure, value, baseline, against] of [
      ['wall time, s', org.wallMs / 1000, 3_600, 'the hourly schedule'],
      ['SSM calls per target, most', org.ssmPerTargetMax, org.ssmMinimum, '1 list + 1 per window'],
      ['AssumeRole per target', org.assumeRoles / org.targets, 1, 'one per credential lifetime'],
      [
        `peak RSS MB, ${perContainer} accounts`,
        rssMax,
        org.baselineRssMb,
        `a container of ${BASELINE_ACCOUNTS}`,
      ],
    ] as const) {
      out(
        `${row([measure, value.toFixed(value < 10 ? 2 : 0), ratio(value, baseline)], orgWidths)}  (${against})`,
      );
    }
    out(
      `  ${org.ssmCalls} SSM calls, ${org.assumeRoles} role assumptions, ${org.failedMessages} of ${org.queued} messages failed; ` +
        `calls: ${Object.entries(org.callsByAction)
          .map(([action, n]) => `${action} ${n}`)
          .join(', ')}`,
    );
    out();
    out(`bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await fake.stop();
    await dynamo.stop();
    await rm(work, { recursive: true, force: true });
    await rm(assemblyDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * The Organization sweep at scale: a simulated Organization (by default 1,000 accounts × 17
 * Regions, a fifth of the account-Regions with 5 windows each, every run of the look-back already
 * reported, as in steady state) on the local endpoint with a fixed latency per call; the
 * synthesized planner queues it and 10 warm containers of the synthesized sweep worker take the
 * queue, as Lambda's SQS event source with a maximum concurrency of 10 would. Measured against the
 * hourly schedule, the fewest SSM calls an account-Region needs, one role assumption per
 * account-Region, and a container that swept only `BASELINE_ACCOUNTS` accounts.
 */
import { rm } from 'node:fs/promises';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { memberReadRole, taskExecution, windowExecution, windowId } from '../../tools/fixtures';
import {
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
} from '../../tools/lambda-runner/bundle';
import { synthesize } from '../../tools/lambda-runner/synth';
import { LocalAws, LocalOrganizations, startDynamo } from '../../tools/local-aws';
import { type BenchModule, ratio, row } from './measure';

/** The 17 Regions enabled by default in a commercial account. */
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'sa-east-1',
];

export interface OrgBenchOptions {
  readonly accounts: number;
  readonly regions: readonly string[];
  /** Every `activeEvery`-th account-Region has windows. */
  readonly activeEvery: number;
  readonly windowsPerActive: number;
  /** Warm worker containers: the event source's maximum concurrency. */
  readonly containers: number;
  readonly latencyMs: number;
  /** Extra environment of the worker containers (e.g. NODE_OPTIONS), for experiments. */
  readonly workerEnv?: Record<string, string>;
}

export interface OrgBenchResult {
  readonly options: OrgBenchOptions;
  readonly accountRegions: number;
  /** The account-Regions with windows. */
  readonly activeAccountRegions: number;
  readonly queued: number;
  readonly failedMessages: number;
  readonly wallMs: number;
  /** SSM calls per account-Region: the most any account-Region received, and the minimum it needs. */
  readonly ssmCalls: number;
  readonly ssmPerAccountRegionMax: number;
  readonly ssmMinimum: number;
  readonly assumeRoles: number;
  readonly callsByAction: Record<string, number>;
  /** Peak RSS of each worker container, in MiB. */
  readonly containerRssMb: number[];
  /** Peak RSS of a container that swept only `BASELINE_ACCOUNTS` accounts, in MiB. */
  readonly baselineRssMb: number;
}

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bench-org';
/** Accounts of the container memory is compared with: a tenth of what each container sweeps at 1,000. */
export const BASELINE_ACCOUNTS = 10;

function accountIdOf(n: number): string {
  return `3${String(n).padStart(11, '0')}`;
}

/** One warm container handling `messages` in turn, as SQS events of one record each. */
async function workerContainer(
  fn: DeployedFunction,
  bodies: string[],
  endpoint: string,
  env: Record<string, string>,
) {
  return invokeBundle({
    fn,
    event: {
      batch: bodies.map((body, i) => ({
        event: { Records: [{ messageId: `m-${i}`, body, eventSource: 'aws:sqs' }] },
        requestId: `sweep-${i}`,
      })),
    },
    endpoint,
    environment: env,
  });
}

/**
 * The central stack's context for the bench: the whole Organization, named by the local endpoint's
 * own root (the planner lists the root's children, and any other ID is `ParentNotFoundException`).
 */
export function benchContext(regions: readonly string[]): Record<string, string> {
  return {
    organizationId: 'o-a1b2c3d4e5',
    regions: regions.join(','),
    organizationalUnitIds: LocalOrganizations.ROOT_ID,
  };
}

export async function benchOrganization(options: OrgBenchOptions): Promise<OrgBenchResult> {
  const assembly = await synthesize(benchContext(options.regions));
  const functions = deployedFunctions(assembly);
  const worker = functions.find((fn) => fn.handler === 'index.sweepAccount') as DeployedFunction;
  const planner = functions.find((fn) => fn.handler === 'index.plan') as DeployedFunction;
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  try {
    fake.addTopic(TOPIC_ARN);
    fake.forwardDynamoDb(dynamo.endpoint);
    const queueUrl = fake.queueUrl('sweep');
    fake.addQueue(queueUrl);
    const table = await dynamo.createLedgerTable();
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // The Organization: every account with its read role in every Region; a share of the
    // account-Regions with windows, each with a run that ended just now and was reported.
    const ended = new Date(Date.now() - 500);
    const completed: string[] = [];
    let accountRegions = 0;
    let activeAccountRegions = 0;
    for (let n = 1; n <= options.accounts; n++) {
      const accountId = accountIdOf(n);
      fake.addAccount({ accountId, name: `account-${n}` });
      for (const region of options.regions) {
        fake.addRole(accountId, memberReadRole(region), { regions: [region] });
        if (accountRegions++ % options.activeEvery !== 0) continue;
        activeAccountRegions++;
        for (let w = 0; w < options.windowsPerActive; w++) {
          const execution = windowExecution(
            [taskExecution('RUN_COMMAND', { SUCCESS: 10 })],
            windowId(activeAccountRegions * 16 + w),
            { startTime: new Date(ended.getTime() - 600_000), endTime: ended },
          );
          fake.addWindowExecution(execution, { accountId, region });
          completed.push(`execution#${execution.windowExecutionId}@${accountId}:${region}`);
        }
      }
    }
    for (let i = 0; i < completed.length; i += 25) {
      await dynamo.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: completed.slice(i, i + 25).map((pk) => ({
              PutRequest: { Item: { pk: { S: pk }, completedAt: { N: String(Date.now()) } } },
            })),
          },
        }),
      );
    }

    const values = {
      ALERT_TOPIC_ARN: TOPIC_ARN,
      LEDGER_TABLE_NAME: table,
      CENTRAL_ACCOUNT_ID: fake.centralAccountId,
      SWEEP_QUEUE_URL: queueUrl,
      // Runs that ended just now are in range (production waits 15 minutes for their events).
      SWEEP_GRACE_MINUTES: '0',
    };
    const plan = await invokeBundle({
      fn: planner,
      event: {},
      endpoint: fake.endpoint,
      environment: resolveEnvironment(planner, values),
    });
    if (!plan.ok) throw new Error(`The planner failed: ${JSON.stringify(plan.error)}`);
    const bodies = fake.sqsMessages.map((message) => message.body);
    // The central account is listed too, the local endpoint's management account by default: it has no
    // read roles here, so the sweep gives it the member-stack notice once (ADR 0009) and counts nothing.
    fake.clearCalls();
    fake.latencyMs = options.latencyMs;

    const env = { ...resolveEnvironment(worker, values), ...options.workerEnv };
    const shares = Array.from({ length: options.containers }, (_, c) =>
      bodies.filter((_, i) => i % options.containers === c),
    );
    const started = performance.now();
    const runs = await Promise.all(shares.map((share) => workerContainer(worker, share, fake.endpoint, env)));
    const wallMs = performance.now() - started;
    const calls = [...fake.calls];
    const assumeRoles = fake.assumedRoles.length;
    const baseline = await workerContainer(
      worker,
      bodies.slice(1, 1 + BASELINE_ACCOUNTS),
      fake.endpoint,
      env,
    );
    fake.latencyMs = 0;

    const outcomes = runs.flatMap(
      (run) => (run.result ?? []) as { ok: boolean; result?: { batchItemFailures?: unknown[] } }[],
    );
    const failedMessages = outcomes.filter(
      (o) => !o.ok || (o.result?.batchItemFailures?.length ?? 0) > 0,
    ).length;
    const ssm = calls.filter((call) => call.service === 'ssm');
    const perAccountRegion = new Map<string, number>();
    for (const call of ssm) {
      const where = `${call.accountId}/${call.region}`;
      perAccountRegion.set(where, (perAccountRegion.get(where) ?? 0) + 1);
    }
    const callsByAction: Record<string, number> = {};
    for (const call of calls) callsByAction[call.action] = (callsByAction[call.action] ?? 0) + 1;
    return {
      options,
      accountRegions,
      activeAccountRegions,
      queued: bodies.length,
      failedMessages,
      wallMs,
      ssmCalls: ssm.length,
      ssmPerAccountRegionMax: Math.max(...perAccountRegion.values()),
      ssmMinimum: 1 + options.windowsPerActive,
      assumeRoles,
      callsByAction,
      containerRssMb: runs.map((run) => run.maxRssKb / 1024),
      baselineRssMb: baseline.maxRssKb / 1024,
    };
  } finally {
    await fake.stop();
    await dynamo.stop();
    await rm(assembly, { recursive: true, force: true });
  }
}

export const organization: BenchModule = {
  name: 'organization',
  summary: 'the sweep of a simulated Organization (BENCH_ORG_ACCOUNTS accounts, default 1,000, x 17 Regions)',
  async run({ out }) {
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
      `Organization sweep: ${org.options.accounts} accounts x ${org.options.regions.length} Regions = ${org.accountRegions} account-Regions, ` +
        `${org.activeAccountRegions} with ${org.options.windowsPerActive} windows (runs already reported); ` +
        `${org.options.containers} worker containers, ${org.options.latencyMs} ms per call`,
    );
    const orgWidths = [36, 14, 12];
    out(row(['measure', 'value', 'vs baseline'], orgWidths));
    const rssMax = Math.max(...org.containerRssMb);
    for (const [measure, value, baseline, against] of [
      ['wall time, s', org.wallMs / 1000, 3_600, 'the hourly schedule'],
      [
        'SSM calls per account-Region, most',
        org.ssmPerAccountRegionMax,
        org.ssmMinimum,
        '1 list + 1 per window',
      ],
      [
        'AssumeRole per account-Region',
        org.assumeRoles / org.accountRegions,
        1,
        'one per credential lifetime',
      ],
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
  },
};

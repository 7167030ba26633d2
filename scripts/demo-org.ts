/**
 * `npm run demo:org`: what an operator of Organization mode gets, with no AWS account. Synthesizes
 * the central stack, then plays an Organization on the local AWS endpoint (three member accounts
 * and the central one, in two Regions): the events that reach the central bus (one is lost on the
 * way, one account has no read role in one Region), then the sweep the planner queues; all through
 * the synthesized bundles on Node 24. Prints what each account and Region gave, the metrics, the
 * calls made in each account, and one alert as subscribers receive it.
 */
import { rm } from 'node:fs/promises';
import {
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
} from '../tools/lambda-runner/bundle';
import { synthesize } from '../tools/lambda-runner/synth';
import { LocalAws, memberAccountId, memberReadRole, seedOrganization, startDynamo } from '../tools/local-aws';

/** The README's deploy command: the whole Organization (its root, looked up at deploy time). */
export const DEMO_CONTEXT = {
  organizationId: 'o-a1b2c3d4e5',
  regions: 'us-east-1,eu-west-1',
};
const REGIONS = DEMO_CONTEXT.regions.split(',');
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitorOrg-AlertTopic';

function functionOf(assemblyDir: string, handler: string): DeployedFunction {
  const fn = deployedFunctions(assemblyDir).find((candidate) => candidate.handler === handler);
  if (!fn) throw new Error(`No ${handler} function in the cloud assembly at ${assemblyDir}`);
  return fn;
}

/** Runs the demo against a cloud assembly of the central stack and returns what it prints. */
export async function runOrgDemo(assemblyDir: string): Promise<string> {
  const [report, planner, worker] = ['index.handler', 'index.plan', 'index.sweepAccount'].map((handler) =>
    functionOf(assemblyDir, handler),
  ) as [DeployedFunction, DeployedFunction, DeployedFunction];
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  try {
    fake.addTopic(TOPIC_ARN);
    fake.forwardDynamoDb(dynamo.endpoint);
    const queueUrl = fake.queueUrl('MaintenanceWindowMonitorOrg-SweepQueue');
    fake.addQueue(queueUrl);
    const values = {
      ALERT_TOPIC_ARN: TOPIC_ARN,
      LEDGER_TABLE_NAME: await dynamo.createLedgerTable(),
      CENTRAL_ACCOUNT_ID: fake.centralAccountId,
      SWEEP_QUEUE_URL: queueUrl,
      // The runs ended a second ago; in production the sweep leaves them 15 minutes for their events.
      SWEEP_GRACE_MINUTES: '0',
    };
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const targets = seedOrganization(fake, {
      accounts: 3,
      regions: REGIONS,
      endTime: new Date(Date.now() - 1_000),
    });
    for (const region of REGIONS)
      fake.addRole(fake.centralAccountId, memberReadRole(region), { regions: [region] });
    const [lost, missingRole] = [
      { accountId: memberAccountId(2), region: 'eu-west-1' },
      { accountId: memberAccountId(3), region: 'eu-west-1' },
    ];
    fake.removeRole(missingRole.accountId, memberReadRole(missingRole.region));
    const same = (a: { accountId: string; region: string }, b: { accountId: string; region: string }) =>
      a.accountId === b.accountId && a.region === b.region;

    const run = (fn: DeployedFunction, events: unknown[]) =>
      invokeBundle({
        fn,
        event: { batch: events.map((event, i) => ({ event, requestId: `demo-${i}` })) },
        endpoint: fake.endpoint,
        environment: resolveEnvironment(fn, values),
      });
    const delivered = targets.filter((t) => !same(t, lost));
    const events = await run(
      report,
      delivered.map((t) => t.event),
    );
    const afterEvents = fake.published.length;
    await run(planner, [{}]);
    const assignments = fake.sqsMessages.splice(0);
    const sweep = await run(
      worker,
      assignments.map((message) => ({ Records: [{ messageId: message.messageId, body: message.body }] })),
    );

    const out: string[] = [
      `Organization ${DEMO_CONTEXT.organizationId}: the central account ${fake.centralAccountId} and 3 member accounts, Regions ${REGIONS.join(', ')}`,
      `replayed through the synthesized bundles on Node ${events.nodeVersion}: ${report.handler}, ${planner.handler}, ${worker.handler}.`,
      '',
      `1. ${delivered.length} events reached the central bus (the one of ${lost.accountId}/${lost.region} was lost on the way);`,
      `   ${afterEvents} runs were reported and alerted from them.`,
      `2. The planner queued ${assignments.length} accounts; the sweep workers took them from the queue and`,
      `   reported ${fake.published.length - afterEvents} more run (its event never came).`,
      '',
      'What each account and Region gave:',
    ];
    const unreachableLogs = [...events.logs, ...sweep.logs].filter(
      (log) => log.level === 'ERROR' && log.target,
    );
    for (const t of targets) {
      const where = `${t.accountId}/${t.region}`;
      const alert = fake.published.find((message) => message.subject?.includes(`${where}:`));
      const how = fake.published.indexOf(alert as never) < afterEvents ? 'its event' : 'the sweep';
      out.push(
        alert
          ? `  ${where.padEnd(24)} ${t.failed} of ${20 + t.failed} targets failed, alerted once, reported by ${how}`
          : `  ${where.padEnd(24)} UNREACHABLE, named in ${unreachableLogs.filter((log) => log.target === where).length} error logs and counted in UnreachableTargets`,
      );
    }
    out.push('', 'AWS calls made, by account (member reads are signed with their read role):');
    const byAccount = new Map<string, Map<string, number>>();
    for (const call of fake.calls) {
      const account =
        call.accountId === fake.centralAccountId ? `${call.accountId} (central)` : call.accountId;
      const calls = byAccount.get(account) ?? new Map<string, number>();
      calls.set(call.action, (calls.get(call.action) ?? 0) + 1);
      byAccount.set(account, calls);
    }
    for (const [account, calls] of byAccount) {
      out.push(`  ${account}: ${[...calls].map(([action, n]) => `${n} ${action}`).join(', ')}`);
    }
    out.push(
      `  ${fake.assumedRoles.length} role assumptions, all signed for ${[...new Set(fake.assumedRoles.map((r) => r.signedRegion))].join(', ')}`,
      '',
      'Metrics published (fleet-wide, and per account only when something failed):',
    );
    const totals = new Map<string, number>();
    for (const datum of fake.metricData) {
      const key = `${datum.name.padEnd(24)} ${datum.dimensions || '(fleet-wide)'}`;
      totals.set(key, (totals.get(key) ?? 0) + datum.value);
    }
    for (const [key, value] of [...totals].sort())
      out.push(`  ${key.padEnd(60)} ${String(value).padStart(4)}`);

    const alert = fake.published[0];
    if (alert) {
      out.push(
        '',
        `One of the ${fake.published.length} alerts, as e-mail shows it:`,
        '-'.repeat(100),
        `Subject: ${alert.subject}`,
        '',
        alert.message.trimEnd(),
        '-'.repeat(100),
        `Message attributes delivered (for filter policies by account and Region): ${Object.entries(
          alert.deliveredAttributes,
        )
          .map(([name, value]) => `${name}=${value.StringValue}`)
          .join(', ')}`,
      );
    }
    return `${out.join('\n')}\n`;
  } finally {
    await fake.stop();
    await dynamo.stop();
  }
}

async function main(): Promise<void> {
  process.stderr.write('Synthesizing the central stack (cdk synth -c organizationId=...) ...\n');
  const assemblyDir = await synthesize(DEMO_CONTEXT);
  try {
    process.stdout.write(await runOrgDemo(assemblyDir));
  } finally {
    await rm(assemblyDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}

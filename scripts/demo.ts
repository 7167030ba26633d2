/**
 * `npm run demo`: what an operator gets, with no AWS account. Synthesizes the app, then replays a
 * realistic maintenance window run (500 targets over a Run Command patch task and an Automation
 * restart task, some failed and timed out) through the synthesized Lambda bundle against the
 * local AWS endpoint (with dynalite as its DynamoDB), and prints the metrics it published, the
 * alert e-mail it sent and the same alert as a chat card.
 */
import { rm } from 'node:fs/promises';
import { deployedFunctions, invokeBundle, resolveEnvironment } from '../tools/lambda-runner/bundle';
import { synthesize } from '../tools/lambda-runner/synth';
import {
  executionEvent,
  LocalAws,
  startDynamo,
  taskExecution,
  windowExecution,
  windowId,
} from '../tools/local-aws';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-AlertTopic';
/** The chat topic a stack with a Slack or Teams channel creates (and sets CHAT_TOPIC_ARN to). */
const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-ChatTopic';
/** The replayed run ended a few minutes ago: CloudWatch takes data points up to two weeks old. */
const ENDED = new Date(Date.now() - 4 * 60_000);

/** Runs the demo against an existing cloud assembly and returns what it prints. */
export async function runDemo(assemblyDir: string): Promise<string> {
  const fn = deployedFunctions(assemblyDir).find((candidate) => candidate.handler === 'index.handler');
  if (!fn) throw new Error(`No event handler function in the cloud assembly at ${assemblyDir}`);
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  try {
    fake.forwardDynamoDb(dynamo.endpoint);
    const ledgerTable = await dynamo.createLedgerTable();
    fake.addTopic(TOPIC_ARN);
    fake.addTopic(CHAT_TOPIC_ARN);
    fake.addWindow({ windowId: windowId(0xa11ce), name: 'patch-prod-linux' });
    const execution = windowExecution(
      [
        taskExecution('RUN_COMMAND', { SUCCESS: 283, FAILED: 12, TIMED_OUT: 5 }),
        taskExecution('AUTOMATION', { SUCCESS: 193, FAILED: 4, TIMED_OUT: 2, CANCELLED: 1 }),
      ],
      windowId(0xa11ce),
    );
    fake.addWindowExecution(execution);

    const run = await invokeBundle({
      fn,
      event: executionEvent(execution, 'SUCCESS', ENDED),
      endpoint: fake.endpoint,
      environment: {
        ...resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: ledgerTable }),
        CHAT_TOPIC_ARN,
      },
    });
    if (!run.ok) throw new Error(`The function failed: ${run.error?.name}: ${run.error?.message}`);

    const out: string[] = [];
    const calls = fake.calls.reduce<Record<string, number>>((count, call) => {
      const key = `${call.service}:${call.operation}`;
      count[key] = (count[key] ?? 0) + 1;
      return count;
    }, {});
    out.push(
      `Replayed window execution ${execution.windowExecutionId} of ${execution.windowId}`,
      `through ${fn.assetDir}/index.js on Node ${run.nodeVersion} (module init ${run.initMs?.toFixed(0)} ms).`,
      '',
      'AWS calls made:',
      ...Object.entries(calls).map(([call, n]) => `  ${String(n).padStart(3)}  ${call}`),
      '',
    );

    const [metrics] = fake.callsTo('monitoring', 'PutMetricData');
    const data = (metrics?.input.MetricData ?? []) as {
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
      Value: number;
      Unit: string;
      Timestamp: number;
    }[];
    out.push(`Metrics published to CloudWatch namespace ${String(metrics?.input.Namespace)}:`);
    for (const datum of data) {
      const dimensions = datum.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',') || '(fleet-wide)';
      out.push(
        `  ${datum.MetricName.padEnd(22)} ${dimensions.padEnd(30)} ${String(datum.Value).padStart(4)} ${datum.Unit}`,
      );
    }
    out.push(
      `  timestamped ${new Date((data[0]?.Timestamp ?? 0) * 1000).toISOString()} (the execution's end time)`,
      '',
    );

    const alert = fake.published.find((message) => message.topicArn === TOPIC_ARN);
    const card = fake.published.find((message) => message.topicArn === CHAT_TOPIC_ARN);
    if (alert) {
      out.push(
        `Alert sent to ${alert.topicArn} (e-mail shows this; every other protocol gets it as the message):`,
        '-'.repeat(100),
        `Subject: ${alert.subject}`,
        '',
        alert.message.trimEnd(),
        '-'.repeat(100),
        `Message attributes delivered to subscribers (for filter policies): ${Object.entries(
          alert.deliveredAttributes,
        )
          .map(([name, value]) => `${name}=${value.StringValue}`)
          .join(', ')}`,
        '',
      );
    }
    if (card) {
      out.push(
        `The same alert as Slack or Teams receive it, sent to the chat topic ${card.topicArn}`,
        '(created with a chat channel; an Amazon Q Developer custom notification):',
        '-'.repeat(100),
        JSON.stringify(JSON.parse(card.message), null, 2),
        '-'.repeat(100),
      );
    }
    return `${out.join('\n')}\n`;
  } finally {
    await fake.stop();
    await dynamo.stop();
  }
}

async function main(): Promise<void> {
  process.stderr.write('Synthesizing the app (cdk synth) ...\n');
  const assemblyDir = await synthesize();
  try {
    process.stdout.write(await runDemo(assemblyDir));
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

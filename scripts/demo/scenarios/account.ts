/**
 * The single-account demo (`npm run demo`): a realistic maintenance window run (500 targets over
 * a Run Command patch task and an Automation restart task, some failed and timed out, for the
 * reasons patching fails on real fleets) replayed through the synthesized event handler. Prints the
 * metrics it published, the alert e-mail it sent (the causes grouped) and the same alert as a chat
 * card.
 */

import {
  dpkgLock,
  executionEvent,
  executionTimedOut,
  launchInstanceUnauthorized,
  noSpaceLeft,
  payloadDownloadFailed,
  RAN_AND_FAILED,
  seedAutomationOutcomes,
  seedCommandOutcomes,
  taskExecution,
  windowExecution,
  windowId,
} from '../../../tools/fixtures';
import type { FakeWindowExecution } from '../../../tools/local-aws';
import { attributesOf, emailOf, RULE, type Scenario } from '../scenario';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-AlertTopic';
/** The chat topic a stack with a Slack or Teams channel creates (and sets CHAT_TOPIC_ARN to). */
const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitor-ChatTopic';
const HANDLER = 'index.handler';

interface Datum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
  Unit: string;
  Timestamp: number;
}

export const account: Scenario<
  FakeWindowExecution,
  { execution: FakeWindowExecution; nodeVersion: string; initMs?: number }
> = {
  name: 'account',
  summary: 'one account: a 500-target run replayed through the event handler (the default)',
  context: {},
  synthesizing: 'Synthesizing the app (cdk synth) ...',

  async seed({ aws }) {
    aws.addTopic(TOPIC_ARN);
    aws.addTopic(CHAT_TOPIC_ARN);
    aws.addWindow({ windowId: windowId(0xa11ce), name: 'patch-prod-linux' });
    // Targets that ran and failed (some fleets also show undelivered ones: their cause needs no read).
    const patch = taskExecution(
      'RUN_COMMAND',
      { SUCCESS: 283, FAILED: 12, TIMED_OUT: 5 },
      { invocationDetails: RAN_AND_FAILED },
    );
    const restart = taskExecution('AUTOMATION', { SUCCESS: 193, FAILED: 4, TIMED_OUT: 2, CANCELLED: 1 });
    // Why they failed, where AWS keeps it: most nodes found dpkg locked by unattended-upgrades.
    seedCommandOutcomes(aws, patch, (invocation, index) =>
      invocation.Status === 'TIMED_OUT'
        ? executionTimedOut(invocation)
        : index % 6 === 5
          ? noSpaceLeft(invocation)
          : index % 6 === 4
            ? payloadDownloadFailed(invocation)
            : dpkgLock(invocation),
    );
    seedAutomationOutcomes(aws, restart, launchInstanceUnauthorized);
    const execution = windowExecution([patch, restart], windowId(0xa11ce));
    aws.addWindowExecution(execution);
    return execution;
  },

  async play(stage, execution) {
    // The replayed run ended a few minutes ago: CloudWatch takes data points up to two weeks old.
    const ended = new Date(Date.now() - 4 * 60_000);
    const run = await stage.invoke(
      HANDLER,
      executionEvent(execution, 'SUCCESS', ended),
      { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: stage.ledgerTable },
      { CHAT_TOPIC_ARN },
    );
    if (!run.ok) throw new Error(`The function failed: ${run.error?.name}: ${run.error?.message}`);
    return { execution, nodeVersion: run.nodeVersion, initMs: run.initMs };
  },

  print({ aws, fn }, { execution, nodeVersion, initMs }) {
    const calls = aws.calls.reduce<Record<string, number>>((count, call) => {
      const key = `${call.service}:${call.operation}`;
      count[key] = (count[key] ?? 0) + 1;
      return count;
    }, {});
    const out = [
      `Replayed window execution ${execution.windowExecutionId} of ${execution.windowId}`,
      `through ${fn(HANDLER).assetDir}/index.js on Node ${nodeVersion} (module init ${initMs?.toFixed(0)} ms).`,
      '',
      'AWS calls made:',
      ...Object.entries(calls).map(([call, n]) => `  ${String(n).padStart(3)}  ${call}`),
      '',
    ];

    const [metrics] = aws.callsTo('monitoring', 'PutMetricData');
    const data = (metrics?.input.MetricData ?? []) as Datum[];
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

    const alert = aws.published.find((message) => message.topicArn === TOPIC_ARN);
    const card = aws.published.find((message) => message.topicArn === CHAT_TOPIC_ARN);
    if (alert) {
      out.push(
        `Alert sent to ${alert.topicArn} (e-mail shows this; every other protocol gets it as the message):`,
        ...emailOf(alert),
        `Message attributes delivered to subscribers (for filter policies): ${attributesOf(alert)}`,
        '',
      );
    }
    if (card) {
      out.push(
        `The same alert as Slack or Teams receive it, sent to the chat topic ${card.topicArn}`,
        '(created with a chat channel; an Amazon Q Developer custom notification):',
        RULE,
        JSON.stringify(JSON.parse(card.message), null, 2),
        RULE,
      );
    }
    return out;
  },
};

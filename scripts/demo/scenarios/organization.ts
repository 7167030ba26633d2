/**
 * The Organization demo (`npm run demo -- organization`, or `npm run demo:org`): the central stack
 * and an Organization on the local endpoint (three member accounts and the central one, in two
 * Regions). The events that reach the central bus (one is lost on the way, one account has no read
 * role in one Region), then the sweep the planner queues; all through the synthesized bundles on
 * Node 24. Prints what each account-Region gave, the metrics, the calls made in each account, and
 * one alert as subscribers receive it.
 */

import {
  memberAccountId,
  memberReadRole,
  ORGANIZATION_CONTEXT,
  type SeededAccountRegion,
  seedOrganization,
} from '../../../tools/fixtures';
import type { Invocation } from '../../../tools/lambda-runner/bundle';
import { attributesOf, emailOf, type Scenario } from '../scenario';

const REGIONS = ORGANIZATION_CONTEXT.regions.split(',');
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitorOrg-AlertTopic';
const [REPORT, PLANNER, WORKER] = ['index.handler', 'index.plan', 'index.sweepAccount'] as const;

interface AccountRegion {
  readonly accountId: string;
  readonly region: string;
}

const same = (a: AccountRegion, b: AccountRegion) => a.accountId === b.accountId && a.region === b.region;

interface Seeded {
  readonly accountRegions: SeededAccountRegion[];
  readonly values: Record<string, string>;
}

interface Played {
  readonly accountRegions: SeededAccountRegion[];
  readonly lost: AccountRegion;
  readonly delivered: number;
  /** Alerts published from the events, before the sweep. */
  readonly afterEvents: number;
  readonly queued: number;
  readonly events: Invocation;
  readonly sweep: Invocation;
}

/** The event of this account-Region never reaches the central bus. */
const LOST: AccountRegion = { accountId: memberAccountId(2), region: 'eu-west-1' };
/** This account has no read role in this Region. */
const MISSING_ROLE: AccountRegion = { accountId: memberAccountId(3), region: 'eu-west-1' };

const batchOf = (events: unknown[]) => ({
  batch: events.map((event, i) => ({ event, requestId: `demo-${i}` })),
});

export const organization: Scenario<Seeded, Played> = {
  name: 'organization',
  summary: 'Organization mode: three member accounts in two Regions, a lost event, a missing role',
  context: ORGANIZATION_CONTEXT,
  synthesizing: 'Synthesizing the central stack (cdk synth -c organizationId=...) ...',

  async seed({ aws, ledgerTable }) {
    aws.addTopic(TOPIC_ARN);
    const queueUrl = aws.queueUrl('MaintenanceWindowMonitorOrg-SweepQueue');
    aws.addQueue(queueUrl);
    const values = {
      ALERT_TOPIC_ARN: TOPIC_ARN,
      LEDGER_TABLE_NAME: ledgerTable,
      CENTRAL_ACCOUNT_ID: aws.centralAccountId,
      SWEEP_QUEUE_URL: queueUrl,
      // The runs ended a second ago; in production the sweep leaves them 15 minutes for their events.
      SWEEP_GRACE_MINUTES: '0',
    };
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const accountRegions = seedOrganization(aws, {
      accounts: 3,
      regions: REGIONS,
      endTime: new Date(Date.now() - 1_000),
    });
    for (const region of REGIONS)
      aws.addRole(aws.centralAccountId, memberReadRole(region), { regions: [region] });
    aws.removeRole(MISSING_ROLE.accountId, memberReadRole(MISSING_ROLE.region));
    return { accountRegions, values };
  },

  async play({ aws, invoke }, { accountRegions, values }) {
    const delivered = accountRegions.filter((t) => !same(t, LOST));
    const events = await invoke(REPORT, batchOf(delivered.map((t) => t.event)), values);
    const afterEvents = aws.published.length;
    await invoke(PLANNER, batchOf([{}]), values);
    const assignments = aws.sqsMessages.splice(0);
    const sweep = await invoke(
      WORKER,
      batchOf(
        assignments.map((message) => ({ Records: [{ messageId: message.messageId, body: message.body }] })),
      ),
      values,
    );
    return {
      accountRegions,
      lost: LOST,
      delivered: delivered.length,
      afterEvents,
      queued: assignments.length,
      events,
      sweep,
    };
  },

  print({ aws }, { accountRegions, lost, delivered, afterEvents, queued, events, sweep }) {
    const out: string[] = [
      `Organization ${ORGANIZATION_CONTEXT.organizationId}: the central account ${aws.centralAccountId} and 3 member accounts, Regions ${REGIONS.join(', ')}`,
      `replayed through the synthesized bundles on Node ${events.nodeVersion}: ${REPORT}, ${PLANNER}, ${WORKER}.`,
      '',
      `1. ${delivered} events reached the central bus (the one of ${lost.accountId}/${lost.region} was lost on the way);`,
      `   ${afterEvents} runs were reported and alerted from them.`,
      `2. The planner queued ${queued} accounts; the sweep workers took them from the queue and`,
      `   reported ${aws.published.length - afterEvents} more run (its event never came).`,
      '',
      'What each account and Region gave:',
    ];
    const unreachableLogs = [...events.logs, ...sweep.logs].filter(
      (log) => log.level === 'ERROR' && log.target,
    );
    for (const t of accountRegions) {
      const where = `${t.accountId}/${t.region}`;
      const alert = aws.published.find((message) => message.subject?.includes(`${where}:`));
      const how = aws.published.indexOf(alert as never) < afterEvents ? 'its event' : 'the sweep';
      out.push(
        alert
          ? `  ${where.padEnd(24)} ${t.failed} of ${20 + t.failed} targets failed, alerted once, reported by ${how}`
          : `  ${where.padEnd(24)} UNREACHABLE, named in ${unreachableLogs.filter((log) => log.target === where).length} error logs and counted in UnreachableTargets`,
      );
    }
    out.push('', 'AWS calls made, by account (member reads are signed with their read role):');
    const byAccount = new Map<string, Map<string, number>>();
    for (const call of aws.calls) {
      const account =
        call.accountId === aws.centralAccountId ? `${call.accountId} (central)` : call.accountId;
      const calls = byAccount.get(account) ?? new Map<string, number>();
      calls.set(call.action, (calls.get(call.action) ?? 0) + 1);
      byAccount.set(account, calls);
    }
    for (const [account, calls] of byAccount) {
      out.push(`  ${account}: ${[...calls].map(([action, n]) => `${n} ${action}`).join(', ')}`);
    }
    out.push(
      `  ${aws.assumedRoles.length} role assumptions, all signed for ${[...new Set(aws.assumedRoles.map((r) => r.signedRegion))].join(', ')}`,
      '',
      'Metrics published (fleet-wide, and per account only when something failed):',
    );
    const totals = new Map<string, number>();
    for (const datum of aws.metricData) {
      const key = `${datum.name.padEnd(24)} ${datum.dimensions || '(fleet-wide)'}`;
      totals.set(key, (totals.get(key) ?? 0) + datum.value);
    }
    for (const [key, value] of [...totals].sort())
      out.push(`  ${key.padEnd(60)} ${String(value).padStart(4)}`);

    const alert = aws.published[0];
    if (alert) {
      out.push(
        '',
        `One of the ${aws.published.length} alerts, as e-mail shows it:`,
        ...emailOf(alert),
        `Message attributes delivered (for filter policies by account and Region): ${attributesOf(alert)}`,
      );
    }
    return out;
  },
};

/**
 * Organization mode end to end, through the synthesized central stack's bundles on Node 24: three
 * member accounts (and the central one) in two Regions on the local endpoint (STS, SSM per account
 * and Region, Organizations, SQS), the events that reach the central bus, the planner and two
 * rounds of the sweep workers. One event is lost, one delivered twice, one account has no read
 * role in one Region, and one account's SSM throttles. Registered once per file that asserts on it.
 */
import { beforeAll } from 'vitest';
import {
  memberAccountId,
  memberReadRole,
  ORGANIZATION_CONTEXT,
  type SeededAccountRegion,
  seedOrganization,
} from '../../tools/fixtures';
import {
  type DeployedFunction,
  type Invocation,
  invokeBundle,
  resolveEnvironment,
} from '../../tools/lambda-runner/bundle';
import { deployedFunction } from './deployed';
import { type LocalAwsHandle, useLocalAws } from './local-aws';

export const REGIONS = ORGANIZATION_CONTEXT.regions.split(',');
export const ORGANIZATION_TOPIC_ARN =
  'arn:aws:sns:us-east-1:123456789012:MaintenanceWindowMonitorOrg-AlertTopic';
export const [A, B, D] = [memberAccountId(1), memberAccountId(2), memberAccountId(3)];

/** The central stack's functions (of the Organization opted in to failure causes: `organization-causes`). */
export const centralFunctions = (reach: 'organization' | 'organization-causes' = 'organization') => ({
  report: deployedFunction(reach, 'index.handler'),
  worker: deployedFunction(reach, 'index.sweepAccount'),
  planner: deployedFunction(reach, 'index.plan'),
});

/** One warm container of `fn` handling `events` in turn, on `aws`'s endpoint. */
export function warmContainer(
  aws: LocalAwsHandle,
  fn: DeployedFunction,
  events: unknown[],
  environment: Record<string, string>,
  tag = '',
): Promise<Invocation> {
  return invokeBundle({
    fn,
    event: { batch: events.map((event, i) => ({ event, requestId: `${fn.handler}${tag}-${i}` })) },
    endpoint: aws.fake.endpoint,
    environment: resolveEnvironment(fn, environment),
  });
}

/** What SQS delivers to a sweep worker for one message. */
export function sqsEvent(body: string, messageId: string) {
  return { Records: [{ messageId, body, eventSource: 'aws:sqs', attributes: {}, messageAttributes: {} }] };
}

type Outcome = { ok: boolean; result?: unknown; error?: { name: string; message: string } };
/** The outcome of each event a warm container handled. */
export const outcomes = (invocation: Invocation | undefined) => (invocation?.result ?? []) as Outcome[];

/** The central account's environment on `aws`'s endpoint, for a fresh ledger table. */
export async function centralEnvironment(aws: LocalAwsHandle): Promise<Record<string, string>> {
  return {
    ALERT_TOPIC_ARN: ORGANIZATION_TOPIC_ARN,
    LEDGER_TABLE_NAME: await aws.ledgerTable(),
    CENTRAL_ACCOUNT_ID: aws.fake.centralAccountId,
    SWEEP_QUEUE_URL: aws.queueUrls.sweep as string,
    // The runs ended a second ago: without this the sweep would leave them to their events for
    // the 15 minutes of grace it gives them in production.
    SWEEP_GRACE_MINUTES: '0',
  };
}

export interface OrganizationRun {
  readonly aws: LocalAwsHandle;
  /** Every account-Region seeded, with its run and its event. */
  seeded: SeededAccountRegion[];
  events?: Invocation;
  plan?: Invocation;
  readonly sweeps: Invocation[];
  /** The seeded account-Region `accountId`/`region`. */
  at(accountId: string, region: string): SeededAccountRegion;
}

/** Starts the endpoint for the file and plays the Organization's run before its tests. */
export function useOrganizationRun(): OrganizationRun {
  const aws = useLocalAws({ topics: [ORGANIZATION_TOPIC_ARN], queues: ['sweep'] });
  const run: OrganizationRun = {
    aws,
    seeded: [],
    sweeps: [],
    at(accountId, region) {
      const found = run.seeded.find((t) => t.accountId === accountId && t.region === region);
      if (!found) throw new Error(`No seeded account-Region ${accountId}/${region}`);
      return found;
    },
  };
  beforeAll(async () => {
    const { report, worker, planner } = centralFunctions();
    const fake = aws.fake;
    const environment = await centralEnvironment(aws);
    // The runs end after the ledger exists (the sweep looks no further back than its creation).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    run.seeded = seedOrganization(fake, {
      accounts: 3,
      regions: REGIONS,
      endTime: new Date(Date.now() - 1_000),
    });
    // The central account is a member too (the StackSet reaches it): its read roles exist, no runs.
    for (const region of REGIONS)
      fake.addRole(fake.centralAccountId, memberReadRole(region), { regions: [region] });
    fake.removeRole(D, memberReadRole('eu-west-1'));
    // A's us-east-1 SSM throttles every third call; the SDK's retries absorb it.
    fake.failEveryNth({ service: 'ssm', everyNth: 3, accountId: A, region: 'us-east-1' });

    // 1. The events that reach the central bus: B/eu-west-1's is lost, A/eu-west-1's comes twice
    //    (with two IDs, as a cross-Region forward gives it), D/eu-west-1's cannot be read.
    const delivered = run.seeded.filter((t) => !(t.accountId === B && t.region === 'eu-west-1'));
    const duplicate = { ...run.at(A, 'eu-west-1').event, id: '0a0a0a0a-0000-4000-8000-00000000d0b1' };
    run.events = await warmContainer(aws, report, [...delivered.map((t) => t.event), duplicate], environment);

    // 2. The planner queues the accounts; 3. the workers sweep them, twice.
    run.plan = await warmContainer(aws, planner, [{}], environment);
    for (let round = 0; round < 2; round++) {
      const messages = fake.sqsMessages.splice(0);
      run.sweeps.push(
        await warmContainer(
          aws,
          worker,
          messages.map((message) => sqsEvent(message.body, message.messageId)),
          environment,
        ),
      );
      if (round === 0) run.plan = await warmContainer(aws, planner, [{}], environment);
    }
  }, 300_000);
  return run;
}

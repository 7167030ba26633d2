/**
 * The monitor's runtime: its settings, clients, ledger, SSM reader, logger and clock, built once per
 * container by `createRuntime` (the bundle's entry points build the default one at cold start;
 * tests build their own, with fakes where they need them). This is the one place that knows the
 * two reaches: it picks the reader (the function's own client, or the member accounts' read roles),
 * the reach's values, and the scheduled sweep's work (the home account-Region, or none where the
 * planner queues it).
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { SINGLE_ACCOUNT } from '../../contract';
import { type Config, readConfig, readSweepSettings, type SweepSettings } from '../adapters/config';
import { Ledger } from '../adapters/ledger';
import { MemberReader } from '../adapters/member-reader';
import { HomeReader, type SsmReader } from '../adapters/ssm-reader';
import { type Clock, systemClock } from '../clock';
import type { AccountRegion } from '../core/account-region';
import type { Reach } from '../core/reach';
import type { Clients, ReportDeps } from '../core/report-event';

export interface Runtime {
  readonly config: Config;
  readonly clients: Clients;
  readonly ledger: Ledger;
  readonly reader: SsmReader;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The reach, for an invocation of this function (its account is the home one's). */
  reachOf(context: Pick<Context, 'invokedFunctionArn'>): Reach;
  /** The scheduled sweep's account-Region: the home one, or none where the planner queues the sweep. */
  scheduledSweepOf(reach: Reach): AccountRegion | undefined;
  /** The sweep's own settings, read on its first run (the event handler does not need them). */
  sweepSettings(): SweepSettings;
}

/** What a test may put in place of the real thing. */
export type RuntimeOverrides = Partial<
  Pick<Runtime, 'clients' | 'ledger' | 'reader' | 'logger' | 'clock'> & { readonly sts: STSClient }
>;

// Throttling is retried with the SDK's exponential backoff and jitter; more attempts than the
// default three ride out a burst of window executions hitting SSM at once.
const CLIENT_CONFIG = { maxAttempts: 8 };

/** The account of a function ARN, `arn:<partition>:lambda:<Region>:<account>:function:<name>`. */
function accountOfFunction(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** Builds the monitor's runtime from its environment; a missing or malformed setting fails, naming it. */
export function createRuntime(env: NodeJS.ProcessEnv, overrides: RuntimeOverrides = {}): Runtime {
  const config = readConfig(env);
  const clients = overrides.clients ?? {
    ssm: new SSMClient(CLIENT_CONFIG),
    cloudWatch: new CloudWatchClient(CLIENT_CONFIG),
    sns: new SNSClient(CLIENT_CONFIG),
  };
  const ledger =
    overrides.ledger ??
    new Ledger(new DynamoDBClient(CLIENT_CONFIG), config.ledgerTableName, config.ledgerRetentionSeconds);
  const organization = config.organization;
  // An Organization's accounts are read through their read roles, assumed in this Region.
  const reader =
    overrides.reader ??
    (organization
      ? new MemberReader({
          sts: overrides.sts ?? new STSClient({ ...CLIENT_CONFIG, region: config.region }),
          partition: config.partition,
          rolePrefix: organization.rolePrefix,
          ssmConfig: CLIENT_CONFIG,
        })
      : new HomeReader(clients.ssm));
  let reach: Reach | undefined;
  let sweepSettings: SweepSettings | undefined;
  return {
    config,
    clients,
    ledger,
    reader,
    logger: overrides.logger ?? new Logger(),
    clock: overrides.clock ?? systemClock,
    reachOf(context) {
      reach ??= organization
        ? {
            home: organization.home,
            eventOrigin: 'envelope',
            series: organization.metricDetail,
            namesAccountRegions: true,
            announcements: {
              organizationId: organization.organizationId,
              rolePrefix: organization.rolePrefix,
            },
          }
        : (() => {
            const home = { accountId: accountOfFunction(context.invokedFunctionArn), region: config.region };
            return { home, eventOrigin: home, series: SINGLE_ACCOUNT, namesAccountRegions: false };
          })();
      return reach;
    },
    scheduledSweepOf: (of) => (organization ? undefined : of.home),
    sweepSettings: () => {
      sweepSettings ??= readSweepSettings(env);
      return sweepSettings;
    },
  };
}

/** A lease outlives the invocation that took it, so it cannot expire while that invocation runs. */
const LEASE_MARGIN_MS = 30_000;
/** Stop retrying ledger writes this long before the invocation times out. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * What reporting needs, for one invocation. Its owner is unique to the attempt (two copies of one
 * event never share a lease) and starts with the request ID, which Lambda keeps when it retries an
 * invocation that failed or timed out: an event delivery (`'event'`) therefore takes over at once
 * the lease an earlier attempt of its own invocation left when it died, while the lease of any
 * other delivery stays untouched until it expires. The sweeps keep to the latter.
 */
export function reportDeps(runtime: Runtime, context: Context, entry: 'event' | 'sweep'): ReportDeps {
  const attempts = `${context.awsRequestId}/`;
  const { clients, config, logger, ledger, reader, clock } = runtime;
  return {
    clients,
    config,
    logger,
    ledger,
    reader,
    clock,
    reach: runtime.reachOf(context),
    delivery: {
      owner: `${attempts}${randomUUID()}`,
      leaseMs: () => context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      deadline: () => clock.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
      ...(entry === 'event' ? { earlierAttempts: attempts } : {}),
    },
  };
}

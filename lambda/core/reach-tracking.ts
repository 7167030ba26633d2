/**
 * What a sweep of an account keeps of its Regions' reach: what the ledger knew before, the changes
 * it found (recorded, each won by one caller, and announced), the account-Regions whose runs keep
 * arriving only through the sweep (their event path is broken), and the counts of both.
 */
import { OrgMetricName, type SweepAssignment } from '../../contract';
import { putMetrics } from '../adapters/aws';
import { describeError } from '../adapters/errors';
import type { Reachability } from '../adapters/ledger';
import { systemClock } from '../clock';
import { type AccountRegion, accountRegionLabel, accountRegionScope } from './account-region';
import type { ReachCause } from './alert/reachability';
import { reachCountPayload } from './metric-data';
import { ANNOUNCE_LEASE_MS, announce, type PendingChange } from './reachability';
import type { ReportDeps } from './report-event';
import type { AccountSweepOptions, AccountSweepOutcome } from './sweep';

/** Runs of an account-Region in a row reported only by the sweep, from which its event path counts as broken. */
export const BROKEN_AFTER_SWEEP_ONLY_RUNS = 2;

/**
 * What the ledger knows of each Region's reach, by Region: one read for the account. Without it
 * (`undefined`, with a warning), changes to unreachable are still recorded (their writes are
 * conditional), recoveries wait a sweep.
 */
export async function readReach(
  deps: ReportDeps,
  assignment: SweepAssignment,
): Promise<Map<string, Reachability> | undefined> {
  const scopeOf = (region: string) => accountRegionScope({ accountId: assignment.accountId, region });
  try {
    const known = await deps.ledger.reachability(assignment.regions.map(scopeOf));
    return new Map(
      assignment.regions.flatMap((region) => {
        const state = known.get(scopeOf(region));
        return state ? [[region, state] as const] : [];
      }),
    );
  } catch (error: unknown) {
    deps.logger.warn('Could not read what the ledger knows of the Regions; recoveries are noted next sweep', {
      error: describeError(error),
    });
    return undefined;
  }
}

/** Names, in the log, the Regions the sweep could not read and those whose event path is broken. */
export function logReach(deps: ReportDeps, accountId: string, outcome: AccountSweepOutcome): void {
  const { logger } = deps;
  for (const { region, reason, cause } of outcome.unreachable) {
    logger.error('Cannot read a member account: its runs are not reported until this is fixed', {
      target: accountRegionLabel({ accountId, region }),
      reason,
      cause,
    });
  }
  for (const region of outcome.notDeployed) {
    logger.warn('The management account has no member stack here: its runs are not reported (no alarm)', {
      target: accountRegionLabel({ accountId, region }),
    });
  }
}

/** Names, in the log, the Regions whose last runs came only through the sweep. */
export function logEventPathBroken(deps: ReportDeps, accountId: string, outcome: AccountSweepOutcome): void {
  for (const region of outcome.eventPathBroken) {
    deps.logger.error(
      `The last ${BROKEN_AFTER_SWEEP_ONLY_RUNS} or more runs of a member account arrived only through the sweep: ` +
        'its events do not reach the central bus (member rule deleted or disabled, forwarder role, a policy)',
      { target: accountRegionLabel({ accountId, region }) },
    );
  }
}

/**
 * Records the changes of reach this sweep found (each won by one caller only) and announces them,
 * one message per account and direction (and for the management account's missing member stack,
 * one notice); sends the announcements an earlier sender failed to send; keeps the records of
 * targets that stay unreachable, and of the management account's reach, from expiring.
 */
export async function noteReach(
  deps: ReportDeps,
  assignment: SweepAssignment,
  outcome: AccountSweepOutcome,
  stateOf: (region: string) => Reachability | undefined,
  reporting: AccountSweepOptions['reporting'],
): Promise<void> {
  const { ledger } = deps;
  const accountId = assignment.accountId;
  const scopeOf = (region: string) => accountRegionScope({ accountId, region });
  const now = (deps.clock ?? systemClock).now();
  // A record is refreshed when less than half of its time to live is left.
  const aging = (state: Reachability | undefined) =>
    state?.expiresAt === undefined || state.expiresAt * 1000 - now < ledger.retentionMs / 2;
  const down: PendingChange[] = [];
  const notices: PendingChange[] = [];
  const up: PendingChange[] = [];
  const handled = new Set<string>();

  const unreachable = [
    ...outcome.unreachable.map(({ region, cause }) => ({ region, cause: cause as ReachCause })),
    ...outcome.notDeployed.map((region) => ({ region, cause: 'not-deployed' as ReachCause })),
  ];
  for (const { region, cause } of unreachable) {
    const before = stateOf(region);
    if (before?.reach === 'unreachable') {
      if (aging(before)) await ledger.keepReachability(scopeOf(region));
      continue;
    }
    const state = await ledger.markUnreachable(scopeOf(region), cause, ANNOUNCE_LEASE_MS);
    if (!state) continue;
    handled.add(region);
    (cause === 'not-deployed' ? notices : down).push({ region, state });
  }
  for (const region of outcome.swept) {
    const before = stateOf(region);
    if (before?.reach === 'unreachable') {
      const state = await ledger.markReachable(scopeOf(region), ANNOUNCE_LEASE_MS);
      if (state && state !== 'quiet') {
        handled.add(region);
        up.push({ region, state });
      }
      if (state) continue;
    }
    // Only the management account's reach matters once it was readable: keep that record.
    if (assignment.management && (before?.reachedAt === undefined || aging(before)))
      await ledger.recordReached(scopeOf(region));
  }
  // Announcements whose sender failed (a refused publish, a timeout): sent now, once.
  for (const region of assignment.regions) {
    const before = stateOf(region);
    if (handled.has(region) || !before?.announce) continue;
    if ((before.announceLeaseUntil ?? 0) >= now) continue;
    const state = await ledger.claimAnnouncement(scopeOf(region), ANNOUNCE_LEASE_MS);
    if (!state?.announce) continue;
    const change = { region, state };
    if (state.announce === 'up') up.push(change);
    else if (state.cause === 'not-deployed') notices.push(change);
    else down.push(change);
  }
  for (const [direction, changes] of [
    ['down', down],
    ['down', notices],
    ['up', up],
  ] as const) {
    if (await announce(deps, accountId, direction, changes, reporting)) outcome.announcements += 1;
  }
}

/**
 * Records that `runs` runs of `accountRegion` came only through the sweep, and says whether its
 * event path now counts as broken. The bookkeeping must not fail a sweep that did its work.
 */
export async function sweptOnly(
  deps: ReportDeps,
  accountRegion: AccountRegion,
  runs: number,
): Promise<boolean> {
  let inARow = 0;
  try {
    for (let run = 0; run < runs; run++) {
      inARow = await deps.ledger.recordReportedBy(accountRegionScope(accountRegion), 'sweep');
    }
  } catch (error: unknown) {
    deps.logger.warn('Could not record runs that came only through the sweep', {
      target: accountRegionLabel(accountRegion),
      error: describeError(error),
    });
  }
  return inARow >= BROKEN_AFTER_SWEEP_ONLY_RUNS;
}

/** Counts of unreachable and broken account-Regions, fleet-wide; nothing when both are zero. */
export async function publishReachCounts(deps: ReportDeps, outcome: AccountSweepOutcome): Promise<void> {
  const payload = reachCountPayload(deps.config.metricNamespace, {
    [OrgMetricName.UnreachableTargets]: outcome.unreachable.length,
    [OrgMetricName.EventPathBrokenTargets]: outcome.eventPathBroken.length,
  });
  if (payload.MetricData.length > 0) await putMetrics(deps.clients.cloudWatch, payload);
}

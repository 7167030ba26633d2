/**
 * Organization mode's sweep worker: one queued assignment (an account and its Regions) swept
 * Region by Region, at most a few at once so one account's SSM rate budget is not spent in a
 * burst. A target that cannot be read is named and counted, never retried in a loop and never
 * in the way of the others; a target whose runs keep arriving only through the sweep is named as
 * having a broken event path.
 */

import { ACCOUNT_ID_PATTERN, OrgMetricName, REGION_PATTERN, type SweepAssignment } from '../contract';
import type { ReachCause } from './alert/reachability';
import { putMetrics } from './aws';
import { systemClock } from './clock';
import { describeError } from './errors';
import type { Reachability } from './ledger';
import { unreachableCause } from './member-access';
import { targetCountPayload } from './metric-data';
import { ANNOUNCE_LEASE_MS, announce, type PendingChange } from './reachability';
import type { ReportDeps } from './report-event';
import { type SweepOptions, sweep } from './sweep';
import { type Target, targetLabel, targetScope } from './target';

/** The queued message is not an assignment the planner writes; redelivering it cannot help. */
export class InvalidAssignmentError extends Error {
  override readonly name = 'InvalidAssignmentError';
}

/** Reads one queued assignment, naming what is wrong with it. */
export function parseAssignment(body: string): SweepAssignment {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidAssignmentError('The sweep assignment is not JSON');
  }
  const { accountId, accountName, regions, management } = (value ?? {}) as Record<string, unknown>;
  if (typeof accountId !== 'string' || !ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new InvalidAssignmentError(
      `The sweep assignment's accountId must be 12 digits, got ${JSON.stringify(accountId)}`,
    );
  }
  if (
    !Array.isArray(regions) ||
    regions.length === 0 ||
    !regions.every((region) => typeof region === 'string' && REGION_PATTERN.test(region))
  ) {
    throw new InvalidAssignmentError(
      `The sweep assignment's regions must be a list of Regions, got ${JSON.stringify(regions)}`,
    );
  }
  if (accountName !== undefined && typeof accountName !== 'string') {
    throw new InvalidAssignmentError("The sweep assignment's accountName must be a string");
  }
  if (management !== undefined && typeof management !== 'boolean') {
    throw new InvalidAssignmentError("The sweep assignment's management must be true or false");
  }
  return {
    accountId,
    regions,
    ...(accountName ? { accountName } : {}),
    ...(management ? { management } : {}),
  };
}

/** What sweeping one account did, Region by Region. */
export interface AccountSweepOutcome {
  readonly accountId: string;
  /** Regions swept to the end. */
  readonly swept: string[];
  /** Runs reported by this sweep (their events never arrived). */
  reported: number;
  /** Regions that cannot be read, and why: counted in `UnreachableTargets`. */
  readonly unreachable: { region: string; reason: string; cause: ReachCause }[];
  /**
   * The management account's Regions that have never been readable: its member stack is not
   * deployed there. Noticed once, counted in no alarm.
   */
  readonly notDeployed: string[];
  /** Messages this sweep published about changes of reach (each for one or more Regions). */
  announcements: number;
  /** Regions whose last runs all came through the sweep: counted in `EventPathBrokenTargets`. */
  readonly eventPathBroken: string[];
  /** Regions that failed for a reason that may pass (throttling, a fault): the message is retried. */
  readonly failed: { region: string; error: string }[];
}

/** Runs of a target in a row reported only by the sweep, from which its event path counts as broken. */
export const BROKEN_AFTER_SWEEP_ONLY_RUNS = 2;
/** Regions of one account swept at once: each spends that account's SSM budget in that Region. */
const REGIONS_AT_ONCE = 4;

export type AccountSweepOptions = Omit<SweepOptions, 'target' | 'windowIds'>;

export async function sweepAccount(
  assignment: SweepAssignment,
  deps: ReportDeps,
  options: AccountSweepOptions,
): Promise<AccountSweepOutcome> {
  const { logger, ledger } = deps;
  const outcome: AccountSweepOutcome = {
    accountId: assignment.accountId,
    swept: [],
    reported: 0,
    unreachable: [],
    notDeployed: [],
    announcements: 0,
    eventPathBroken: [],
    failed: [],
  };
  const scopeOf = (region: string) => targetScope({ accountId: assignment.accountId, region });
  // What the ledger knows of each Region's reach: one read for the account. Without it, changes
  // to unreachable are still recorded (their writes are conditional), recoveries wait a sweep.
  let known: Map<string, Reachability> | undefined;
  try {
    known = await ledger.reachability(assignment.regions.map(scopeOf));
  } catch (error: unknown) {
    logger.warn('Could not read what the ledger knows of the Regions; recoveries are noted next sweep', {
      error: describeError(error),
    });
  }
  const stateOf = (region: string) => known?.get(scopeOf(region));
  if (assignment.accountName) {
    await ledger.recordAccountName(assignment.accountId, assignment.accountName).catch((error: unknown) => {
      logger.warn('Could not record the account name; alerts name the account by ID', {
        error: describeError(error),
      });
    });
  }

  const sweepRegion = async (region: string): Promise<void> => {
    const target: Target = { accountId: assignment.accountId, region };
    try {
      const report = await sweep(deps, { ...options, target });
      outcome.swept.push(region);
      outcome.reported += report.reported.length;
      if (await sweptOnly(deps, target, report.reportedRuns.length)) outcome.eventPathBroken.push(region);
    } catch (error: unknown) {
      const cause = unreachableCause(error);
      if (!cause) outcome.failed.push({ region, error: describeError(error) });
      // StackSets never deploy to the management account: until it was ever readable, a refusal
      // there means its member stack is not deployed, which is a notice, not a breakage.
      else if (assignment.management && known && stateOf(region)?.reachedAt === undefined)
        outcome.notDeployed.push(region);
      else outcome.unreachable.push({ region, reason: describeError(error), cause });
    }
  };
  const queue = [...assignment.regions];
  await Promise.all(
    Array.from({ length: Math.min(REGIONS_AT_ONCE, queue.length) }, async () => {
      for (let region = queue.shift(); region; region = queue.shift()) await sweepRegion(region);
    }),
  );

  for (const { region, reason, cause } of outcome.unreachable) {
    logger.error('Cannot read a member account: its runs are not reported until this is fixed', {
      target: targetLabel({ accountId: assignment.accountId, region }),
      reason,
      cause,
    });
  }
  for (const region of outcome.notDeployed) {
    logger.warn('The management account has no member stack here: its runs are not reported (no alarm)', {
      target: targetLabel({ accountId: assignment.accountId, region }),
    });
  }
  await noteReach(deps, assignment, outcome, stateOf, options.reporting).catch((error: unknown) => {
    logger.warn('Could not record or announce changes of reach; the next sweep tries again', {
      error: describeError(error),
    });
  });
  for (const region of outcome.eventPathBroken) {
    logger.error(
      `The last ${BROKEN_AFTER_SWEEP_ONLY_RUNS} or more runs of a member account arrived only through the sweep: ` +
        'its events do not reach the central bus (member rule deleted or disabled, forwarder role, a policy)',
      { target: targetLabel({ accountId: assignment.accountId, region }) },
    );
  }
  await publishTargetCounts(deps, outcome).catch((error: unknown) => {
    logger.warn('Could not count the unreachable and broken targets; the logs above name them', {
      error: describeError(error),
    });
  });
  return outcome;
}

/**
 * Records the changes of reach this sweep found (each won by one caller only) and announces them,
 * one message per account and direction (and for the management account's missing member stack,
 * one notice); sends the announcements an earlier sender failed to send; keeps the records of
 * targets that stay unreachable, and of the management account's reach, from expiring.
 */
async function noteReach(
  deps: ReportDeps,
  assignment: SweepAssignment,
  outcome: AccountSweepOutcome,
  stateOf: (region: string) => Reachability | undefined,
  reporting: AccountSweepOptions['reporting'],
): Promise<void> {
  const { ledger } = deps;
  const accountId = assignment.accountId;
  const scopeOf = (region: string) => targetScope({ accountId, region });
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
 * Records that `runs` runs of `target` came only through the sweep, and says whether its event
 * path now counts as broken. The bookkeeping must not fail a sweep that did its work.
 */
async function sweptOnly(deps: ReportDeps, target: Target, runs: number): Promise<boolean> {
  let inARow = 0;
  try {
    for (let run = 0; run < runs; run++) {
      inARow = await deps.ledger.recordReportedBy(targetScope(target), 'sweep');
    }
  } catch (error: unknown) {
    deps.logger.warn('Could not record runs that came only through the sweep', {
      target: targetLabel(target),
      error: describeError(error),
    });
  }
  return inARow >= BROKEN_AFTER_SWEEP_ONLY_RUNS;
}

/** Counts of unreachable and broken targets, fleet-wide; nothing when both are zero. */
async function publishTargetCounts(deps: ReportDeps, outcome: AccountSweepOutcome): Promise<void> {
  const payload = targetCountPayload(deps.config.metricNamespace, {
    [OrgMetricName.UnreachableTargets]: outcome.unreachable.length,
    [OrgMetricName.EventPathBrokenTargets]: outcome.eventPathBroken.length,
  });
  if (payload.MetricData.length > 0) await putMetrics(deps.clients.cloudWatch, payload);
}

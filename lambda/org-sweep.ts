/**
 * Organization mode's sweep worker: one queued assignment (an account and its Regions) swept
 * Region by Region, at most a few at once so one account's SSM rate budget is not spent in a
 * burst. A target that cannot be read is named and counted, never retried in a loop and never
 * in the way of the others; a target whose runs keep arriving only through the sweep is named as
 * having a broken event path.
 */
import { putMetrics } from './aws';
import { ACCOUNT_ID_PATTERN, OrgMetricName, REGION_PATTERN, type SweepAssignment } from './contract';
import { describeError } from './errors';
import { isUnreachable } from './member-access';
import { targetCountPayload } from './metric-data';
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
  const { accountId, accountName, regions } = (value ?? {}) as Record<string, unknown>;
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
  return { accountId, regions, ...(accountName ? { accountName } : {}) };
}

/** What sweeping one account did, Region by Region. */
export interface AccountSweepOutcome {
  readonly accountId: string;
  /** Regions swept to the end. */
  readonly swept: string[];
  /** Runs reported by this sweep (their events never arrived). */
  reported: number;
  /** Regions that cannot be read, and why: counted in `UnreachableTargets`. */
  readonly unreachable: { region: string; reason: string }[];
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
    eventPathBroken: [],
    failed: [],
  };
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
      if (isUnreachable(error)) outcome.unreachable.push({ region, reason: describeError(error) });
      else outcome.failed.push({ region, error: describeError(error) });
    }
  };
  const queue = [...assignment.regions];
  await Promise.all(
    Array.from({ length: Math.min(REGIONS_AT_ONCE, queue.length) }, async () => {
      for (let region = queue.shift(); region; region = queue.shift()) await sweepRegion(region);
    }),
  );

  for (const { region, reason } of outcome.unreachable) {
    logger.error('Cannot read a member account: its runs are not reported until this is fixed', {
      target: targetLabel({ accountId: assignment.accountId, region }),
      reason,
    });
  }
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

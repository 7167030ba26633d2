/**
 * The entry point `index.sweep`: on a schedule, sweeps the home account-Region (where the planner
 * queues the sweep account by account, `index.sweepAccount` does it instead); at deploy time, as a
 * CloudFormation custom resource, seeds the listed windows' heartbeats.
 */
import type { Context } from 'aws-lambda';
import { isDeployRequest } from '../adapters/deploy-request';
import { type AccountSweepOptions, type SweepReport, sweepAccountRegion } from '../core/sweep';
import type { Runtime } from './runtime';
import { reportDeps } from './runtime';
import { seedHandler } from './seed-heartbeats';

/** Finish starting reports this long before the function times out. */
const SWEEP_SAFETY_MS = 60_000;

/** The options of a sweep starting `now`, from the sweep's settings (read on its first run). */
export function sweepOptions(runtime: Runtime, context: Context, now: number): AccountSweepOptions {
  const settings = runtime.sweepSettings();
  return {
    lookbackMs: settings.lookbackMinutes * 60_000,
    graceMs: settings.graceMinutes * 60_000,
    reporting: settings.reporting,
    deadline: now + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MS,
    now,
  };
}

export function sweepHandler(runtime: Runtime) {
  const { logger, config } = runtime;
  const onDeploy = seedHandler(runtime);
  return async function sweep(event: unknown, context: Context): Promise<SweepReport | undefined> {
    if (isDeployRequest(event)) {
      await onDeploy(event, context);
      return undefined;
    }
    logger.addContext(context);
    const now = runtime.clock.now();
    try {
      const deps = reportDeps(runtime, context, 'sweep');
      const accountRegion = runtime.scheduledSweepOf(deps.reach);
      if (!accountRegion) {
        throw new Error(
          'In Organization mode the planner queues the sweep, account by account (sweepAccount)',
        );
      }
      return await sweepAccountRegion(deps, {
        ...sweepOptions(runtime, context, now),
        ...(config.windowIds ? { windowIds: config.windowIds } : {}),
        accountRegion,
      });
    } catch (error: unknown) {
      logger.error('The sweep did not finish; the next one tries again', { error });
      throw error;
    }
  };
}

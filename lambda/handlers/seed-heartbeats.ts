/**
 * The heartbeat seed resource (`Custom::MaintenanceWindowHeartbeatSeed`, answered by `index.sweep` at deploy time): publishes
 * the listed windows' latest runs as their heartbeat before the missed-run alarms exist.
 */
import type { Context } from 'aws-lambda';
import { type DeployRequest, respond, seedProperties } from '../adapters/deploy-request';
import { describeError } from '../adapters/errors';
import { seedHeartbeats } from '../core/heartbeat';
import type { Runtime } from './runtime';

/** How long a deploy waits for seeded heartbeats to become visible to the alarms. */
const SEED_VISIBLE_WITHIN_MS = 3 * 60_000;

/**
 * Answers CloudFormation for the heartbeat seed resource. Windows that cannot be read are named in
 * the log and the response, but do not fail the deployment: their missed-run alarm says the rest.
 */
export function seedHandler(runtime: Runtime) {
  const { clients, ledger, logger } = runtime;
  return async function onDeploy(request: DeployRequest, context: Context): Promise<void> {
    logger.addContext(context);
    logger.appendKeys({ requestType: request.RequestType, logicalResourceId: request.LogicalResourceId });
    try {
      if (request.RequestType === 'Delete') {
        await respond(request, { status: 'SUCCESS', reason: 'Nothing to remove: heartbeats are metrics' });
        return;
      }
      const { windowIds, expectedRunIntervalHours, metricNamespace } = seedProperties(request);
      const report = await seedHeartbeats(
        { clients, ledger, logger },
        {
          windowIds,
          metricNamespace,
          expectedRunIntervalMs: expectedRunIntervalHours * 3_600_000,
          now: runtime.clock.now(),
          visibleWithinMs: Math.min(SEED_VISIBLE_WITHIN_MS, context.getRemainingTimeInMillis() - 60_000),
        },
      );
      const seeded = Object.keys(report.seeded).length;
      if (report.unreached.length > 0) {
        logger.error('Could not read the runs of some windows; their missed-run alarms may fire', {
          unreached: report.unreached,
        });
      }
      await respond(request, {
        status: 'SUCCESS',
        reason:
          `Seeded the heartbeat of ${seeded} window(s); ${report.noRecentRun.length} had no run within ` +
          `${expectedRunIntervalHours} hours` +
          (report.unreached.length > 0
            ? `; could not read ${report.unreached.map((u) => u.windowId).join(', ')}`
            : ''),
        data: { Seeded: seeded, NoRecentRun: report.noRecentRun.length, Unreached: report.unreached.length },
      });
    } catch (error: unknown) {
      logger.error('Could not seed the window heartbeats', { error });
      await respond(request, {
        status: 'FAILED',
        reason: describeError(error),
      });
    } finally {
      logger.resetKeys();
    }
  };
}

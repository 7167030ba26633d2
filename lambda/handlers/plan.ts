/**
 * The entry point `index.plan` (Organization mode's planner): on the sweep schedule, queues one
 * assignment per active account; at deploy time, answers `Custom::OrganizationRoot`.
 */
import { isDeployRequest } from '../adapters/deploy-request';
import { type PlanReport, planSweep } from '../core/planner';
import { answerOrganizationRoot } from './organization-root';
import type { PlannerRuntime } from './planner-runtime';

export function planHandler(runtime: PlannerRuntime) {
  const { logger } = runtime;
  return async function plan(event?: unknown): Promise<PlanReport | undefined> {
    if (isDeployRequest(event)) {
      await answerOrganizationRoot(event, runtime);
      return undefined;
    }
    try {
      const report = await planSweep({ ...runtime, ...runtime.settings() });
      logger.info('Queued the Organization sweep', { ...report });
      return report;
    } catch (error: unknown) {
      logger.error('Could not plan the Organization sweep; the next schedule tries again', { error });
      throw error;
    }
  };
}

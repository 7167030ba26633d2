/**
 * The planner's runtime (its own bundle, `assets/org-planner`, so the monitor's stays as
 * measured): its clients and logger at once, its settings on the first scheduled run (a deploy
 * request needs none of them).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type PlannerSettings, readPlannerSettings } from '../adapters/config';

export interface PlannerRuntime {
  readonly organizations: OrganizationsClient;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  /** The planner's settings, read on the first scheduled run. */
  settings(): PlannerSettings;
}

export function createPlannerRuntime(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Pick<PlannerRuntime, 'organizations' | 'sqs' | 'logger'>> = {},
): PlannerRuntime {
  let settings: PlannerSettings | undefined;
  return {
    organizations: overrides.organizations ?? new OrganizationsClient({ maxAttempts: 8 }),
    sqs: overrides.sqs ?? new SQSClient({ maxAttempts: 8 }),
    logger: overrides.logger ?? new Logger(),
    settings: () => {
      settings ??= readPlannerSettings(env);
      return settings;
    },
  };
}

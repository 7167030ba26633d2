/**
 * Organization mode's sweep planner, a bundle of its own (`assets/org-planner`): on each sweep
 * schedule it lists the Organization's active accounts and queues one assignment per account (the
 * Regions to sweep, and the account's name for alerts). The sweep workers take them from the queue
 * at their own pace, so one slow or unreadable account never holds up the others.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EnvVar, REGION_PATTERN, type SweepAssignment } from './contract';

/** What one planning run queued. */
export interface PlanReport {
  readonly accounts: number;
  /** Accounts left out because they are not ACTIVE (suspended, or closing). */
  readonly inactive: number;
  readonly regions: readonly string[];
  readonly queued: number;
}

/** SQS takes at most 10 messages in one batch. */
const BATCH = 10;

export interface PlannerDeps {
  readonly organizations: OrganizationsClient;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly regions: readonly string[];
}

/** Reads the Regions the planner assigns; a missing or malformed list fails loudly, naming it. */
export function plannerRegions(env: NodeJS.ProcessEnv): string[] {
  const text = env[EnvVar.OrganizationRegions]?.trim();
  if (!text)
    throw new Error(`Environment variable ${EnvVar.OrganizationRegions} is not set; the stack sets it`);
  const regions = text.split(',').map((region) => region.trim());
  const bad = regions.filter((region) => !REGION_PATTERN.test(region));
  if (bad.length > 0) {
    throw new Error(
      `Environment variable ${EnvVar.OrganizationRegions} has ${bad.map((r) => `"${r}"`).join(', ')}, not Regions`,
    );
  }
  return regions;
}

/** Lists the active accounts and queues one assignment for each; throws when a batch is refused. */
export async function planSweep(deps: PlannerDeps): Promise<PlanReport> {
  const assignments: SweepAssignment[] = [];
  let inactive = 0;
  for await (const page of paginateListAccounts({ client: deps.organizations, pageSize: 20 }, {})) {
    for (const account of page.Accounts ?? []) {
      if (!account.Id) continue;
      if (account.Status !== 'ACTIVE') {
        inactive += 1;
        continue;
      }
      assignments.push({
        accountId: account.Id,
        ...(account.Name ? { accountName: account.Name } : {}),
        regions: deps.regions,
      });
    }
  }
  for (let start = 0; start < assignments.length; start += BATCH) {
    const batch = assignments.slice(start, start + BATCH);
    const output = await deps.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: deps.queueUrl,
        Entries: batch.map((assignment) => ({
          Id: assignment.accountId,
          MessageBody: JSON.stringify(assignment),
        })),
      }),
    );
    if (output.Failed?.length) {
      const failed = output.Failed.map((entry) => `${entry.Id} (${entry.Code}: ${entry.Message})`);
      throw new Error(`The sweep queue refused the assignments of ${failed.join(', ')}`);
    }
  }
  return { accounts: assignments.length, inactive, regions: deps.regions, queued: assignments.length };
}

const logger = new Logger();
let deps: PlannerDeps | undefined;

/** The scheduled entry point (`index.plan`). */
export async function plan(): Promise<PlanReport> {
  try {
    deps ??= {
      organizations: new OrganizationsClient({ maxAttempts: 8 }),
      sqs: new SQSClient({ maxAttempts: 8 }),
      queueUrl: (() => {
        const url = process.env[EnvVar.SweepQueueUrl]?.trim();
        if (!url)
          throw new Error(`Environment variable ${EnvVar.SweepQueueUrl} is not set; the stack sets it`);
        return url;
      })(),
      regions: plannerRegions(process.env),
    };
    const report = await planSweep(deps);
    logger.info('Queued the Organization sweep', { ...report });
    return report;
  } catch (error: unknown) {
    logger.error('Could not plan the Organization sweep; the next schedule tries again', { error });
    throw error;
  }
}

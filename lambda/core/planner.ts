/**
 * Organization mode's sweep planner: on each sweep schedule it lists the Organization's active
 * accounts and queues one assignment per account (the Regions to sweep, and the account's name for
 * alerts). The sweep workers take them from the queue at their own pace, so one slow or unreadable
 * account never holds up the others.
 */
import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SweepAssignment } from '../../contract';
import type { PlannerSettings } from '../adapters/config';
import { describeError } from '../adapters/errors';
import type { MonitorLogger } from './report-event';

/** What one planning run queued. */
export interface PlanReport {
  readonly accounts: number;
  /** Accounts left out because they are not ACTIVE (suspended, or closing). */
  readonly inactive: number;
  /** The management account, when Organizations named it (its assignment is marked). */
  readonly managementAccountId?: string;
  readonly regions: readonly string[];
  readonly queued: number;
}

/** SQS takes at most 10 messages in one batch. */
const BATCH = 10;

export interface PlannerDeps extends PlannerSettings {
  readonly organizations: OrganizationsClient;
  readonly sqs: SQSClient;
  readonly logger: MonitorLogger;
}

/** Every account of the Organization, or of the given units and the units under them. */
async function* accountsOf(
  organizations: OrganizationsClient,
  units: readonly string[] | undefined,
): AsyncGenerator<Account> {
  if (!units) {
    for await (const page of paginateListAccounts({ client: organizations, pageSize: 20 }, {})) {
      yield* page.Accounts ?? [];
    }
    return;
  }
  for (const parentId of units) {
    for await (const page of paginateListAccountsForParent(
      { client: organizations, pageSize: 20 },
      { ParentId: parentId },
    )) {
      yield* page.Accounts ?? [];
    }
    const children: string[] = [];
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client: organizations, pageSize: 20 },
      { ParentId: parentId },
    )) {
      for (const unit of page.OrganizationalUnits ?? []) if (unit.Id) children.push(unit.Id);
    }
    yield* accountsOf(organizations, children);
  }
}

/**
 * The management account's ID (`MasterAccountId`), which StackSets never deploy to; `undefined`,
 * said in the log, when Organizations does not answer (the account is then swept like the others).
 */
async function managementAccountOf(
  organizations: OrganizationsClient,
  logger: MonitorLogger,
): Promise<string | undefined> {
  try {
    const { Organization: organization } = await organizations.send(new DescribeOrganizationCommand({}));
    return organization?.MasterAccountId;
  } catch (error: unknown) {
    logger.warn('Could not look up the management account; it is swept like any other', {
      error: describeError(error),
    });
    return undefined;
  }
}

/** Lists the active accounts and queues one assignment for each; throws when a batch is refused. */
export async function planSweep(deps: PlannerDeps): Promise<PlanReport> {
  const assignments: SweepAssignment[] = [];
  let inactive = 0;
  const management = await managementAccountOf(deps.organizations, deps.logger);
  for await (const account of accountsOf(deps.organizations, deps.organizationalUnitIds)) {
    if (!account.Id) continue;
    // `State` supersedes `Status`, which Organizations stops returning after September 2026.
    if ((account.State ?? account.Status) !== 'ACTIVE') {
      inactive += 1;
      continue;
    }
    assignments.push({
      accountId: account.Id,
      ...(account.Name ? { accountName: account.Name } : {}),
      regions: deps.regions,
      ...(account.Id === management ? { management: true } : {}),
    });
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
  return {
    accounts: assignments.length,
    inactive,
    ...(management ? { managementAccountId: management } : {}),
    regions: deps.regions,
    queued: assignments.length,
  };
}

/**
 * Organization mode's sweep planner, a bundle of its own (`assets/org-planner`): on each sweep
 * schedule it lists the Organization's active accounts and queues one assignment per account (the
 * Regions to sweep, and the account's name for alerts). The sweep workers take them from the queue
 * at their own pace, so one slow or unreadable account never holds up the others. At deploy time
 * (a CloudFormation custom resource) it looks up the Organization's root, which the StackSet
 * targets when no organizational unit is named.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type Account,
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readRegions, required } from './config';
import { EnvVar, type SweepAssignment } from './contract';
import { type DeployRequest, isDeployRequest, respond } from './deploy-request';
import { describeError } from './errors';

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

export interface PlannerDeps {
  readonly organizations: OrganizationsClient;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly regions: readonly string[];
  /** The roots or organizational units whose accounts (in them and in their units) are swept; all when undefined. */
  readonly organizationalUnitIds?: readonly string[];
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

/** The planner's settings from its environment; a missing or malformed one fails, naming it. */
export function plannerSettings(
  env: NodeJS.ProcessEnv,
): Pick<PlannerDeps, 'queueUrl' | 'regions' | 'organizationalUnitIds'> {
  const units = env[EnvVar.OrganizationalUnitIds]?.trim();
  return {
    queueUrl: required(env, EnvVar.SweepQueueUrl),
    regions: readRegions(env),
    ...(units ? { organizationalUnitIds: units.split(',').map((unit) => unit.trim()) } : {}),
  };
}

/**
 * The management account's ID (`MasterAccountId`), which StackSets never deploy to; `undefined`,
 * said in the log, when Organizations does not answer (the account is then swept like the others).
 */
async function managementAccountOf(organizations: OrganizationsClient): Promise<string | undefined> {
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
  const management = await managementAccountOf(deps.organizations);
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

/**
 * The root of the Organization this account belongs to, checked against `organizationId` (a
 * StackSet aimed at another Organization's root would fail far less clearly).
 */
export async function organizationRoot(
  organizations: OrganizationsClient,
  organizationId: string,
): Promise<string> {
  const { Roots: roots } = await organizations.send(new ListRootsCommand({}));
  const root = roots?.[0];
  if (!root?.Id || !root.Arn) throw new Error('Organizations listed no root');
  if (!root.Arn.includes(`:root/${organizationId}/`)) {
    throw new Error(`This account's Organization is not ${organizationId}: its root is ${root.Arn}`);
  }
  return root.Id;
}

/** Answers the `Custom::OrganizationRoot` resource: its `RootId`, or why not. */
async function onDeploy(request: DeployRequest, organizations: OrganizationsClient): Promise<void> {
  const physicalResourceId = `${request.LogicalResourceId}-organization-root`;
  if (request.RequestType === 'Delete') {
    await respond(request, { status: 'SUCCESS', reason: 'Nothing to remove: a lookup', physicalResourceId });
    return;
  }
  try {
    const organizationId = String(request.ResourceProperties.OrganizationId);
    const rootId = await organizationRoot(organizations, organizationId);
    logger.info('Looked up the Organization root', { organizationId, rootId });
    await respond(request, {
      status: 'SUCCESS',
      reason: `Root ${rootId}`,
      data: { RootId: rootId },
      physicalResourceId,
    });
  } catch (error: unknown) {
    logger.error('Could not look up the Organization root', { error });
    await respond(request, { status: 'FAILED', reason: describeError(error), physicalResourceId });
  }
}

const logger = new Logger();
let deps: PlannerDeps | undefined;

/** The entry point (`index.plan`): the sweep schedule, or CloudFormation at deploy time. */
export async function plan(event?: unknown): Promise<PlanReport | undefined> {
  if (isDeployRequest(event)) {
    await onDeploy(event, deps?.organizations ?? new OrganizationsClient({ maxAttempts: 8 }));
    return undefined;
  }
  try {
    deps ??= {
      organizations: new OrganizationsClient({ maxAttempts: 8 }),
      sqs: new SQSClient({ maxAttempts: 8 }),
      ...plannerSettings(process.env),
    };
    const report = await planSweep(deps);
    logger.info('Queued the Organization sweep', { ...report });
    return report;
  } catch (error: unknown) {
    logger.error('Could not plan the Organization sweep; the next schedule tries again', { error });
    throw error;
  }
}

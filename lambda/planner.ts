/**
 * Organization mode's sweep planner, a bundle of its own (`assets/org-planner`): on each sweep
 * schedule it lists the Organization's active accounts and queues one assignment per account (the
 * Regions to sweep, and the account's name for alerts). The sweep workers take them from the queue
 * at their own pace, so one slow or unreadable account never holds up the others. At deploy time
 * (a CloudFormation custom resource, before the StackSet) it finds how this account may call
 * StackSets (as the management account, or as its delegated administrator; otherwise it fails the
 * deploy with the command that registers it), and looks up the Organization's root, which the
 * StackSet targets when no organizational unit is named.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type Account,
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListDelegatedAdministrators,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EnvVar, type SweepAssignment } from '../contract';
import { type Clock, systemClock } from './clock';
import { readRegions, required } from './config';
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

/** The service principal StackSets' delegated administrators are registered for. */
export const STACKSETS_SERVICE_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';

/** How the central stack's StackSet is created: the StackSet's `CallAs`. */
export type CallAs = 'SELF' | 'DELEGATED_ADMIN';

/** What the central stack needs to know at deploy time, before its StackSet. */
export interface StackSetAccess {
  /** `SELF` in the management account, `DELEGATED_ADMIN` in a StackSets delegated administrator. */
  readonly callAs: CallAs;
  /** The Organization's root, when asked for (the StackSet targets the whole Organization). */
  readonly rootId?: string;
}

export interface StackSetAccessRequest {
  /** The Organization the monitor is configured for. */
  readonly organizationId: string;
  /** This account: the central stack's. */
  readonly accountId: string;
  /** Whether to look up the root too. */
  readonly lookUpRoot: boolean;
}

/** This account may not create a StackSet with service-managed permissions; the message says what to do. */
export class NotStackSetsAdministratorError extends Error {
  override readonly name = 'NotStackSetsAdministratorError';
}

/**
 * Waits before trying a refused call again: right after CloudFormation creates the planner's role,
 * its policy may not be visible to Organizations yet (IAM is eventually consistent). Bounded: 35 s
 * at most per call, well inside the planner's timeout.
 */
export const PROPAGATION_RETRY_MS: readonly number[] = [5_000, 10_000, 20_000];

function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && /AccessDenied/.test(error.name);
}

/** `call`, tried again after each wait of `retryMs` while it is refused; the last refusal thrown. */
async function throughPropagation<T>(
  call: () => Promise<T>,
  clock: Clock,
  retryMs: readonly number[],
): Promise<T> {
  for (const wait of retryMs) {
    try {
      return await call();
    } catch (error: unknown) {
      if (!isAccessDenied(error)) throw error;
      logger.warn('Organizations refused the call; trying again in case the role is still propagating', {
        error: describeError(error),
        waitMs: wait,
      });
      await clock.sleep(wait);
    }
  }
  return call();
}

function registerCommand(accountId: string): string {
  return (
    'aws organizations register-delegated-administrator --service-principal ' +
    `${STACKSETS_SERVICE_PRINCIPAL} --account-id ${accountId}`
  );
}

/**
 * How this account may create the member StackSet (as the management account, or as a StackSets
 * delegated administrator), and the Organization's root if asked; checked against
 * `organizationId`. Anywhere else it throws `NotStackSetsAdministratorError`, naming the command
 * that registers this account, so that CloudFormation never tries the StackSet.
 */
export async function stackSetAccess(
  organizations: OrganizationsClient,
  request: StackSetAccessRequest,
  clock: Clock = systemClock,
  retryMs: readonly number[] = PROPAGATION_RETRY_MS,
): Promise<StackSetAccess> {
  const retried = <T>(call: () => Promise<T>) => throughPropagation(call, clock, retryMs);
  const { organizationId, accountId } = request;
  const { Organization: organization } = await retried(() =>
    organizations.send(new DescribeOrganizationCommand({})),
  );
  if (!organization?.Id) throw new Error('Organizations described no Organization');
  if (organization.Id !== organizationId) {
    throw new Error(`This account's Organization is not ${organizationId}: it is ${organization.Id}`);
  }
  const callAs: CallAs = organization.MasterAccountId === accountId ? 'SELF' : 'DELEGATED_ADMIN';
  if (callAs === 'DELEGATED_ADMIN') await requireDelegatedAdministrator(organizations, request, retried);
  if (!request.lookUpRoot) return { callAs };
  return { callAs, rootId: await organizationRoot(organizations, organizationId, retried) };
}

async function requireDelegatedAdministrator(
  organizations: OrganizationsClient,
  { organizationId, accountId }: StackSetAccessRequest,
  retried: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const notRegistered = (why: string) =>
    new NotStackSetsAdministratorError(
      `Account ${accountId} is neither the management account of ${organizationId} nor a delegated ` +
        `administrator for StackSets (${why}), so it cannot create the member StackSet. From the ` +
        `management account, run: ${registerCommand(accountId)}; then deploy again.`,
    );
  const administrators: string[] = [];
  try {
    await retried(async () => {
      administrators.length = 0;
      for await (const page of paginateListDelegatedAdministrators(
        { client: organizations },
        { ServicePrincipal: STACKSETS_SERVICE_PRINCIPAL },
      )) {
        for (const administrator of page.DelegatedAdministrators ?? []) {
          if (administrator.Id) administrators.push(administrator.Id);
        }
      }
    });
  } catch (error: unknown) {
    // Organizations lets only the management account and delegated administrators list them.
    if (isAccessDenied(error))
      throw notRegistered(`Organizations refused ListDelegatedAdministrators: ${describeError(error)}`);
    throw error;
  }
  if (!administrators.includes(accountId)) {
    throw notRegistered(`it is not among those registered for ${STACKSETS_SERVICE_PRINCIPAL}`);
  }
}

/**
 * The root of the Organization this account belongs to, checked against `organizationId` (a
 * StackSet aimed at another Organization's root would fail far less clearly).
 */
async function organizationRoot(
  organizations: OrganizationsClient,
  organizationId: string,
  retried: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<string> {
  const { Roots: roots } = await retried(() => organizations.send(new ListRootsCommand({})));
  const root = roots?.[0];
  if (!root?.Id || !root.Arn) throw new Error('Organizations listed no root');
  if (!root.Arn.includes(`:root/${organizationId}/`)) {
    throw new Error(`This account's Organization is not ${organizationId}: its root is ${root.Arn}`);
  }
  return root.Id;
}

/** The account of a stack ID, `arn:<partition>:cloudformation:<Region>:<account>:stack/...`. */
function accountOfStack(stackId: string): string {
  const account = stackId.split(':')[4];
  if (!account || !/^\d{12}$/.test(account)) throw new Error(`No account in the stack ID ${stackId}`);
  return account;
}

/**
 * Answers the `Custom::OrganizationRoot` resource: `CallAs` for the StackSet and, when asked
 * (`LookUpRoot`), the `RootId` it targets; or why not.
 */
async function onDeploy(request: DeployRequest, organizations: OrganizationsClient): Promise<void> {
  const physicalResourceId = `${request.LogicalResourceId}-organization-root`;
  if (request.RequestType === 'Delete') {
    await respond(request, { status: 'SUCCESS', reason: 'Nothing to remove: a lookup', physicalResourceId });
    return;
  }
  try {
    const organizationId = String(request.ResourceProperties.OrganizationId);
    const access = await stackSetAccess(organizations, {
      organizationId,
      accountId: accountOfStack(request.StackId),
      lookUpRoot: String(request.ResourceProperties.LookUpRoot) === 'true',
    });
    logger.info('Found how to create the member StackSet', { organizationId, ...access });
    await respond(request, {
      status: 'SUCCESS',
      reason: access.rootId ? `${access.callAs}, root ${access.rootId}` : access.callAs,
      data: { CallAs: access.callAs, ...(access.rootId ? { RootId: access.rootId } : {}) },
      physicalResourceId,
    });
  } catch (error: unknown) {
    logger.error('Could not find how to create the member StackSet', { error });
    await respond(request, {
      status: 'FAILED',
      reason: error instanceof NotStackSetsAdministratorError ? error.message : describeError(error),
      physicalResourceId,
    });
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

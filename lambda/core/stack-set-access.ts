/**
 * Organization mode, at deploy time (a CloudFormation custom resource, before the StackSet): how
 * this account may call StackSets (as the management account, or as its delegated administrator;
 * otherwise it fails the deploy with the command that registers it), and the Organization's root,
 * which the StackSet targets when no organizational unit is named.
 */
import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListDelegatedAdministrators,
} from '@aws-sdk/client-organizations';
import { describeError } from '../adapters/errors';
import { type Clock, systemClock } from '../clock';
import type { MonitorLogger } from './report-event';

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
  logger: MonitorLogger | undefined,
): Promise<T> {
  for (const wait of retryMs) {
    try {
      return await call();
    } catch (error: unknown) {
      if (!isAccessDenied(error)) throw error;
      logger?.warn('Organizations refused the call; trying again in case the role is still propagating', {
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
  logger?: MonitorLogger,
): Promise<StackSetAccess> {
  const retried = <T>(call: () => Promise<T>) => throughPropagation(call, clock, retryMs, logger);
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
export function accountOfStack(stackId: string): string {
  const account = stackId.split(':')[4];
  if (!account || !/^\d{12}$/.test(account)) throw new Error(`No account in the stack ID ${stackId}`);
  return account;
}

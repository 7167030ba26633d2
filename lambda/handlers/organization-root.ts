/**
 * The `Custom::OrganizationRoot` resource (answered by `index.plan` at deploy time, before the
 * StackSet): how this account may create the member StackSet, and the root it targets.
 */
import { type DeployRequest, respond } from '../adapters/deploy-request';
import { describeError } from '../adapters/errors';
import { accountOfStack, NotStackSetsAdministratorError, stackSetAccess } from '../core/stack-set-access';
import type { PlannerRuntime } from './planner-runtime';

/**
 * Answers the `Custom::OrganizationRoot` resource: `CallAs` for the StackSet and, when asked
 * (`LookUpRoot`), the `RootId` it targets; or why not.
 */
export async function answerOrganizationRoot(
  request: DeployRequest,
  { organizations, logger }: Pick<PlannerRuntime, 'organizations' | 'logger'>,
): Promise<void> {
  const physicalResourceId = `${request.LogicalResourceId}-organization-root`;
  if (request.RequestType === 'Delete') {
    await respond(request, { status: 'SUCCESS', reason: 'Nothing to remove: a lookup', physicalResourceId });
    return;
  }
  try {
    const organizationId = String(request.ResourceProperties.OrganizationId);
    const access = await stackSetAccess(
      organizations,
      {
        organizationId,
        accountId: accountOfStack(request.StackId),
        lookUpRoot: String(request.ResourceProperties.LookUpRoot) === 'true',
      },
      undefined,
      undefined,
      logger,
    );
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

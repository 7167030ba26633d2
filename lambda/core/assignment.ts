/**
 * The planner's queued message: one account and its Regions to sweep, checked before anything is
 * read. Pure.
 */
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, type SweepAssignment } from '../../contract';

/** The queued message is not an assignment the planner writes; redelivering it cannot help. */
export class InvalidAssignmentError extends Error {
  override readonly name = 'InvalidAssignmentError';
}

/** Reads one queued assignment, naming what is wrong with it. */
export function parseAssignment(body: string): SweepAssignment {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidAssignmentError('The sweep assignment is not JSON');
  }
  const { accountId, accountName, regions, management } = (value ?? {}) as Record<string, unknown>;
  if (typeof accountId !== 'string' || !ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new InvalidAssignmentError(
      `The sweep assignment's accountId must be 12 digits, got ${JSON.stringify(accountId)}`,
    );
  }
  if (
    !Array.isArray(regions) ||
    regions.length === 0 ||
    !regions.every((region) => typeof region === 'string' && REGION_PATTERN.test(region))
  ) {
    throw new InvalidAssignmentError(
      `The sweep assignment's regions must be a list of Regions, got ${JSON.stringify(regions)}`,
    );
  }
  if (accountName !== undefined && typeof accountName !== 'string') {
    throw new InvalidAssignmentError("The sweep assignment's accountName must be a string");
  }
  if (management !== undefined && typeof management !== 'boolean') {
    throw new InvalidAssignmentError("The sweep assignment's management must be true or false");
  }
  return {
    accountId,
    regions,
    ...(accountName ? { accountName } : {}),
    ...(management ? { management } : {}),
  };
}

/**
 * An account-Region the monitor cannot read (its read role is missing or refuses, its reads are
 * denied, its Region is off), told apart from a passing failure. Pure.
 */
import { type AccountRegion, accountRegionLabel } from './account-region';

/** An account-Region whose read role could not be assumed. */
export class AccountRegionUnreachableError extends Error {
  override readonly name = 'AccountRegionUnreachableError';

  constructor(
    readonly accountRegion: AccountRegion,
    readonly reason: string,
    /** When the refusal was met: for one remembered, when it was first met. */
    readonly observedAt: number,
    /** Whether it is a refusal remembered from an earlier try, not an answer just now. */
    readonly remembered = false,
    options?: ErrorOptions,
  ) {
    super(`Cannot read ${accountRegionLabel(accountRegion)}: ${reason}`, options);
  }
}

/**
 * Why an account-Region cannot be read, as far as the monitor can tell: STS answers `AccessDenied`
 * alike for a role that does not exist and for one whose trust (or an SCP) refuses the central
 * account, so those two are one cause.
 */
export type UnreachableCause =
  /** The read role could not be assumed: missing (no member stack there), or its trust or an SCP refuses. */
  | 'assume-refused'
  /** The role was assumed, but SSM denies its reads (its policy changed, an SCP, a permissions boundary). */
  | 'reads-denied'
  /** The account has not enabled this opt-in Region: no credentials are valid there. */
  | 'region-disabled';

/** SSM's answers that mean the account-Region cannot be read at all, rather than not right now. */
const UNREACHABLE_SSM_ERRORS: Record<string, UnreachableCause> = {
  AccessDeniedException: 'reads-denied',
  // What SSM answers in an opt-in Region the account has not enabled.
  UnrecognizedClientException: 'region-disabled',
};

/** Why `error` means the account-Region cannot be read (until someone acts); `undefined` for a hiccup. */
export function unreachableCause(error: unknown): UnreachableCause | undefined {
  if (error instanceof AccountRegionUnreachableError) return 'assume-refused';
  return error instanceof Error && Object.hasOwn(UNREACHABLE_SSM_ERRORS, error.name)
    ? UNREACHABLE_SSM_ERRORS[error.name]
    : undefined;
}

/** Whether `error` means the account-Region cannot be read (permanent until someone acts), not a hiccup. */
export function isUnreachable(error: unknown): boolean {
  return unreachableCause(error) !== undefined;
}

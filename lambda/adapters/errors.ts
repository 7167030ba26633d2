/**
 * How the function reads errors it did not raise: one line for a log field, and whether trying
 * again can help.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { CauseUnavailableReason } from '../../contract';

/** An error as one line for a log field: its name and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

type SdkError = Parameters<typeof isTransientError>[0];

/**
 * Whether trying again can help: throttling, a fault on the service's side, or no answer at all
 * (a network error or timeout). A refusal (access denied, a missing table) will not go away.
 *
 * Throttling and transient faults are the SDK's own classification, the one its retry strategy
 * applies (`@smithy/core`'s `retry`, already in the bundle): its throttling codes, HTTP 429 and
 * 5xx, timeouts, network error codes, the retryable trait, a corrected clock skew. Two rules stay
 * the project's own, because the SDK's classification reads the HTTP status and error codes only:
 * an error whose model says it is the service's fault (`$fault: 'server'`) even with no status at
 * hand, and an error that carries no `$fault` at all, which did not come from a service's answer
 * (a socket closed, a failure inside the call): the caller tries again while its lease lasts.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as SdkError;
  if (isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError)) return true;
  return sdkError.$fault === 'server' || sdkError.$fault === undefined;
}

/** Refusals: the role may not read it, or may not decrypt it (a state machine under a customer key). */
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'KmsAccessDeniedException',
  // The member's read role could not be assumed (`AccountRegionUnreachableError`).
  'AccountRegionUnreachableError',
]);

/** The history is no longer kept: Run Command's after 30 days, Automation's, Step Functions' after 90. */
const EXPIRED = new Set([
  'InvalidCommandId',
  'InvocationDoesNotExist',
  'AutomationExecutionNotFoundException',
  'ExecutionDoesNotExist',
]);

/**
 * Why a read of a failure cause failed, from its error alone (never its message, which can quote
 * what it read): cut short by the report's time budget (`signal` aborted, or an abort error),
 * throttled after the SDK's retries, refused, expired, or any other error.
 */
export function causeReadFailure(error: unknown, signal?: AbortSignal): CauseUnavailableReason {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return CauseUnavailableReason.TimeBudget;
  }
  if (!(error instanceof Error)) return CauseUnavailableReason.Error;
  if (isThrottlingError(error as SdkError)) return CauseUnavailableReason.Throttled;
  if (DENIED.has(error.name)) return CauseUnavailableReason.Denied;
  if (EXPIRED.has(error.name)) return CauseUnavailableReason.Expired;
  return CauseUnavailableReason.Error;
}

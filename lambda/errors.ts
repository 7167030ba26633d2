/**
 * How the function reads errors it did not raise: one line for a log field, and whether trying
 * again can help.
 */

/** An error as one line for a log field: its name and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/**
 * Whether trying again can help: throttling, a fault on the service's side, or no answer at all
 * (a network error or timeout). A refusal (access denied, a missing table) will not go away.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { $fault, $retryable } = error as { $fault?: string; $retryable?: unknown };
  return (
    Boolean($retryable) || $fault === 'server' || $fault === undefined || THROTTLING_ERRORS.has(error.name)
  );
}

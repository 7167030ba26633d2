import { ConditionalCheckFailedException, InternalServerError } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { causeReadFailure, describeError, isTransient } from '../../../lambda/adapters/errors';

describe('describeError', () => {
  it('gives the name and message of an error, or the value itself', () => {
    expect(describeError(new RangeError('too far'))).toBe('RangeError: too far');
    expect(describeError('plain text')).toBe('plain text');
  });
});

describe('isTransient', () => {
  /** An error as the SDK throws it for a service's answer: its code as the name, whose fault, the HTTP status. */
  const service = (
    name: string,
    fault: 'client' | 'server',
    more: { retryable?: object; status?: number; clockSkewCorrected?: boolean } = {},
  ) =>
    Object.assign(new Error(`${name} happened`), {
      name,
      $fault: fault,
      $metadata: {
        ...(more.status ? { httpStatusCode: more.status } : {}),
        ...(more.clockSkewCorrected ? { clockSkewCorrected: true } : {}),
      },
      ...(more.retryable ? { $retryable: more.retryable } : {}),
    });

  it.each<[string, unknown, boolean]>([
    ['a fault on the service side', new InternalServerError({ message: 'oops', $metadata: {} }), true],
    [
      'throttling, named as DynamoDB names it',
      service('ProvisionedThroughputExceededException', 'client'),
      true,
    ],
    [
      'an error the SDK marks retryable',
      service('SlowDown', 'client', { retryable: { throttling: true } }),
      true,
    ],
    [
      'no answer at all (a network error)',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      true,
    ],
    ['a refusal', service('AccessDeniedException', 'client', { status: 400 }), false],
    ['an invalid request', service('ValidationException', 'client', { status: 400 }), false],
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', $metadata: {} }), false],
    ['something that is not an error', 'a string', false],
  ])('says whether retrying can help with %s', (_, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });

  // Throttling codes other services use, which the hand-written list of five did not know: the SDK's
  // classification (the one its own retry strategy applies) does.
  it.each([
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown',
    'ThrottledException',
    'TransactionInProgressException',
    'TooManyRequestsException',
  ])('counts %s, answered as the client’s fault, as throttling to retry', (code) => {
    expect(isTransient(service(code, 'client', { status: 400 }))).toBe(true);
  });

  it.each<[string, ReturnType<typeof service>]>([
    ['HTTP 429 under a code the SDK does not model', service('UnknownError', 'client', { status: 429 })],
    // The SDK's default error handler marks an unmodeled error the client's fault, whatever the status.
    [
      'HTTP 503 under a code the SDK does not model',
      service('ServiceUnavailable', 'client', { status: 503 }),
    ],
    ['HTTP 502 from a proxy in front of the service', service('BadGateway', 'client', { status: 502 })],
    ['HTTP 501, another fault on the service side', service('NotImplemented', 'client', { status: 501 })],
    ['a request the service timed out', service('RequestTimeoutException', 'client', { status: 408 })],
    [
      'a signature refused for a clock skew the SDK has since corrected',
      service('InvalidSignatureException', 'client', { status: 403, clockSkewCorrected: true }),
    ],
  ])('counts %s as transient', (_, error) => {
    expect(isTransient(error)).toBe(true);
  });
});

describe('causeReadFailure', () => {
  const refused = (name: string, status = 400) =>
    Object.assign(new Error('text that may quote what was read'), {
      name,
      $fault: 'client',
      $metadata: { httpStatusCode: status },
    });

  it.each<[string, unknown, string]>([
    ['throttling, after the SDK gave up', refused('ThrottlingException'), 'Throttled'],
    ['an unmodeled rate limit', refused('Unknown', 429), 'Throttled'],
    ['SSM refusing the role', refused('AccessDeniedException'), 'Denied'],
    ['an older refusal', refused('AccessDenied', 403), 'Denied'],
    ['EC2 refusing an automation', refused('UnauthorizedOperation'), 'Denied'],
    ['KMS refusing a state machine', refused('KmsAccessDeniedException'), 'Denied'],
    ['a member role that could not be assumed', refused('AccountRegionUnreachableError'), 'Denied'],
    ['an expired command', refused('InvalidCommandId'), 'Expired'],
    ['an expired invocation', refused('InvocationDoesNotExist'), 'Expired'],
    ['an expired automation', refused('AutomationExecutionNotFoundException'), 'Expired'],
    ['an expired execution', refused('ExecutionDoesNotExist'), 'Expired'],
    ['an aborted request', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'TimeBudget'],
    ['anything else', refused('ValidationException'), 'Error'],
    ['something that is not an error', 'a string', 'Error'],
  ])('classifies %s', (_, error, reason) => {
    expect(causeReadFailure(error)).toBe(reason);
  });

  it('takes any error of a read whose signal aborted as the time budget running out', () => {
    const controller = new AbortController();
    controller.abort();
    expect(causeReadFailure(refused('ValidationException'), controller.signal)).toBe('TimeBudget');
    expect(causeReadFailure(refused('ValidationException'), new AbortController().signal)).toBe('Error');
  });
});

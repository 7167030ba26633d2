import { ConditionalCheckFailedException, InternalServerError } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { describeError, isTransient } from '../../lambda/errors';

describe('describeError', () => {
  it('gives the name and message of an error, or the value itself', () => {
    expect(describeError(new RangeError('too far'))).toBe('RangeError: too far');
    expect(describeError('plain text')).toBe('plain text');
  });
});

describe('isTransient', () => {
  const service = (name: string, fault: 'client' | 'server', retryable?: object) =>
    Object.assign(new Error(`${name} happened`), {
      name,
      $fault: fault,
      ...(retryable ? { $retryable: retryable } : {}),
    });

  it.each<[string, unknown, boolean]>([
    ['a fault on the service side', new InternalServerError({ message: 'oops', $metadata: {} }), true],
    [
      'throttling, named as DynamoDB names it',
      service('ProvisionedThroughputExceededException', 'client'),
      true,
    ],
    ['an error the SDK marks retryable', service('SlowDown', 'client', { throttling: true }), true],
    [
      'no answer at all (a network error)',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      true,
    ],
    ['a refusal', service('AccessDeniedException', 'client'), false],
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', $metadata: {} }), false],
    ['something that is not an error', 'a string', false],
  ])('says whether retrying can help with %s', (_, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});

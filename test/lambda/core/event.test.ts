import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseMonitoredEvent } from '../../../lambda/core/event';

/** AWS's documented sample events, copied into the repository (see the folder's README). */
const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'aws-events');

function validEvent(detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '01234567-0123-0123-0123-0123456789ab',
    'detail-type': 'Maintenance Window Task Execution State-change Notification',
    source: 'aws.ssm',
    time: '2025-06-02T14:52:18Z',
    detail: {
      'start-time': '2025-06-02T14:48:28.039273Z',
      'task-execution-id': '6417e808-7f35-4d1a-843f-123456789012',
      'end-time': '2025-06-02T14:52:18.083773Z',
      'window-id': 'mw-0ed7251d3fcf6e0c2',
      'window-execution-id': '14bea65d-5ccc-462d-a2f3-e99c81234567',
      status: 'SUCCESS',
      ...detail,
    },
    ...top,
  };
}

/** A clock a few minutes after `validEvent`'s run ended. */
const NOW = Date.parse('2025-06-02T15:00:00Z');
/** Where the function runs: the account-Region of every event in one account. */
const HOME = { accountId: '123456789012', region: 'us-east-1' };

function sample(name: string): unknown {
  return JSON.parse(readFileSync(path.join(SAMPLES, name), 'utf8'));
}

function rejection(event: unknown, now = NOW): InvalidEventError {
  try {
    parseMonitoredEvent(event, now, HOME);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

describe('parseMonitoredEvent', () => {
  it('reads a task execution event: IDs, status and timestamps with microsecond fractions', () => {
    expect(parseMonitoredEvent(validEvent(), NOW, HOME)).toEqual({
      kind: 'task',
      windowId: 'mw-0ed7251d3fcf6e0c2',
      windowExecutionId: '14bea65d-5ccc-462d-a2f3-e99c81234567',
      taskExecutionId: '6417e808-7f35-4d1a-843f-123456789012',
      status: 'SUCCESS',
      startTime: new Date('2025-06-02T14:48:28.039Z'),
      endTime: new Date('2025-06-02T14:52:18.083Z'),
      accountRegion: HOME,
    });
  });

  it('reads the window execution sample from the AWS documentation', () => {
    const sampleTime = Date.parse('2016-11-16T01:01:00Z');
    expect(parseMonitoredEvent(sample('window-execution-timed-out.json'), sampleTime, HOME)).toEqual({
      kind: 'execution',
      windowId: 'mw-0ed7251d3fcf6e0c2',
      windowExecutionId: 'b60fb56e-776c-4e5c-84ee-123456789012',
      status: 'TIMED_OUT',
      startTime: new Date('2016-11-16T01:00:56.427Z'),
      endTime: new Date('2016-11-16T01:00:57.070Z'),
      accountRegion: HOME,
    });
  });

  it.each(['FAILED', 'TIMED_OUT', 'CANCELLED'])('accepts the terminal task status %s', (status) => {
    expect(parseMonitoredEvent(validEvent({ status }), NOW, HOME).status).toBe(status);
  });

  it.each(['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED_OVERLAPPING'])(
    'accepts the terminal execution status %s',
    (status) => {
      const event = validEvent(
        { status, 'task-execution-id': undefined },
        { 'detail-type': 'Maintenance Window Execution State-change Notification' },
      );
      expect(parseMonitoredEvent(event, NOW, HOME)).toMatchObject({ kind: 'execution', status });
    },
  );

  it('does not accept SKIPPED_OVERLAPPING for a task execution', () => {
    expect(rejection(validEvent({ status: 'SKIPPED_OVERLAPPING' })).field).toBe('detail.status');
  });

  it('falls back to the event time when end-time is absent', () => {
    const parsed = parseMonitoredEvent(
      validEvent({ 'end-time': undefined, 'start-time': undefined }),
      NOW,
      HOME,
    );
    expect(parsed.endTime).toEqual(new Date('2025-06-02T14:52:18Z'));
    expect(parsed.startTime).toBeUndefined();
  });

  it('rejects the AWS documentation sample, whose window execution ID is not a UUID', () => {
    const error = rejection(sample('task-execution-success.json'));
    expect(error.field).toBe('detail.window-execution-id');
    expect(error.message).toBe(
      'Invalid event: detail.window-execution-id must be a 36-character UUID, got "14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE"',
    );
  });

  it.each([
    ['window-state-disabled.json', 'detail-type'],
    ['target-registration.json', 'detail-type'],
    ['task-target-invocation-success.json', 'detail-type'],
    ['window-execution-success.json', 'detail.window-execution-id'],
  ])('rejects the AWS sample %s at %s', (name, field) => {
    expect(rejection(sample(name)).field).toBe(field);
  });

  it.each([
    ['a non-object event', 'not an event', 'event', 'an EventBridge event object, got "not an event"'],
    ['null', null, 'event', 'an EventBridge event object, got null'],
    ['another source', validEvent({}, { source: 'aws.ec2' }), 'source', '"aws.ssm", got "aws.ec2"'],
    [
      'a misspelt detail-type',
      validEvent({}, { 'detail-type': 'Maintenance Window Task Execution State-change' }),
      'detail-type',
      '"Maintenance Window Execution State-change Notification" or "Maintenance Window Task Execution State-change Notification", got "Maintenance Window Task Execution State-change"',
    ],
    ['a missing detail', validEvent({}, { detail: undefined }), 'detail', 'an object, got nothing'],
    ['an array detail', validEvent({}, { detail: [] }), 'detail', 'an object, got an array'],
    [
      'an 18-digit window id',
      validEvent({ 'window-id': 'mw-123456789012345678' }),
      'detail.window-id',
      '"mw-" followed by 17 lowercase hex digits, got "mw-123456789012345678"',
    ],
    [
      'a numeric window id',
      validEvent({ 'window-id': 42 }),
      'detail.window-id',
      '"mw-" followed by 17 lowercase hex digits, got number 42',
    ],
    [
      'a missing task execution id',
      validEvent({ 'task-execution-id': undefined }),
      'detail.task-execution-id',
      'a 36-character UUID, got nothing',
    ],
    [
      'a non-terminal status',
      validEvent({ status: 'IN_PROGRESS' }),
      'detail.status',
      'one of SUCCESS, FAILED, TIMED_OUT, CANCELLED, got "IN_PROGRESS"',
    ],
    [
      'an object status',
      validEvent({ status: {} }),
      'detail.status',
      'one of SUCCESS, FAILED, TIMED_OUT, CANCELLED, got an object',
    ],
    [
      'an unparseable end-time',
      validEvent({ 'end-time': 'yesterday' }),
      'detail.end-time',
      'an ISO 8601 timestamp, got "yesterday"',
    ],
    [
      'an impossible start-time',
      validEvent({ 'start-time': '2025-13-45T99:00:00Z' }),
      'detail.start-time',
      'an ISO 8601 timestamp, got "2025-13-45T99:00:00Z"',
    ],
    [
      'an end time in the far future',
      validEvent({ 'end-time': '2999-01-01T00:00:00Z' }),
      'detail.end-time',
      'a time no later than 15 minutes from now, got "2999-01-01T00:00:00Z"',
    ],
    [
      'an event time in the future, when end-time is absent',
      validEvent({ 'end-time': undefined }, { time: '2025-06-02T16:00:00Z' }),
      'time',
      'a time no later than 15 minutes from now, got "2025-06-02T16:00:00Z"',
    ],
    [
      'an end time older than any queue keeps an event (a stale replay)',
      validEvent({ 'start-time': '2025-05-16T14:00:00Z', 'end-time': '2025-05-16T14:50:00Z' }),
      'detail.end-time',
      'a time within the last 16 days (an older event is stale: its run may already have been reported and forgotten), got "2025-05-16T14:50:00Z"',
    ],
    [
      'a start after the end',
      validEvent({ 'start-time': '2025-06-02T14:55:00Z' }),
      'detail.start-time',
      'a time no later than detail.end-time, got "2025-06-02T14:55:00Z"',
    ],
    [
      'no clock at all',
      validEvent({ 'end-time': undefined }, { time: undefined }),
      'detail.end-time',
      'an ISO 8601 timestamp, got nothing',
    ],
  ])('rejects %s, naming the field', (_, event, field, expectation) => {
    const error = rejection(event);
    expect(error.name).toBe('InvalidEventError');
    expect(error.field).toBe(field);
    expect(error.message).toBe(`Invalid event: ${field} must be ${expectation}`);
  });

  it('accepts an end time 15 days and 6 hours old (the longest a queue keeps it), and a few minutes of clock skew', () => {
    const old = validEvent({ 'start-time': undefined, 'end-time': '2025-05-18T09:00:00Z' });
    const skewed = validEvent({ 'start-time': undefined, 'end-time': '2025-06-02T15:10:00Z' });
    expect(parseMonitoredEvent(old, NOW, HOME).endTime).toEqual(new Date('2025-05-18T09:00:00Z'));
    expect(parseMonitoredEvent(skewed, NOW, HOME).endTime).toEqual(new Date('2025-06-02T15:10:00Z'));
  });

  it('shortens long values in the message', () => {
    const error = rejection(validEvent({ 'window-id': 'x'.repeat(5000) }));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain('...');
  });
});

describe('parseMonitoredEvent: the account-Region of the run', () => {
  it('takes it from the envelope EventBridge sets, never from the detail, where events come from many', () => {
    const event = validEvent({ account: '999999999999' }, { account: '111122223333', region: 'eu-west-1' });

    expect(parseMonitoredEvent(event, NOW, 'envelope').accountRegion).toEqual({
      accountId: '111122223333',
      region: 'eu-west-1',
    });
  });

  it('is the home one, the envelope unread, where every event comes from one account-Region', () => {
    const event = validEvent({}, { account: 'not an account', region: 'Europe' });

    expect(parseMonitoredEvent(event, NOW, HOME).accountRegion).toBe(HOME);
  });

  it('rejects an event without a well-formed account or Region, naming the field', () => {
    const reject = (top: Record<string, unknown>) => {
      try {
        parseMonitoredEvent(validEvent({}, top), NOW, 'envelope');
      } catch (error) {
        return (error as InvalidEventError).message;
      }
      throw new Error('expected a rejection');
    };

    expect(reject({ region: 'eu-west-1' })).toBe(
      'Invalid event: account must be a 12-digit account ID, got nothing',
    );
    expect(reject({ account: '111122223333', region: 'Europe' })).toBe(
      'Invalid event: region must be a Region name, got "Europe"',
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { TaskExecutionEvent } from '../../lambda/event';
import {
  buildAlert,
  type InvocationRecord,
  InvocationTally,
  instanceIdOf,
  metricPayload,
  safeSubject,
} from '../../lambda/report';

const EVENT: TaskExecutionEvent = {
  windowId: 'mw-0ed7251d3fcf6e0c2',
  windowExecutionId: '14bea65d-5ccc-462d-a2f3-e99c81234567',
  taskExecutionId: '6417e808-7f35-4d1a-843f-123456789012',
  status: 'SUCCESS',
  startTime: new Date('2026-11-28T02:00:00Z'),
  endTime: new Date('2026-11-28T02:10:00Z'),
};

function record(status: string, n: number, extra: Partial<InvocationRecord> = {}): InvocationRecord {
  const instance = `i-${n.toString(16).padStart(17, '0')}`;
  return {
    InvocationId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    ExecutionId: `11111111-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    TaskType: 'RUN_COMMAND',
    Parameters: JSON.stringify({ instanceIds: [instance], parameters: { token: ['hunter2'] } }),
    Status: status,
    StatusDetails: { FAILED: 'Failed', TIMED_OUT: 'Execution Timed Out' }[status] ?? 'Success',
    WindowTargetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
    ...extra,
  };
}

function tallyOf(records: InvocationRecord[], maxListed?: number): InvocationTally {
  const tally = new InvocationTally(maxListed);
  tally.add(records);
  return tally;
}

describe('InvocationTally', () => {
  it('counts FAILED and TIMED_OUT separately and every record in the total', () => {
    // Act
    const tally = tallyOf([
      record('SUCCESS', 1),
      record('FAILED', 2),
      record('TIMED_OUT', 3),
      record('CANCELLED', 4),
      record('FAILED', 5),
      {},
    ]);

    // Assess
    expect({ total: tally.total, failed: tally.failed, timedOut: tally.timedOut }).toEqual({
      total: 6,
      failed: 2,
      timedOut: 1,
    });
    expect(tally.unhealthy).toBe(3);
    expect(tally.listed.map((t) => t.status)).toEqual(['FAILED', 'TIMED_OUT', 'FAILED']);
  });

  it('keeps exact counts but lists at most maxListed targets across pages', () => {
    // Act
    const tally = new InvocationTally(2);
    tally.add([record('FAILED', 1), record('FAILED', 2)]);
    tally.add([record('TIMED_OUT', 3), record('FAILED', 4)]);

    // Assess
    expect(tally.unhealthy).toBe(4);
    expect(tally.listed).toHaveLength(2);
  });

  it('keeps only identifying fields of a failed target', () => {
    const [target] = tallyOf([record('FAILED', 7)]).listed;
    expect(target).toEqual({
      status: 'FAILED',
      instanceId: 'i-00000000000000007',
      windowTargetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
      executionId: '11111111-0000-4000-8000-000000000007',
      invocationId: '00000000-0000-4000-8000-000000000007',
      details: 'Failed',
    });
  });
});

describe('instanceIdOf', () => {
  it.each([
    ['Run Command instanceIds', '{"instanceIds":["i-0123456789abcdef0"]}', 'i-0123456789abcdef0'],
    [
      'an Automation InstanceId parameter',
      '{"parameters":{"InstanceId":["mi-0123456789abcdef0"]}}',
      'mi-0123456789abcdef0',
    ],
    ['an Automation InstanceId string', '{"parameters":{"InstanceId":"i-0123abcd"}}', 'i-0123abcd'],
    ['no parameters', undefined, undefined],
    ['malformed JSON', '{"instanceIds":', undefined],
    ['a JSON string', '"i-0123456789abcdef0"', undefined],
    ['JSON null', 'null', undefined],
    ['an ID that is not an instance ID', '{"instanceIds":["hunter2"]}', undefined],
    ['a parameters value that is not an object', '{"parameters":"i-0123abcd"}', undefined],
  ])('reads %s', (_, parameters, expected) => {
    expect(instanceIdOf(parameters)).toBe(expected);
  });
});

describe('metricPayload', () => {
  it('sends failed and timed-out counts per window and fleet-wide, at the end time', () => {
    // Act
    const payload = metricPayload(
      EVENT,
      tallyOf([record('FAILED', 1), record('TIMED_OUT', 2), record('TIMED_OUT', 3)]),
      'Ops',
    );

    // Assess
    const window = [{ Name: 'WindowId', Value: EVENT.windowId }];
    const at = EVENT.endTime;
    expect(payload).toEqual({
      Namespace: 'Ops',
      MetricData: [
        { MetricName: 'FailedInvocations', Dimensions: window, Timestamp: at, Value: 1, Unit: 'Count' },
        { MetricName: 'FailedInvocations', Dimensions: [], Timestamp: at, Value: 1, Unit: 'Count' },
        { MetricName: 'TimedOutInvocations', Dimensions: window, Timestamp: at, Value: 2, Unit: 'Count' },
        { MetricName: 'TimedOutInvocations', Dimensions: [], Timestamp: at, Value: 2, Unit: 'Count' },
      ],
    });
  });

  it('sends explicit zeros for a clean run', () => {
    const payload = metricPayload(EVENT, tallyOf([record('SUCCESS', 1)]), 'Ops');
    expect(payload.MetricData.map((datum) => datum.Value)).toEqual([0, 0, 0, 0]);
  });
});

describe('buildAlert', () => {
  it('sends nothing when every target succeeded', () => {
    expect(buildAlert(EVENT, tallyOf([record('SUCCESS', 1), record('CANCELLED', 2)]))).toBeUndefined();
  });

  it('names the window, the counts and each failed target, without Parameters', () => {
    // Act
    const alert = buildAlert(
      EVENT,
      tallyOf([record('SUCCESS', 1), record('FAILED', 2), record('TIMED_OUT', 3)]),
    );

    // Assess
    expect(alert?.subject).toBe(
      'Maintenance window mw-0ed7251d3fcf6e0c2: 1 failed, 1 timed out of 3 targets',
    );
    expect(alert?.attributes).toEqual({ window_id: EVENT.windowId, status: 'FAILED' });
    expect(alert?.message).toBe(
      [
        '2 of 3 targets did not succeed (1 failed, 1 timed out).',
        '',
        'Window:            mw-0ed7251d3fcf6e0c2',
        'Window execution:  14bea65d-5ccc-462d-a2f3-e99c81234567',
        'Task execution:    6417e808-7f35-4d1a-843f-123456789012 (RUN_COMMAND)',
        'Task status:       SUCCESS',
        'Started:           2026-11-28T02:00:00.000Z',
        'Ended:             2026-11-28T02:10:00.000Z',
        '',
        'Failed and timed-out targets:',
        '  FAILED    i-00000000000000002 (execution 11111111-0000-4000-8000-000000000002, invocation 00000000-0000-4000-8000-000000000002): Failed',
        '  TIMED_OUT i-00000000000000003 (execution 11111111-0000-4000-8000-000000000003, invocation 00000000-0000-4000-8000-000000000003): Execution Timed Out',
        '',
      ].join('\n'),
    );
    expect(alert?.message).not.toContain('hunter2');
  });

  it('reports TIMED_OUT as the status when nothing failed outright', () => {
    const alert = buildAlert(EVENT, tallyOf([record('TIMED_OUT', 1)]));
    expect(alert?.attributes.status).toBe('TIMED_OUT');
    expect(alert?.subject).toBe('Maintenance window mw-0ed7251d3fcf6e0c2: 1 timed out of 1 targets');
  });

  it('names a target by its window target when no instance is known', () => {
    const alert = buildAlert(
      { ...EVENT, startTime: undefined },
      tallyOf([
        { Status: 'FAILED', TaskType: 'LAMBDA', WindowTargetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6' },
        { Status: 'FAILED' },
      ]),
    );
    expect(alert?.message).toContain('  FAILED    target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6\n');
    expect(alert?.message).toContain('  FAILED    unknown target\n');
    expect(alert?.message).toContain('Started:           unknown');
  });

  it('stays within the byte budget and says how many targets it left out', () => {
    // Prepare
    const records = Array.from({ length: 5000 }, (_, i) =>
      record('FAILED', i, { StatusDetails: 'x'.repeat(250) }),
    );

    // Act
    const alert = buildAlert(EVENT, tallyOf(records), 20_000);

    // Assess
    const bytes = Buffer.byteLength(alert?.message ?? '');
    expect(bytes).toBeLessThanOrEqual(20_000);
    const listed = alert?.message.split('\n').filter((line) => line.startsWith('  FAILED')).length ?? 0;
    expect(listed).toBeGreaterThan(10);
    expect(alert?.message).toContain(`  +${5000 - listed} more not listed\n`);
  });
});

describe('safeSubject', () => {
  it('keeps printable ASCII on one line under 100 characters', () => {
    const subject = safeSubject(`Fenster\n\tmw-1 ü ${'x'.repeat(200)}`);
    expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(subject.startsWith('Fenster mw-1 ? x')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });
});

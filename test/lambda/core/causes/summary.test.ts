import { describe, expect, it } from 'vitest';
import { type CauseSubject, type Examined, summarizeCauses } from '../../../../lambda/core/causes';

function failed(node: string, stderr: string, extra: Partial<CauseSubject> = {}): Examined {
  return {
    subject: {
      taskType: 'RUN_COMMAND',
      taskArn: 'AWS-RunShellScript',
      target: node,
      status: 'FAILED',
      ...extra,
    },
    evidence: { kind: 'output', stderr },
  };
}

describe('summarizeCauses', () => {
  it('groups targets by cause, largest first, ties in the order they were examined', () => {
    // Prepare
    const examined = [
      failed('i-1', 'disk full'),
      failed('i-2', 'lock held by process 1'),
      failed('i-3', 'no route'),
      failed('i-4', 'lock held by process 2'),
      failed('i-5', 'no route'),
      failed('i-6', 'lock held by process 3'),
      failed('i-7', 'timeout', { statusDetails: 'Undeliverable' }),
    ];

    // Act
    const summary = summarizeCauses(9, examined);

    // Assess
    expect(summary.unhealthy).toBe(9);
    expect(summary.examined).toBe(7);
    expect(summary.groups.map((group) => [group.cause.text, group.count, group.targets])).toEqual([
      ['lock held by process N', 3, ['i-2', 'i-4', 'i-6']],
      ['no route', 2, ['i-3', 'i-5']],
      ['disk full', 1, ['i-1']],
      ['not delivered: node unreachable (SSM Agent offline or instance stopped)', 1, ['i-7']],
    ]);
    expect(summary.unavailable).toEqual({});
  });

  it('names the first five targets of a group and counts the rest', () => {
    const examined = Array.from({ length: 12 }, (_, n) => failed(`i-${n}`, `held by process ${n}`));
    const [group] = summarizeCauses(12, examined).groups;
    expect(group?.count).toBe(12);
    expect(group?.targets).toEqual(['i-0', 'i-1', 'i-2', 'i-3', 'i-4']);
  });

  it('makes one group per reason a cause could not be read, and counts each reason', () => {
    // Prepare
    const unavailable = (node: string, reason: 'Throttled' | 'Expired'): Examined => ({
      subject: { taskType: 'RUN_COMMAND', target: node, status: 'FAILED' },
      evidence: { kind: 'unavailable', reason },
    });

    // Act
    const summary = summarizeCauses(4, [
      unavailable('i-1', 'Throttled'),
      failed('i-2', 'boom'),
      unavailable('i-3', 'Expired'),
      unavailable('i-4', 'Throttled'),
    ]);

    // Assess
    expect(summary.unavailable).toEqual({ Throttled: 2, Expired: 1 });
    expect(summary.groups.map((group) => [group.cause.unavailable, group.count])).toEqual([
      ['Throttled', 2],
      [undefined, 1],
      ['Expired', 1],
    ]);
  });

  it('summarizes nothing examined as no groups', () => {
    expect(summarizeCauses(3, [])).toEqual({ unhealthy: 3, examined: 0, groups: [], unavailable: {} });
  });
});

import { describe, expect, it } from 'vitest';
import { ExecutionTally, needsAlert } from '../../../lambda/core/tally';
import { instanceIdOf } from '../../../lambda/core/target-line';
import { EXECUTION, PATCH_TASK, RESTART_TASK, record, tallyOf } from '../../support/records';

describe('ExecutionTally', () => {
  it('counts FAILED, TIMED_OUT and CANCELLED separately per task and in total', () => {
    // Act
    const tally = tallyOf(
      [
        PATCH_TASK,
        [record('SUCCESS', 1), record('FAILED', 2), record('TIMED_OUT', 3), record('CANCELLED', 4), {}],
      ],
      [RESTART_TASK, [record('FAILED', 5, { TaskType: 'AUTOMATION' }), record('CANCELLED', 6)]],
    );

    // Assess
    expect(tally.tasks.map((task) => task.counts)).toEqual([
      { total: 5, failed: 1, timedOut: 1, cancelled: 1 },
      { total: 2, failed: 1, timedOut: 0, cancelled: 1 },
    ]);
    expect(tally.counts).toEqual({ total: 7, failed: 2, timedOut: 1, cancelled: 2 });
    expect(tally.tasks[0]?.listed).toHaveLength(2);
    expect(needsAlert(EXECUTION, tally)).toBe(true);
  });

  it('counts unfinished invocations apart from the totals', () => {
    // Act
    const tally = tallyOf([
      PATCH_TASK,
      [record('FAILED', 1), record('IN_PROGRESS', 2), record('PENDING', 3), record('CANCELLING', 4)],
    ]);

    // Assess
    expect(tally.counts).toEqual({ total: 1, failed: 1, timedOut: 0, cancelled: 0 });
    expect(tally.running).toBe(3);
  });

  it('needs no alert when only successes and cancellations happened', () => {
    expect(needsAlert(EXECUTION, tallyOf([PATCH_TASK, [record('SUCCESS', 1), record('CANCELLED', 2)]]))).toBe(
      false,
    );
  });

  it('needs an alert when the run itself failed, timed out, was cancelled or was skipped', () => {
    const cancelled = tallyOf([{ ...PATCH_TASK, Status: 'CANCELLED' }, [record('CANCELLED', 1)]]);
    expect(needsAlert({ ...EXECUTION, status: 'TIMED_OUT' }, cancelled)).toBe(true);
    expect(needsAlert({ ...EXECUTION, status: 'FAILED' }, new ExecutionTally())).toBe(true);
    expect(needsAlert({ ...EXECUTION, status: 'CANCELLED' }, cancelled)).toBe(true);
    expect(needsAlert({ ...EXECUTION, status: 'SKIPPED_OVERLAPPING' }, new ExecutionTally())).toBe(true);
    expect(needsAlert({ ...EXECUTION, status: 'SUCCESS' }, cancelled)).toBe(false);
  });

  it('needs an alert when a task itself failed, even with no failed invocation', () => {
    const tally = tallyOf([
      { ...PATCH_TASK, Status: 'FAILED', StatusDetails: 'No invocations to execute' },
      [],
    ]);
    expect(needsAlert(EXECUTION, tally)).toBe(true);
  });

  it('keeps exact counts but stops keeping target lines once they cannot fit a message', () => {
    // Act
    const tally = new ExecutionTally(1_000);
    const task = tally.addTask(PATCH_TASK);
    for (let page = 0; page < 50; page++) {
      task.add(Array.from({ length: 100 }, (_, i) => record('FAILED', page * 100 + i)));
    }

    // Assess
    expect(task.counts.failed).toBe(5_000);
    const kept = task.listed.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    expect(kept).toBeLessThanOrEqual(1_000);
    expect(task.listed.length).toBeGreaterThan(3);
  });
});

describe('TaskTally subjects', () => {
  it("keeps the first maxSubjects failed targets of each task, as their cause's read needs them", () => {
    // Act
    const tally = new ExecutionTally(undefined, { maxSubjects: 2 });
    tally
      .addTask(PATCH_TASK)
      .add([
        record('SUCCESS', 1),
        record('TIMED_OUT', 2),
        record('FAILED', 3, { Parameters: undefined }),
        record('FAILED', 4),
      ]);

    // Assess
    expect(tally.tasks[0]?.subjects).toEqual([
      {
        taskType: 'RUN_COMMAND',
        taskArn: 'AWS-RunPatchBaseline',
        executionId: '11111111-0000-4000-8000-000000000002',
        instanceId: 'i-00000000000000002',
        target: 'i-00000000000000002',
        status: 'TIMED_OUT',
        statusDetails: 'Execution Timed Out',
      },
      {
        taskType: 'RUN_COMMAND',
        taskArn: 'AWS-RunPatchBaseline',
        executionId: '11111111-0000-4000-8000-000000000003',
        instanceId: undefined,
        target: 'target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
        status: 'FAILED',
        statusDetails: 'Failed',
      },
    ]);
    expect(JSON.stringify(tally.tasks[0]?.subjects)).not.toContain('hunter2');
    expect(tally.tasks[0]?.counts.failed).toBe(2);
  });

  it("takes the task's type when the invocation does not say it, else none", () => {
    const tally = new ExecutionTally(undefined, { maxSubjects: 1 });
    tally.addTask(RESTART_TASK).add([record('FAILED', 1, { TaskType: undefined })]);
    tally.addTask({}).add([record('FAILED', 2, { TaskType: undefined })]);
    expect(tally.tasks.map((task) => task.subjects[0]?.taskType)).toEqual(['AUTOMATION', '']);
  });

  it('keeps none by default', () => {
    const tally = tallyOf([PATCH_TASK, [record('FAILED', 1)]]);
    expect(tally.tasks[0]?.subjects).toEqual([]);
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

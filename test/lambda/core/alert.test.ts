import { describe, expect, it } from 'vitest';
import { buildAlert, safeSubject, windowConsoleUrl } from '../../../lambda/core/alert';
import { ExecutionTally, MAX_MESSAGE_BYTES } from '../../../lambda/core/tally';
import {
  CONTEXT,
  EXECUTION,
  PATCH_TASK,
  RESTART_TASK,
  record,
  TASK_EVENT,
  tallyOf,
} from '../../support/records';

describe('buildAlert', () => {
  it('reports a window execution task by task, naming each failed target, without Parameters', () => {
    // Act
    const alert = buildAlert(
      EXECUTION,
      tallyOf(
        [PATCH_TASK, [record('SUCCESS', 1), record('FAILED', 2), record('TIMED_OUT', 3)]],
        [
          RESTART_TASK,
          [
            record('FAILED', 4, {
              TaskType: 'AUTOMATION',
              Parameters: '{"parameters":{"InstanceId":["i-0000000000000000a"]}}',
            }),
            record('CANCELLED', 5),
          ],
        ],
      ),
      { ...CONTEXT, windowName: 'patch-prod-linux' },
    );

    // Assess
    expect(alert.subject).toBe(
      'Maintenance window patch-prod-linux (mw-0ed7251d3fcf6e0c2): 2 failed, 1 timed out of 5 targets',
    );
    expect(alert.attributes).toEqual({
      window_id: EXECUTION.windowId,
      status: 'FAILED',
      execution_status: 'SUCCESS',
    });
    expect(alert.message).toBe(
      [
        '3 of 5 targets did not succeed in maintenance window patch-prod-linux (mw-0ed7251d3fcf6e0c2).',
        '',
        'Window:            patch-prod-linux (mw-0ed7251d3fcf6e0c2)',
        'Window execution:  14bea65d-5ccc-462d-a2f3-e99c81234567',
        'Status:            SUCCESS',
        'Started:           2026-11-28T02:00:00.000Z',
        'Ended:             2026-11-28T02:10:00.000Z',
        'Invocations:       5 total, 2 failed, 1 timed out, 1 cancelled',
        '',
        'Task 6417e808-7f35-4d1a-843f-123456789012: AWS-RunPatchBaseline (RUN_COMMAND), status SUCCESS',
        '  1 of 3 failed, 1 timed out, 0 cancelled',
        '    FAILED    i-00000000000000002 (command 11111111-0000-4000-8000-000000000002): Failed',
        '    TIMED_OUT i-00000000000000003 (command 11111111-0000-4000-8000-000000000003): Execution Timed Out',
        '',
        'Task 7528f919-8046-4e2b-954a-234567890123: AWS-RestartEC2Instance (AUTOMATION, RUN_COMMAND), status SUCCESS',
        '  1 of 2 failed, 0 timed out, 1 cancelled',
        '    FAILED    i-0000000000000000a (automation 11111111-0000-4000-8000-000000000004): Failed',
        '',
        'Console:',
        '  https://eu-west-1.console.aws.amazon.com/systems-manager/maintenance-windows/mw-0ed7251d3fcf6e0c2?region=eu-west-1',
        '',
      ].join('\n'),
    );
    expect(alert.message).not.toContain('hunter2');
  });

  it('reports one task for a task event, named by ID when the window name is unknown', () => {
    // Act
    const alert = buildAlert(
      TASK_EVENT,
      tallyOf([{ TaskExecutionId: TASK_EVENT.taskExecutionId, Status: 'FAILED' }, [record('TIMED_OUT', 1)]]),
      CONTEXT,
    );

    // Assess
    expect(alert.subject).toBe('Maintenance window mw-0ed7251d3fcf6e0c2: 0 failed, 1 timed out of 1 targets');
    expect(alert.message).not.toContain('Status:            ');
    expect(alert.message).toContain(
      'Task 6417e808-7f35-4d1a-843f-123456789012: RUN_COMMAND, status FAILED\n',
    );
    expect(alert.attributes).toEqual({
      window_id: TASK_EVENT.windowId,
      status: 'FAILED',
      execution_status: 'FAILED',
    });
  });

  it('says the run ended TIMED_OUT when no task or target is to blame', () => {
    const alert = buildAlert({ ...EXECUTION, status: 'TIMED_OUT' }, new ExecutionTally(), CONTEXT);
    expect(alert.subject).toBe('Maintenance window mw-0ed7251d3fcf6e0c2: run ended TIMED_OUT');
    expect(alert.attributes.status).toBe('TIMED_OUT');
    expect(alert.message).toContain('Status:            TIMED_OUT');
  });

  it('reports TIMED_OUT as the worst status when nothing failed outright', () => {
    const alert = buildAlert(EXECUTION, tallyOf([PATCH_TASK, [record('TIMED_OUT', 1)]]), CONTEXT);
    expect(alert.attributes.status).toBe('TIMED_OUT');
  });

  it('says which task did not complete when no target failed', () => {
    // Act
    const alert = buildAlert(
      { ...EXECUTION, status: 'FAILED', startTime: undefined },
      tallyOf([
        {
          ...PATCH_TASK,
          Status: 'FAILED',
          StatusDetails: 'The maintenance window\nrole could not be assumed',
        },
        [],
      ]),
      CONTEXT,
    );

    // Assess
    expect(alert.subject).toBe('Maintenance window mw-0ed7251d3fcf6e0c2: 1 task did not complete');
    expect(alert.message).toContain(
      'AWS-RunPatchBaseline (RUN_COMMAND), status FAILED: The maintenance window role could not be assumed\n',
    );
    expect(alert.message).toContain('Started:           unknown');
  });

  it('names a target by its window target when no instance is known', () => {
    const alert = buildAlert(
      EXECUTION,
      tallyOf([
        { TaskExecutionId: undefined, TaskType: 'LAMBDA' },
        [
          { Status: 'FAILED', TaskType: 'LAMBDA', WindowTargetId: 'e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6' },
          { Status: 'FAILED' },
        ],
      ]),
      CONTEXT,
    );
    expect(alert.message).toContain('Task unknown: LAMBDA\n');
    expect(alert.message).toContain('    FAILED    target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6\n');
    expect(alert.message).toContain('    FAILED    unknown target\n');
  });

  it('stays within the byte limit across tasks and says how many targets each left out', () => {
    // Prepare
    const big = (status: string, from: number) =>
      Array.from({ length: 2_500 }, (_, i) => record(status, from + i, { StatusDetails: 'x'.repeat(250) }));
    const tally = tallyOf([PATCH_TASK, big('FAILED', 0)], [RESTART_TASK, big('TIMED_OUT', 10_000)]);

    // Act
    const alert = buildAlert(EXECUTION, tally, { ...CONTEXT, maxBytes: 20_000 });

    // Assess
    expect(Buffer.byteLength(alert.message)).toBeLessThanOrEqual(20_000);
    const listed = alert.message.split('\n').filter((line) => /^ {4}(FAILED|TIMED_OUT)/.test(line)).length;
    expect(listed).toBeGreaterThan(10);
    expect(alert.message).toContain(`    +${2_500 - listed} more not listed\n`);
    expect(alert.message).toContain('    +2500 more not listed\n');
  });

  it('fits a 5,000-failure run under the SNS limit by default', () => {
    const tally = tallyOf([
      PATCH_TASK,
      Array.from({ length: 5_000 }, (_, i) => record('FAILED', i, { StatusDetails: 'y'.repeat(250) })),
    ]);
    const alert = buildAlert(EXECUTION, tally, CONTEXT);
    expect(Buffer.byteLength(alert.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(alert.message).toMatch(/ {4}\+\d+ more not listed\n/);
  });

  it('shortens a long window name but keeps the ID and counts in the subject', () => {
    const alert = buildAlert(EXECUTION, tallyOf([PATCH_TASK, [record('FAILED', 1)]]), {
      ...CONTEXT,
      windowName: 'n'.repeat(200),
    });
    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(
      /^Maintenance window n+\.\.\. \(mw-0ed7251d3fcf6e0c2\): 1 failed, 0 timed out of 1 targets$/,
    );
  });
});

describe('runs that did not happen', () => {
  it('says what was skipped when a run overlapped the previous one', () => {
    // Act
    const alert = buildAlert({ ...EXECUTION, status: 'SKIPPED_OVERLAPPING' }, new ExecutionTally(), {
      ...CONTEXT,
      windowName: 'patch-prod',
    });

    // Assess
    expect(alert.subject).toBe(
      'Maintenance window patch-prod (mw-0ed7251d3fcf6e0c2): run skipped (overlapped)',
    );
    expect(alert.message.split('\n')[0]).toBe(
      'The run of maintenance window patch-prod (mw-0ed7251d3fcf6e0c2) was skipped (SKIPPED_OVERLAPPING): ' +
        'it was due while the previous run was still in progress, so none of its tasks ran.',
    );
    expect(alert.attributes).toEqual({
      window_id: EXECUTION.windowId,
      status: 'SKIPPED_OVERLAPPING',
      execution_status: 'SKIPPED_OVERLAPPING',
    });
    expect(alert.chat.content.nextSteps[1]).toContain('took longer than the time between runs');
  });

  it('says a cancelled run was cancelled, with the tasks that did run', () => {
    const tally = tallyOf([
      { ...PATCH_TASK, Status: 'CANCELLED' },
      [record('SUCCESS', 1), record('CANCELLED', 2)],
    ]);
    const alert = buildAlert({ ...EXECUTION, status: 'CANCELLED' }, tally, CONTEXT);
    expect(alert.subject).toBe('Maintenance window mw-0ed7251d3fcf6e0c2: run cancelled');
    expect(alert.message).toContain('was cancelled (CANCELLED): tasks that had not finished did not run.');
    expect(alert.message).toContain('  0 of 2 failed, 0 timed out, 1 cancelled');
  });
});

describe('the chat variant', () => {
  it('is a custom notification in schema 1.0, short, with the window as its thread', () => {
    // Prepare
    const many = Array.from({ length: 400 }, (_, i) =>
      record('FAILED', i, { StatusDetails: 'z'.repeat(200) }),
    );

    // Act
    const alert = buildAlert(
      EXECUTION,
      tallyOf([PATCH_TASK, many], [RESTART_TASK, [record('TIMED_OUT', 999)]]),
      {
        ...CONTEXT,
        windowName: 'patch-prod',
      },
    );

    // Assess
    expect(JSON.parse(JSON.stringify(alert.chat))).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', keywords: [EXECUTION.windowId, 'FAILED', 'SUCCESS'] },
      metadata: {
        eventType: 'MaintenanceWindowRunReport',
        relatedResources: [EXECUTION.windowId, EXECUTION.windowExecutionId],
      },
    });
    expect(alert.chat.content.title).toBe(alert.subject);
    expect(alert.chat.content.description.length).toBeLessThanOrEqual(3_000);
    expect(alert.chat.content.description).toContain(
      '• `AWS-RunPatchBaseline` (RUN_COMMAND): 400 of 400 failed, 0 timed out',
    );
    expect(alert.chat.content.description).toContain('+395 more in the e-mail');
    expect(alert.chat.metadata.threadId).toBe(EXECUTION.windowId);
    expect(alert.chat.content.nextSteps[0]).toContain(
      windowConsoleUrl('aws', 'eu-west-1', EXECUTION.windowId),
    );
    expect(alert.chat.content.description).not.toContain('hunter2');
  });

  it('fits the SNS 256 KB limit with its attributes, however many targets failed', () => {
    // Prepare: a 5,000-failure run with long status details
    const records = Array.from({ length: 5_000 }, (_, i) =>
      record('FAILED', i, { StatusDetails: '"'.repeat(250) }),
    );

    // Act
    const alert = buildAlert(EXECUTION, tallyOf([PATCH_TASK, records]), CONTEXT);

    // Assess
    const attributeBytes = Object.entries(alert.attributes).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value),
      0,
    );
    expect(Buffer.byteLength(alert.message) + attributeBytes).toBeLessThanOrEqual(256 * 1024);
    expect(alert.message).toMatch(/ {4}\+\d+ more not listed\n/);
  });

  it('says how many invocations were still running, and that they are counted when they finish', () => {
    // Prepare: a cancelled run whose patch task still had 3 targets in progress
    const tally = tallyOf([
      PATCH_TASK,
      [record('FAILED', 1), record('IN_PROGRESS', 2), record('PENDING', 3), record('CANCELLING', 4)],
    ]);

    // Act
    const alert = buildAlert({ ...EXECUTION, status: 'CANCELLED' }, tally, CONTEXT);

    // Assess
    expect(alert.message).toContain('Invocations:       1 total, 1 failed, 0 timed out\n');
    expect(alert.message).toContain(
      'Still running:     3 (not counted yet: they are counted when they finish, and an update follows if any of them fails)\n',
    );
    expect(alert.chat.content.description).toContain(
      '3 invocations still running: counted when they finish.',
    );
  });

  it('makes an update of an alert whose still-running invocations failed since', () => {
    // Prepare: 2 failures were alerted; 3 more failed once the rest finished
    const records = [1, 2, 3, 4, 5].map((n) => record('FAILED', n));

    // Act
    const alert = buildAlert(EXECUTION, tallyOf([PATCH_TASK, [...records, record('SUCCESS', 6)]]), {
      ...CONTEXT,
      alreadyReported: 2,
    });

    // Assess
    expect(alert.subject).toBe(
      `Update: maintenance window ${EXECUTION.windowId}: 5 failed, 0 timed out of 6 targets`,
    );
    expect(alert.message.split('\n')[0]).toBe(
      `3 more targets did not succeed in maintenance window ${EXECUTION.windowId} after the first alert: ` +
        'invocations still running when the run ended have finished. Now 5 of 6.',
    );
    const one = buildAlert(EXECUTION, tallyOf([PATCH_TASK, records]), { ...CONTEXT, alreadyReported: 4 });
    expect(one.message.split('\n')[0]).toMatch(/^1 more target did not succeed /);
  });
});

describe('the chat variant, when there is much to say', () => {
  it('cuts the description short, saying where the rest is', () => {
    // Prepare: 40 tasks, each with failures
    const tasks = Array.from({ length: 40 }, (_, i): [typeof PATCH_TASK, ReturnType<typeof record>[]] => [
      { ...PATCH_TASK, TaskExecutionId: `6417e808-7f35-4d1a-843f-${String(i).padStart(12, '0')}` },
      [record('FAILED', i * 10), record('FAILED', i * 10 + 1)],
    ]);

    // Act
    const alert = buildAlert(EXECUTION, tallyOf(...tasks), CONTEXT);

    // Assess
    expect(alert.chat.content.description.length).toBeLessThanOrEqual(3_000);
    expect(alert.chat.content.description.endsWith('…(see the e-mail for the rest)')).toBe(true);
    expect(alert.message.match(/^Task /gm)).toHaveLength(40);
  });
});

describe('the subject', () => {
  it('counts the tasks that did not complete when no target failed', () => {
    const tally = tallyOf(
      [{ ...PATCH_TASK, Status: 'FAILED' }, [record('SUCCESS', 1)]],
      [{ ...RESTART_TASK, Status: 'TIMED_OUT' }, []],
    );
    expect(buildAlert(EXECUTION, tally, CONTEXT).subject).toBe(
      `Maintenance window ${EXECUTION.windowId}: 2 tasks did not complete`,
    );
  });

  it('leaves a window name out when not even a stub of it fits beside the counts', () => {
    // Prepare: an update with five-digit counts leaves less than four characters for the name
    const records = Array.from({ length: 20_000 }, (_, i) => record(i % 2 ? 'FAILED' : 'TIMED_OUT', i));

    // Act
    const alert = buildAlert(EXECUTION, tallyOf([PATCH_TASK, records]), {
      ...CONTEXT,
      windowName: 'patch-prod-linux',
      alreadyReported: 0,
    });

    // Assess
    expect(alert.subject).toBe(
      `Update: maintenance window ${EXECUTION.windowId}: 10000 failed, 10000 timed out of 20000 targets`,
    );
  });
});

describe('windowConsoleUrl', () => {
  it.each([
    [
      'aws',
      'us-east-1',
      'https://us-east-1.console.aws.amazon.com/systems-manager/maintenance-windows/mw-1?region=us-east-1',
    ],
    [
      'aws-cn',
      'cn-north-1',
      'https://console.amazonaws.cn/systems-manager/maintenance-windows/mw-1?region=cn-north-1',
    ],
    [
      'aws-us-gov',
      'us-gov-west-1',
      'https://console.amazonaws-us-gov.com/systems-manager/maintenance-windows/mw-1?region=us-gov-west-1',
    ],
  ])('points at the %s console', (partition, region, url) => {
    expect(windowConsoleUrl(partition, region, 'mw-1')).toBe(url);
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

describe('buildAlert in Organization mode', () => {
  const tally = () => tallyOf([PATCH_TASK, [record('SUCCESS', 1), record('FAILED', 2)]]);
  const member = { ...CONTEXT, region: 'eu-west-1', account: { id: '111122223333', name: 'Payments prod' } };

  it('names the account and Region in the subject, the text, the card and the attributes', () => {
    const alert = buildAlert(
      { ...EXECUTION, accountRegion: { accountId: '111122223333', region: 'eu-west-1' } },
      tally(),
      member,
    );

    expect(alert.subject).toBe(
      `Window ${EXECUTION.windowId} in 111122223333/eu-west-1: 1 failed, 0 timed out of 2 targets`,
    );
    expect(alert.message).toContain(
      '\nAccount:           Payments prod (111122223333)\nRegion:            eu-west-1\n',
    );
    expect(alert.message).toContain(
      `https://eu-west-1.console.aws.amazon.com/systems-manager/maintenance-windows/${EXECUTION.windowId}?region=eu-west-1`,
    );
    expect(alert.chat.content.description).toContain(
      'Account Payments prod (111122223333), Region eu-west-1.',
    );
    expect(alert.attributes).toMatchObject({ account_id: '111122223333', region: 'eu-west-1' });
  });

  it("puts the window's name, not its ID, beside the account and Region, shortened to SNS's 100 characters", () => {
    const alert = buildAlert(EXECUTION, tally(), { ...member, windowName: `patch-${'x'.repeat(80)}` });

    expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(alert.subject).toMatch(
      /^Window patch-x+\.\.\. in 111122223333\/eu-west-1: 1 failed, 0 timed out of 2 targets$/,
    );
  });

  it('names the account by ID when its name is not known', () => {
    const alert = buildAlert(EXECUTION, tally(), { ...member, account: { id: '111122223333' } });

    expect(alert.message).toContain('\nAccount:           111122223333\n');
  });

  it('adds no account or Region in single-account mode', () => {
    const alert = buildAlert(EXECUTION, tally(), CONTEXT);

    expect(alert.message).not.toContain('Account:');
    expect(Object.keys(alert.attributes)).toEqual(['window_id', 'status', 'execution_status']);
  });
});

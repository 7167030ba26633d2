import { describe, expect, it } from 'vitest';
import { buildAlert, MAX_CAUSES_BYTES, safeSubject, windowConsoleUrl } from '../../../lambda/core/alert';
import { type CauseSubject, type Examined, summarizeCauses } from '../../../lambda/core/causes';
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

describe('the causes in the alert', () => {
  const node = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
  const subject = (n: number, extra: Partial<CauseSubject> = {}): CauseSubject => ({
    taskType: 'RUN_COMMAND',
    taskArn: 'AWS-RunPatchBaseline',
    target: node(n),
    status: 'FAILED',
    statusDetails: 'Failed',
    ...extra,
  });
  const WRAPPER = 'failed to run commands: exit status';

  /** 23 targets did not succeed; 21 examined: a lock on 12, a payload on 3, 2 timed out, and more. */
  function realisticMix(): Examined[] {
    const lock = Array.from(
      { length: 12 },
      (_, n): Examined => ({
        subject: subject(n),
        evidence: {
          kind: 'output',
          step: 'PatchLinux',
          documentName: 'AWS-RunPatchBaseline',
          stderr: `E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process ${900 + n} (unattended-upgr)\n${WRAPPER} 100`,
        },
      }),
    );
    const payload = Array.from(
      { length: 3 },
      (_, n): Examined => ({
        subject: subject(20 + n),
        evidence: {
          kind: 'output',
          step: 'PatchLinux',
          documentName: 'AWS-RunPatchBaseline',
          stderr: `Unable to download payload: https://s3.eu-west-1.amazonaws.com/aws-ssm-eu-west-1/x.tar.gz.${WRAPPER} 156`,
          fullOutput: `s3://patch-logs/${node(20 + n)}/stderr`,
        },
      }),
    );
    const timedOut = [30, 31].map(
      (n): Examined => ({
        subject: subject(n, { status: 'TIMED_OUT', statusDetails: 'Execution Timed Out' }),
        evidence: { kind: 'output', step: 'PatchLinux', documentName: 'AWS-RunPatchBaseline' },
      }),
    );
    return [
      ...lock,
      ...payload,
      ...timedOut,
      {
        subject: subject(40, { statusDetails: 'Undeliverable' }),
        evidence: { kind: 'unavailable', reason: 'Error' },
      },
      {
        subject: subject(41, { taskType: 'AUTOMATION', taskArn: 'AWS-RestartEC2Instance' }),
        evidence: {
          kind: 'message',
          step: 'stopInstance',
          message: 'Step fails when it is `Verifying`. *Bold*',
        },
      },
      { subject: subject(42), evidence: { kind: 'unavailable', reason: 'Expired' } },
      {
        subject: subject(43, { target: 'target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6' }),
        evidence: { kind: 'unavailable', reason: 'Throttled' },
      },
    ];
  }

  const failedTally = (count: number) =>
    tallyOf([PATCH_TASK, Array.from({ length: count }, (_, n) => record('FAILED', n))]);

  it('puts the groups before the per-task target lists, which stay', () => {
    // Prepare
    const tally = failedTally(23);
    const causes = summarizeCauses(23, realisticMix());

    // Act
    const without = buildAlert(EXECUTION, tally, CONTEXT);
    const alert = buildAlert(EXECUTION, tally, { ...CONTEXT, causes });

    // Assess
    const section = [
      '',
      'Causes (23 targets did not succeed; 21 examined):',
      '  12 targets  E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process N (unattended-upgr) (exit status 100)',
      `              step PatchLinux, on ${[0, 1, 2, 3, 4].map(node).join(', ')} +7 more`,
      '   3 targets  Unable to download payload: https://s3.<region>.amazonaws.com/aws-ssm-<region>/x.tar.gz. (exit status 156)',
      `              step PatchLinux, on ${node(20)}, ${node(21)}, ${node(22)}`,
      '              hint: payload download failed: S3 endpoint unreachable from node',
      `              full output: s3://patch-logs/${node(20)}/stderr`,
      '   2 targets  timed out: no output',
      `              step PatchLinux, on ${node(30)}, ${node(31)}`,
      '   1 target   not delivered: node unreachable (SSM Agent offline or instance stopped)',
      `              on ${node(40)}`,
      '   1 target   Step fails when it is `Verifying`. *Bold*',
      `              step stopInstance, on ${node(41)}`,
      '   1 target   output no longer kept: Run Command keeps 30 days',
      `              on ${node(42)}`,
      '   1 target   not read: the service throttled the reads',
      '              on target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
    ].join('\n');
    const [head, rest] = without.message.split(/(?=\n\nTask )/);
    expect(alert.message).toBe(`${head}\n${section}${rest}`);
    expect(alert.subject).toBe(without.subject);
    expect(alert.attributes).toEqual(without.attributes);
  });

  it('says when every target was examined', () => {
    const causes = summarizeCauses(1, [
      { subject: subject(1), evidence: { kind: 'message', message: 'boom' } },
    ]);
    const alert = buildAlert(EXECUTION, failedTally(1), { ...CONTEXT, causes });
    expect(alert.message).toContain(
      '\nCauses (1 target did not succeed; all examined):\n  1 target   boom\n',
    );
    expect(alert.chat.content.description).toContain('*Causes* (1 target did not succeed; all examined):\n');
  });

  it('keeps 1,000 distinct causes within 8 KiB, counting the groups left out, and the message within its limit', () => {
    // Prepare: 1,000 causes of 154 characters, mostly four-byte ones, with long links, on 1,500 targets.
    const letters = (k: number) =>
      [676, 26, 1].map((unit) => String.fromCharCode(97 + (Math.floor(k / unit) % 26))).join('');
    const examined = Array.from(
      { length: 1_500 },
      (_, n): Examined => ({
        subject: subject(n),
        evidence: {
          kind: 'output',
          stderr: `${letters(n % 1_000)} ${'😀'.repeat(150)}`,
          fullOutput: `s3://patch-logs/${'p'.repeat(300)}`,
        },
      }),
    );
    const causes = summarizeCauses(2_000, examined);
    const tally = failedTally(2_000);

    // Act
    const alert = buildAlert(EXECUTION, tally, { ...CONTEXT, causes });
    const small = buildAlert(EXECUTION, tally, { ...CONTEXT, causes, maxBytes: 5_000 });

    // Assess
    expect(causes.groups).toHaveLength(1_000);
    const section = alert.message.slice(
      alert.message.indexOf('\nCauses ('),
      alert.message.indexOf('\n\nTask '),
    );
    expect(Buffer.byteLength(section)).toBeLessThanOrEqual(MAX_CAUSES_BYTES);
    expect(section).toContain('Causes (2000 targets did not succeed; 1500 examined):');
    const shown = section.match(/^ {2}\s*\d+ targets? {2}/gm)?.length ?? 0;
    // The bytes bind before the ten groups shown at most do.
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(10);
    const shownTargets = causes.groups.slice(0, shown).reduce((sum, group) => sum + group.count, 0);
    expect(section.endsWith(`\n  +${1_000 - shown} other causes (${1_500 - shownTargets} targets)`)).toBe(
      true,
    );
    expect(Buffer.byteLength(alert.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(alert.chat.content.description.length).toBeLessThanOrEqual(3_000);
    expect(Buffer.byteLength(small.message)).toBeLessThanOrEqual(5_000);
    expect(small.message).toMatch(/\n {2}\+\d+ other causes \(\d+ targets\)\n/);
  });

  it('shows at most ten groups, counting the rest', () => {
    const examined = Array.from(
      { length: 12 },
      (_, n): Examined => ({
        subject: subject(n),
        evidence: { kind: 'message', message: `cause ${String.fromCharCode(65 + n)}` },
      }),
    );
    const alert = buildAlert(EXECUTION, failedTally(12), {
      ...CONTEXT,
      causes: summarizeCauses(12, examined),
    });
    expect(alert.message).toContain('  1 target   cause J\n');
    expect(alert.message).not.toContain('cause K');
    expect(alert.message).toContain(`\n  +2 other causes (2 targets)\n`);
  });

  it('says when no cause was examined', () => {
    const alert = buildAlert(EXECUTION, failedTally(2), { ...CONTEXT, causes: summarizeCauses(2, []) });
    expect(alert.message).toContain('\nCauses (2 targets did not succeed; none examined):\n\nTask ');
    expect(alert.chat.content.nextSteps[1]).toBe(
      "Read each failed target's output (Run Command or Automation) for the reason.",
    );
  });

  it('leaves the section out when not even its heading fits the message', () => {
    // Prepare: the limit is the alert without causes, to the byte.
    const tally = failedTally(1);
    const limit = Buffer.byteLength(buildAlert(EXECUTION, tally, CONTEXT).message);
    const causes = summarizeCauses(1, [
      { subject: subject(1), evidence: { kind: 'message', message: 'boom' } },
    ]);

    // Act
    const alert = buildAlert(EXECUTION, tally, { ...CONTEXT, causes, maxBytes: limit });

    // Assess
    expect(alert.message).not.toContain('Causes (');
    expect(Buffer.byteLength(alert.message)).toBeLessThanOrEqual(limit);
  });

  it('shows the top three causes on the chat card, each within 100 characters, before the tasks', () => {
    // Prepare
    const causes = summarizeCauses(23, realisticMix());

    // Act
    const alert = buildAlert(EXECUTION, failedTally(23), { ...CONTEXT, causes });

    // Assess
    const description = alert.chat.content.description;
    const lines = description.split('\n');
    const at = lines.indexOf('*Causes* (23 targets did not succeed; 21 examined):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '• 12 targets: `E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process N (unattended-upgr) (exit …`',
      '• 3 targets: `Unable to download payload: https://s3.<region>.amazonaws.com/aws-ssm-<region>/x.tar.gz. (exit stat…`',
      '• 2 targets: `timed out: no output`',
      '• +4 other causes in the e-mail',
    ]);
    for (const line of lines.slice(at + 1, at + 3)) expect(line.split('`')[1]).toHaveLength(100);
    expect(description.indexOf('*Causes*')).toBeLessThan(description.indexOf('• `AWS-RunPatchBaseline`'));
    expect(alert.chat.content.nextSteps[1]).toBe(
      "The causes above come from each failed target's output; the e-mail has them all, with their targets.",
    );
  });

  it('keeps Markdown in a cause inert on the chat card', () => {
    const causes = summarizeCauses(1, realisticMix().slice(-3, -2));
    const alert = buildAlert(EXECUTION, failedTally(1), { ...CONTEXT, causes });
    expect(alert.chat.content.description).toContain(
      "• 1 target: `Step fails when it is 'Verifying'. *Bold*`",
    );
  });

  it('shows no secret from any output or message, in the e-mail or on the card', () => {
    // Prepare
    const secrets = ['hunter2', 'AKIAIOSFODNN7EXAMPLE', 'MIIEowIBAAKCAQEA', 'tok-9f8e7d'];
    const examined: Examined[] = [
      {
        subject: subject(1),
        evidence: { kind: 'output', stderr: 'mysql --password hunter2: Access denied' },
      },
      {
        subject: subject(2),
        evidence: { kind: 'output', stdout: 'Error: key AKIAIOSFODNN7EXAMPLE rejected' },
      },
      {
        subject: subject(3),
        evidence: {
          kind: 'output',
          stderr: '-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END PRIVATE KEY-----',
        },
      },
      {
        subject: subject(4),
        evidence: { kind: 'message', message: 'States.Failed: {"token": "tok-9f8e7d"}' },
      },
      {
        subject: subject(5),
        evidence: { kind: 'unavailable', reason: 'OutputInS3', fullOutput: 's3://b/token=tok-9f8e7d' },
      },
    ];

    // Act
    const alert = buildAlert(EXECUTION, failedTally(5), { ...CONTEXT, causes: summarizeCauses(5, examined) });

    // Assess
    expect(alert.message).toContain('<redacted>');
    for (const secret of secrets) {
      expect(alert.message).not.toContain(secret);
      expect(JSON.stringify(alert.chat)).not.toContain(secret);
    }
  });
});

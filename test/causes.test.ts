/**
 * Failure causes, through the deployed report function on the local endpoint: each failed target's
 * cause read where its task ran (Run Command output, an Automation step, a Step Functions
 * execution), grouped in the one alert; bounded in reads and time; never failing or doubling the
 * report; never logging output or showing a secret; and no extra call with `failureCauses=off`.
 * (The Organization's opt-in, through a member's read role: test/reach-causes.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  cycle,
  dpkgLock,
  executionEvent,
  executionTimedOut,
  expired,
  launchInstanceUnauthorized,
  noSpaceLeft,
  RAN_AND_FAILED,
  rebootRequired,
  runCommandStepFailed,
  SECRETS_IN_OUTPUT,
  secretInStderr,
  seedAutomationOutcomes,
  seedCommandOutcomes,
  seedStepFunctionsOutcomes,
  stateMachineTaskFailed,
  stateMachineTimedOut,
  taskExecution,
} from '../tools/fixtures';
import type { FakeInvocation, FakeTaskExecution } from '../tools/local-aws';
import { metricValues, useSingleAccount } from './support/single-account';

const { aws, freshLedger, invoke, report, seed } = useSingleAccount();

const OFF = { FAILURE_CAUSES: 'off' };
/** Invocations that ran and failed (not undelivered): their causes are read. */
const RAN = { invocationDetails: RAN_AND_FAILED };
const CAUSE_READS = [
  'ListCommandInvocations',
  'GetCommandInvocation',
  'GetAutomationExecution',
  'DescribeAutomationStepExecutions',
];

/** The calls that read causes, by operation. */
function causeCalls(): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const call of aws.fake.calls) {
    if (call.service === 'states' || CAUSE_READS.includes(call.operation)) {
      counted[call.operation] = (counted[call.operation] ?? 0) + 1;
    }
  }
  return counted;
}

/** The alert's "Causes" section: from its heading to the first blank line. */
function causesOf(message: string): string[] {
  const lines = message.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Causes ('));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/**
 * A patch task whose failed targets fail for three reasons (twelve of them on one, differing only
 * in instance ID, process ID and time), two timed out, one command expired and one printed secrets.
 */
function patchTask(): FakeTaskExecution {
  const task = taskExecution('RUN_COMMAND', { SUCCESS: 40, FAILED: 18, TIMED_OUT: 2 }, RAN);
  let failed = 0;
  seedCommandOutcomes(aws.fake, task, (invocation: FakeInvocation) => {
    if (invocation.Status === 'TIMED_OUT') return executionTimedOut(invocation);
    const k = failed++;
    if (k < 12) return dpkgLock(invocation);
    if (k < 15) return noSpaceLeft(invocation);
    if (k < 16) return rebootRequired(invocation);
    if (k < 17) return expired();
    return secretInStderr(invocation);
  });
  return task;
}

function otherTasks(): FakeTaskExecution[] {
  const runbook = taskExecution('AUTOMATION', { SUCCESS: 10, FAILED: 2 }, RAN);
  seedAutomationOutcomes(aws.fake, runbook, cycle(launchInstanceUnauthorized, runCommandStepFailed));
  const stateMachine = taskExecution('STEP_FUNCTIONS', { SUCCESS: 5, FAILED: 1, TIMED_OUT: 1 }, RAN);
  seedStepFunctionsOutcomes(aws.fake, stateMachine, (invocation) =>
    invocation.Status === 'TIMED_OUT' ? stateMachineTimedOut(invocation) : stateMachineTaskFailed(invocation),
  );
  return [runbook, stateMachine];
}

describe('failure causes in the alert', () => {
  it('names each cause once with its count, in the one alert, with the metrics of a run without causes', async () => {
    // Prepare
    const execution = seed([patchTask(), ...otherTasks()]);
    const event = executionEvent(execution);

    // Act
    const run = await invoke(event);
    const alerts = [...aws.fake.published];
    const calls = causeCalls();
    const metrics = metricValues(aws.fake.callsTo('monitoring', 'PutMetricData')[0]);
    aws.fake.clearCalls();
    await freshLedger();
    const off = await invoke(event, OFF);

    // Assess: one alert, its causes section before the targets, largest first
    expect(run.ok).toBe(true);
    expect(alerts).toHaveLength(1);
    const message = alerts[0]?.message ?? '';
    const causes = causesOf(message);
    expect(causes[0]).toBe('Causes (24 targets did not succeed; all examined):');
    expect(message.indexOf('Causes (')).toBeLessThan(message.indexOf('Task '));
    const groups = causes.filter((line) => /^ +\d+ targets? /.test(line));
    expect(groups[0]).toMatch(/^ +12 targets +.*dpkg frontend lock/);
    expect(groups.filter((line) => line.includes('dpkg'))).toHaveLength(1);
    expect(groups.filter((line) => /3 targets .*No space left on device/.test(line))).toHaveLength(1);
    expect(groups.filter((line) => /1 target .*reboot/i.test(line))).toHaveLength(1);
    expect(groups.filter((line) => /2 targets +timed out/.test(line))).toHaveLength(1);
    expect(groups.filter((line) => /1 target .*no longer kept/.test(line))).toHaveLength(1);
    expect(groups.filter((line) => /UnauthorizedOperation|not authorized/.test(line))).toHaveLength(1);
    expect(groups.filter((line) => line.includes('States.TaskFailed'))).toHaveLength(1);
    // The per-task target list stays.
    expect(message).toContain('18 of 60 failed, 2 timed out');

    // One read per examined target that needed one, in the service that ran it.
    expect(calls.ListCommandInvocations).toBe(20);
    expect(calls.GetAutomationExecution).toBe(2);
    expect(calls.DescribeAutomationStepExecutions).toBe(1);
    expect(calls.DescribeExecution).toBe(2);

    // The counts are those of the same run with causes off, which reads none; one data point says
    // what could not be read.
    expect(off.ok).toBe(true);
    expect(causeCalls()).toEqual({});
    const offMetrics = metricValues(aws.fake.callsTo('monitoring', 'PutMetricData')[0]);
    const { 'CausesUnavailable/window': expiredCount, ...counts } = metrics;
    expect(counts).toEqual(offMetrics);
    expect(expiredCount).toBe(1);
    expect(causesOf(aws.fake.published[0]?.message ?? '')).toEqual([]);

    // Output is never logged, and a secret a script printed is nowhere.
    const everything = [
      run.output,
      off.output,
      message,
      alerts[0]?.subject ?? '',
      JSON.stringify(aws.fake.calls.map((call) => call.input)),
    ].join('\n');
    for (const secret of SECRETS_IN_OUTPUT) expect(everything).not.toContain(secret);
    expect(run.output).not.toContain('dpkg');
    expect(run.output).not.toContain('No space left');
    expect(run.output).not.toContain('States.TaskFailed');
    expect(alerts[0]?.subject).toBe(aws.fake.published[0]?.subject);
  });

  it('reads at most the cap of a run of 300 failed targets, and says how many it examined', async () => {
    // Prepare
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 700, FAILED: 300 }, RAN);
    seedCommandOutcomes(aws.fake, task, cycle(dpkgLock, noSpaceLeft, rebootRequired));
    const execution = seed([task]);

    // Act
    const run = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok).toBe(true);
    const calls = causeCalls();
    expect(calls.ListCommandInvocations).toBe(50);
    expect(calls.GetCommandInvocation ?? 0).toBeLessThanOrEqual(10);
    const causes = causesOf(aws.fake.published[0]?.message ?? '');
    expect(causes[0]).toBe('Causes (300 targets did not succeed; 50 examined):');
    expect(causes.filter((line) => /^ +\d+ targets? /.test(line)).length).toBe(3);
  });

  it.each([
    [
      'throttled',
      () => aws.fake.failEveryNth({ everyNth: 1, service: 'ssm', operation: 'ListCommandInvocations' }),
      'Throttled',
    ],
    ['denied', () => aws.fake.deny({ action: 'ssm:ListCommandInvocations' }), 'Denied'],
  ])(
    'reports a run whose cause reads are %s once, saying the causes were not read',
    async (_, fault, reason) => {
      // Prepare
      const task = taskExecution('RUN_COMMAND', { SUCCESS: 20, FAILED: 3 }, RAN);
      seedCommandOutcomes(aws.fake, task, dpkgLock);
      const execution = seed([task]);
      fault();

      // Act
      const run = await invoke(executionEvent(execution));
      aws.fake.failEveryNth(undefined);
      const again = await invoke(executionEvent(execution));

      // Assess
      expect(run.ok).toBe(true);
      expect(again).toMatchObject({ ok: true, result: { duplicate: true } });
      expect(aws.fake.published).toHaveLength(1);
      const causes = causesOf(aws.fake.published[0]?.message ?? '');
      expect(causes.join('\n')).toMatch(/3 targets/);
      expect(causes.join('\n')).not.toContain('dpkg');
      const data = (aws.fake.callsTo('monitoring', 'PutMetricData')[0]?.input.MetricData ?? []) as {
        MetricName: string;
        Dimensions: { Name: string; Value: string }[];
        Value: number;
      }[];
      expect(data.filter((datum) => datum.MetricName === 'CausesUnavailable')).toEqual([
        expect.objectContaining({ Dimensions: [{ Name: 'Reason', Value: reason }], Value: 3 }),
      ]);
      expect(report().timeoutSeconds).toBeGreaterThan(15);
    },
  );
});

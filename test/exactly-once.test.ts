/**
 * Each run reported exactly once, where only the deployed bundle can show it: a Lambda process
 * killed or timed out at each step (the retry carrying its request ID takes over from the ledger on
 * the DynamoDB engine), an attempt that lives on after its retry took over, DynamoDB failing right
 * after a publish, and a ledger that cannot be used. Duplicate and concurrent deliveries are the
 * ledger's and the handler's unit tests' (test/lambda/adapters/ledger.test.ts,
 * test/lambda/handlers/monitor.test.ts),
 * and a burst of them the load test's (test/load.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executionEvent, taskExecution } from '../tools/fixtures';
import type { HoldRule } from '../tools/local-aws';
import { SSM_LIST_INVOCATIONS, useSingleAccount } from './support/single-account';

const { aws, invoke, ledgerItem, seed } = useSingleAccount();

describe('the deployed report function, when a delivery dies mid-way', () => {
  const TOOK_OVER =
    'Took over the lease of an earlier attempt of this invocation; resuming from its recorded steps';

  /** Runs the event until the held call is reached, where Lambda ends the process (`as`). */
  async function dies(event: unknown, hold: HoldRule, as: 'crash' | 'timeout', requestId: string) {
    const held = aws.fake.hold(hold);
    const lambda = new AbortController();
    void held.reached.then(() => lambda.abort());
    return invoke(event, {}, 'index.handler', { requestId, end: { signal: lambda.signal, as } });
  }

  it.each([
    {
      when: 'killed after the metrics',
      hold: { service: 'ssm', operation: 'GetMaintenanceWindow' },
      as: 'crash',
      recorded: ['metricsPublishedAt'],
    },
    {
      // Claim, metrics, alert, then the fourth write: the one that completes the run.
      when: 'killed after the alert',
      hold: { service: 'dynamodb', operation: 'UpdateItem', nth: 4 },
      as: 'crash',
      recorded: ['metricsPublishedAt', 'alertSentAt'],
    },
    {
      when: 'killed while listing',
      hold: { service: 'ssm', operation: SSM_LIST_INVOCATIONS, nth: 2 },
      as: 'crash',
      recorded: [],
    },
    {
      // A publish that never answers (the SDK waits without a timeout of its own) until Lambda's.
      when: "ended at the function's timeout",
      hold: { service: 'sns', operation: 'Publish' },
      as: 'timeout',
      recorded: ['metricsPublishedAt'],
    },
  ] as const)(
    'finishes a delivery $when at once, by the retry carrying its request ID, exactly once',
    async ({ hold, as, recorded }) => {
      // Prepare: a failing run of two pages, and a first attempt that dies at the held call
      const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 3 })]);
      const event = executionEvent(execution);
      const requestId = randomUUID();
      const died = await dies(event, hold, as, requestId);
      const left = await ledgerItem(execution.windowExecutionId);

      // Act: Lambda's retry of the invocation, with the same request ID, while the lease is unexpired
      const retry = await invoke(event, {}, 'index.handler', { requestId });

      // Assess
      expect(died).toMatchObject({ ok: false, ended: as });
      expect(Number(left?.leaseUntil?.N)).toBeGreaterThan(Date.now());
      expect(left?.leaseOwner?.S).toMatch(new RegExp(`^${requestId}/`));
      for (const step of ['metricsPublishedAt', 'alertSentAt']) {
        expect(left?.[step] !== undefined, step).toBe((recorded as readonly string[]).includes(step));
      }
      expect(retry.ok, JSON.stringify(retry.error)).toBe(true);
      expect(retry.result).toMatchObject({ total: 153, failed: 3, tasks: 1 });
      expect(retry.logs.find((line) => line.message === TOOK_OVER)).toMatchObject({
        earlierAttempt: left?.leaseOwner?.S,
        owner: expect.stringMatching(new RegExp(`^${requestId}/`)),
      });
      expect(aws.fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
      expect(aws.fake.published).toHaveLength(1);
      expect((await ledgerItem(execution.windowExecutionId))?.completedAt).toBeDefined();
    },
  );

  it('stops an attempt still alive once a retry with its request ID took over, before it publishes', async () => {
    // Prepare: an attempt stuck listing (Lambda would have ended it; here it lives on)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 150, FAILED: 3 })]);
    const event = executionEvent(execution);
    const requestId = randomUUID();
    const listing = aws.fake.hold({ service: 'ssm', operation: SSM_LIST_INVOCATIONS, nth: 2 });
    const stuck = invoke(event, {}, 'index.handler', { requestId });
    await listing.reached;
    const retry = await invoke(event, {}, 'index.handler', { requestId });

    // Act: the stuck attempt's listing answers at last
    listing.release();
    const late = await stuck;

    // Assess: the retry reported the run; the late attempt published nothing and ended quietly
    expect(retry.result).toMatchObject({ total: 153, failed: 3 });
    expect(late.result).toEqual({ duplicate: true, inProgress: true });
    expect(late.logs.filter((line) => line.level === 'ERROR' || line.level === 'WARN')).toEqual([]);
    expect(aws.fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(aws.fake.published).toHaveLength(1);
  });
});

describe('the deployed report function, when the ledger fails', () => {
  it('keeps recording a publish while DynamoDB fails right after it, so the retry does not publish again', async () => {
    // Prepare: DynamoDB answers 9 errors in a row right after PutMetricData (more than the SDK's 8 attempts)
    const execution = seed([taskExecution('RUN_COMMAND', { SUCCESS: 20, FAILED: 2 })]);
    aws.fake.failAfter({
      after: { service: 'monitoring', operation: 'PutMetricData' },
      service: 'dynamodb',
      calls: 9,
    });

    // Act: the delivery, then what Lambda's retry would do with the same event
    const run = await invoke(executionEvent(execution));
    const retry = await invoke(executionEvent(execution));

    // Assess
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    expect(retry.result).toEqual({ duplicate: true });
    expect(aws.fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
    expect(aws.fake.published).toHaveLength(1);
    expect(
      run.logs.some((line) => line.message?.startsWith('Published the metrics, but could not record it yet')),
    ).toBe(true);
  });

  it('fails loudly and publishes nothing when the ledger table cannot be used', async () => {
    // Act
    const run = await invoke(executionEvent(seed([taskExecution('RUN_COMMAND', { FAILED: 1 })])), {
      LEDGER_TABLE_NAME: 'no-such-table',
    });

    // Assess
    expect(run).toMatchObject({ ok: false, error: { name: 'ResourceNotFoundException' } });
    expect(aws.fake.calls.map((call) => `${call.service}:${call.operation}`)).toEqual([
      'dynamodb:UpdateItem',
    ]);
    expect(
      run.logs.some((line) => line.level === 'ERROR' && line.message === 'Failed to report the execution'),
    ).toBe(true);
  });
});

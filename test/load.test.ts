/**
 * A burst: 200 window executions ending at once, 20% of their events delivered twice, handled by
 * 8 concurrent warm containers of the real bundle, against an SSM that serves a burst of 30
 * requests, then three of every four (the endpoint counts requests, not seconds, so a slow machine
 * meets the same throttling as a fast one). Lambda's asynchronous retries are emulated: a delivery
 * that fails is retried (with the same request ID) up to twice. Every execution must be counted
 * exactly once and alerted at most once.
 */
import { describe, expect, it } from 'vitest';
import { executionEvent, taskExecution, windowExecution, windowId } from '../tools/fixtures';
import { invokeBundle, resolveEnvironment } from '../tools/lambda-runner/bundle';
import type { FakeWindowExecution } from '../tools/local-aws';
import { deployedFunction } from './support/deployed';
import { useLocalAws } from './support/local-aws';
import { TOPIC_ARN } from './support/single-account';

const EXECUTIONS = 200;
const CONTAINERS = 8;
/** SSM's token bucket: 30 requests at once, then three of every four served. */
const SSM_LIMIT = { service: 'ssm', burst: 30, servedShare: 0.75 } as const;

interface Delivery {
  readonly execution: FakeWindowExecution;
  readonly requestId: string;
}

interface Outcome {
  readonly requestId: string;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { name: string; message: string };
}

const aws = useLocalAws({ topics: [TOPIC_ARN] });
const fn = deployedFunction('account', 'index.handler');

/** Runs the deliveries on `CONTAINERS` warm containers at once, each taking its share in turn. */
async function deliver(deliveries: Delivery[], table: string): Promise<Outcome[]> {
  const shares = Array.from({ length: CONTAINERS }, (_, i) =>
    deliveries.filter((_, k) => k % CONTAINERS === i),
  );
  const runs = await Promise.all(
    shares
      .filter((share) => share.length > 0)
      .map((share) =>
        invokeBundle({
          fn,
          event: {
            batch: share.map((d) => ({
              event: executionEvent(d.execution, 'SUCCESS', ENDED),
              requestId: d.requestId,
            })),
          },
          endpoint: aws.fake.endpoint,
          environment: resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: table }),
        }),
      ),
  );
  return runs.flatMap((run) => {
    if (!run.ok) throw new Error(`A container failed to start: ${JSON.stringify(run.error)}`);
    return run.result as Outcome[];
  });
}

const ENDED = new Date(Date.now() - 60_000);

describe('a burst of window executions with duplicate deliveries', () => {
  it('counts every execution exactly once and alerts at most once', async () => {
    // Prepare: 200 executions of 200 windows; every fourth has failed targets
    const executions = Array.from({ length: EXECUTIONS }, (_, i) => {
      const execution = windowExecution(
        [taskExecution('RUN_COMMAND', i % 4 === 0 ? { SUCCESS: 18, FAILED: 2 } : { SUCCESS: 20 })],
        windowId(0x10000 + i),
      );
      aws.fake.addWindowExecution(execution);
      return execution;
    });
    // Every fifth event is delivered twice, the copy right behind it so both run at the same time.
    const deliveries: Delivery[] = executions.flatMap((execution, i) => {
      const first = { execution, requestId: `request-${i}` };
      return i % 5 === 0 ? [first, { execution, requestId: `request-${i}-again` }] : [first];
    });
    const table = await aws.ledgerTable();
    aws.fake.clearCalls();
    aws.fake.rateLimit(SSM_LIMIT);
    const started = performance.now();

    // Act: the burst, then Lambda's two retries of whatever failed
    let pending = deliveries;
    const rounds: number[] = [];
    const settled: Outcome[] = [];
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const outcomes = await deliver(pending, table);
      rounds.push(pending.length);
      settled.push(...outcomes.filter((outcome) => outcome.ok));
      const failed = new Set(outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.requestId));
      pending = pending.filter((delivery) => failed.has(delivery.requestId));
    }
    const seconds = (performance.now() - started) / 1000;

    // Assess
    const throttled = aws.fake.calls.filter((call) => call.errorCode === 'ThrottlingException').length;
    const ssmCalls = aws.fake.callsTo('ssm').length;
    console.info(
      `burst: ${deliveries.length} deliveries of ${EXECUTIONS} executions on ${CONTAINERS} containers in ` +
        `${seconds.toFixed(1)} s; attempts per round ${rounds.join(' / ')}; ${throttled} of ${ssmCalls} SSM ` +
        `requests throttled and retried`,
    );
    expect(pending).toEqual([]);
    expect(settled).toHaveLength(deliveries.length);
    expect(settled.filter((outcome) => (outcome.result as { duplicate?: boolean }).duplicate)).toHaveLength(
      deliveries.length - EXECUTIONS,
    );
    // Each execution needs at least 2 SSM calls, 400 in all, well past the 120 the burst serves in
    // full: throttling happens at any speed.
    expect(throttled).toBeGreaterThan(0);

    const metricsPerWindow = new Map<string, number>();
    for (const call of aws.fake.callsTo('monitoring', 'PutMetricData')) {
      const windows = new Set(
        (call.input.MetricData as { Dimensions: { Name: string; Value: string }[] }[]).flatMap((d) =>
          d.Dimensions.filter((x) => x.Name === 'WindowId').map((x) => x.Value),
        ),
      );
      for (const window of windows) metricsPerWindow.set(window, (metricsPerWindow.get(window) ?? 0) + 1);
    }
    expect(metricsPerWindow.size).toBe(EXECUTIONS);
    expect([...metricsPerWindow.values()]).toEqual([...metricsPerWindow.values()].map(() => 1));

    const alertsPerWindow = new Map<string, number>();
    for (const message of aws.fake.published) {
      const window = message.attributes.window_id?.StringValue ?? '';
      alertsPerWindow.set(window, (alertsPerWindow.get(window) ?? 0) + 1);
    }
    expect(alertsPerWindow.size).toBe(EXECUTIONS / 4);
    expect([...alertsPerWindow.values()]).toEqual([...alertsPerWindow.values()].map(() => 1));
  });
});

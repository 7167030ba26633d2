/**
 * The ledger against a real DynamoDB engine (dynalite): the conditional writes are the guarantee,
 * so they are exercised for real, never mocked.
 */
import {
  type BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionInProgressError, LeaseLostError, Ledger, ledgerKey } from '../../../lambda/adapters/ledger';
import { type LocalDynamo, startDynamo } from '../../../tools/local-aws';
import { type TestClock, testClock } from '../../support/clock';

let dynamo: LocalDynamo;
let table: string;
let clock: TestClock;
let ledger: Ledger;

const KEY = ledgerKey('14bea65d-5ccc-462d-a2f3-e99c81234567');
const ATTRIBUTES = { windowId: 'mw-0ed7251d3fcf6e0c2', status: 'SUCCESS' };
const COUNTS = { total: 10, failed: 2, timedOut: 1, cancelled: 0 };
/** What a claim returns for a run nothing was done for yet, with a lease of `leaseMs` from now. */
const fresh = (leaseMs = 60_000) => ({
  heartbeatPublished: false,
  notified: {},
  leaseUntil: clock.now() + leaseMs,
});

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo.stop());

beforeEach(async () => {
  table = await dynamo.createLedgerTable();
  clock = testClock(Date.parse('2026-11-28T03:00:00Z'));
  ledger = new Ledger(dynamo.client, table, 8 * 86_400, clock);
});

async function item(key = KEY) {
  return (
    await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }),
    )
  ).Item;
}

describe('Ledger', () => {
  it('claims a new execution, records each step, completes it, and then reports it completed', async () => {
    // Act
    const claim = await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    await ledger.recordMetrics(KEY, 'request-1', COUNTS, true);
    await ledger.recordNotification(KEY, 'request-1', 'alert', 3, 'message-1');
    await ledger.complete(KEY, 'request-1');

    // Assess
    expect(claim).toEqual(fresh());
    expect(await item()).toMatchObject({
      windowId: { S: ATTRIBUTES.windowId },
      metricsPublishedAt: { N: String(clock.now()) },
      publishedTotal: { N: '10' },
      publishedFailed: { N: '2' },
      publishedTimedOut: { N: '1' },
      publishedCancelled: { N: '0' },
      heartbeatPublishedAt: { N: String(clock.now()) },
      alertSentAt: { N: String(clock.now()) },
      alertedUnhealthy: { N: '3' },
      alertMessageId: { S: 'message-1' },
      completedAt: { N: String(clock.now()) },
      expiresAt: { N: String(clock.now() / 1000 + 8 * 86_400) },
    });
    expect((await item())?.leaseUntil).toBeUndefined();
    expect(await ledger.claim(KEY, 'request-2', 60_000, ATTRIBUTES)).toBe('completed');
    expect(await ledger.completed([KEY, ledgerKey('0000aaaa-0000-4000-8000-000000000000')])).toEqual(
      new Set([KEY]),
    );
  });

  it('refuses a second delivery while the first holds the lease', async () => {
    await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    await expect(ledger.claim(KEY, 'request-2', 60_000, ATTRIBUTES)).rejects.toBeInstanceOf(
      ExecutionInProgressError,
    );
  });

  it('lets exactly one of many concurrent deliveries take the lease', async () => {
    const claims = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => ledger.claim(KEY, `request-${i}`, 60_000, ATTRIBUTES)),
    );
    expect(claims.filter((claim) => claim.status === 'fulfilled')).toHaveLength(1);
    const refused = claims.filter((claim) => claim.status === 'rejected');
    expect(refused.map((claim) => claim.status === 'rejected' && claim.reason.name)).toEqual(
      Array(9).fill('ExecutionInProgressError'),
    );
  });

  it('lets a retry of the same delivery resume at once, with what it already did', async () => {
    // Prepare: the first attempt published metrics, then crashed
    await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    await ledger.recordMetrics(KEY, 'request-1', COUNTS, true);

    // Act
    const resumed = await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);

    // Assess
    expect(resumed).toEqual({ ...fresh(), published: COUNTS, heartbeatPublished: true });
  });

  it('leaves a run with unfinished invocations incomplete, for a later delivery to finish', async () => {
    // Prepare: counted and alerted what finished, 4 invocations still running
    await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    await ledger.recordMetrics(KEY, 'request-1', COUNTS, true);
    await ledger.recordNotification(KEY, 'request-1', 'alert', 3, undefined);
    await ledger.recordNotification(KEY, 'request-1', 'chat', 3, undefined);

    // Act
    await ledger.defer(KEY, 'request-1', 4);
    const later = await ledger.claim(KEY, 'sweep-1', 60_000, ATTRIBUTES);

    // Assess
    expect(later).toEqual({
      ...fresh(),
      published: COUNTS,
      heartbeatPublished: true,
      notified: { alert: 3, chat: 3 },
    });
    expect(await ledger.completed([KEY])).toEqual(new Set());
    expect((await item())?.runningInvocations).toEqual({ N: '4' });
    await ledger.complete(KEY, 'sweep-1');
    expect((await item())?.runningInvocations).toBeUndefined();
  });

  it('reads a record written before counts were recorded as fully published and alerted', async () => {
    // Prepare: the item an earlier version left after publishing metrics and the alert
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: KEY },
          metricsPublishedAt: { N: String(clock.now()) },
          alertSentAt: { N: String(clock.now()) },
          leaseOwner: { S: 'old' },
          leaseUntil: { N: String(clock.now() - 1) },
        },
      }),
    );

    // Act
    const progress = await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);

    // Assess
    expect(progress).toEqual({
      ...fresh(),
      published: 'all',
      heartbeatPublished: true,
      notified: { alert: Number.POSITIVE_INFINITY },
    });
  });

  it('hands an expired lease to another delivery, and the old holder can no longer record steps', async () => {
    // Prepare
    await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    clock.set(clock.now() + 61_000);

    // Act
    const takeover = await ledger.claim(KEY, 'request-2', 60_000, ATTRIBUTES);

    // Assess
    expect(takeover).toEqual(fresh());
    await expect(ledger.recordMetrics(KEY, 'request-1', COUNTS, true)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(ledger.recordNotification(KEY, 'request-1', 'alert', 3, 'm')).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(ledger.defer(KEY, 'request-1', 1)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(ledger.complete(KEY, 'request-1')).rejects.toBeInstanceOf(LeaseLostError);
    await ledger.complete(KEY, 'request-2');
    expect(await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES)).toBe('completed');
  });

  it('releases a lease so that another delivery may take over at once, but only the holder can', async () => {
    // Prepare
    await ledger.claim(KEY, 'request-1', 60_000, ATTRIBUTES);
    await ledger.recordMetrics(KEY, 'request-1', COUNTS, false);

    // Act
    await ledger.release(KEY, 'request-2'); // not the holder: no effect
    const refused = ledger.claim(KEY, 'request-2', 60_000, ATTRIBUTES);
    await expect(refused).rejects.toBeInstanceOf(ExecutionInProgressError);
    await ledger.release(KEY, 'request-1');
    const takeover = await ledger.claim(KEY, 'request-2', 60_000, ATTRIBUTES);

    // Assess
    expect(takeover).toEqual({ ...fresh(), published: COUNTS });
  });

  it("lets a later attempt of an invocation take over its earlier attempt's unexpired lease at once", async () => {
    // Prepare: what the previous version left when an attempt died after publishing the metrics
    const earlier = 'b7c1e2d4-0000-4000-8000-00000000a001/4f9d3c52-6a41-4d55-9b0e-1c2d3e4f5a6b';
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: KEY },
          leaseOwner: { S: earlier },
          leaseUntil: { N: String(clock.now() + 100_000) },
          firstSeenAt: { N: String(clock.now() - 20_000) },
          windowId: { S: ATTRIBUTES.windowId },
          status: { S: ATTRIBUTES.status },
          metricsPublishedAt: { N: String(clock.now() - 10_000) },
          publishedTotal: { N: '10' },
          publishedFailed: { N: '2' },
          publishedTimedOut: { N: '1' },
          publishedCancelled: { N: '0' },
          heartbeatPublishedAt: { N: String(clock.now() - 10_000) },
          expiresAt: { N: String(clock.now() / 1000 + 8 * 86_400) },
        },
      }),
    );
    const retry = 'b7c1e2d4-0000-4000-8000-00000000a001/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

    // Act
    const resumed = await ledger.claim(
      KEY,
      retry,
      60_000,
      ATTRIBUTES,
      'b7c1e2d4-0000-4000-8000-00000000a001/',
    );

    // Assess: it resumes from the recorded steps, and the earlier attempt can do nothing more
    expect(resumed).toEqual({
      ...fresh(),
      published: COUNTS,
      heartbeatPublished: true,
      tookOverFrom: earlier,
    });
    expect(await ledger.holds(KEY, retry)).toBe(true);
    expect(await ledger.holds(KEY, earlier)).toBe(false);
    await expect(ledger.recordNotification(KEY, earlier, 'alert', 3, 'm')).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await ledger.release(KEY, earlier);
    expect(await item()).toMatchObject({
      leaseOwner: { S: retry },
      leaseUntil: { N: String(clock.now() + 60_000) },
    });
    await ledger.complete(KEY, retry);
    expect(await ledger.holds(KEY, retry)).toBe(false);
    expect(
      await ledger.claim(KEY, `${retry}-again`, 60_000, ATTRIBUTES, 'b7c1e2d4-0000-4000-8000-00000000a001/'),
    ).toBe('completed');
  });

  it("never takes over another invocation's unexpired lease, nor its own when not asked to", async () => {
    // Prepare
    await ledger.claim(KEY, 'request-10/first', 60_000, ATTRIBUTES);

    // Act
    const claims = await Promise.allSettled([
      ledger.claim(KEY, 'request-1/other', 60_000, ATTRIBUTES, 'request-1/'),
      ledger.claim(KEY, 'request-10/sweep', 60_000, ATTRIBUTES),
    ]);

    // Assess
    expect(claims.map((claim) => claim.status === 'rejected' && claim.reason.name)).toEqual([
      'ExecutionInProgressError',
      'ExecutionInProgressError',
    ]);
    expect(await ledger.holds(KEY, 'request-10/first')).toBe(true);
  });

  it('looks up completion for more keys than one batch holds', async () => {
    // Prepare
    const keys = Array.from({ length: 130 }, (_, i) =>
      ledgerKey(`0000aaaa-0000-4000-8000-${String(i).padStart(12, '0')}`),
    );
    for (const key of keys.filter((_, i) => i % 3 === 0)) {
      await ledger.claim(key, 'r', 60_000, ATTRIBUTES);
      await ledger.complete(key, 'r');
    }

    // Act
    const done = await ledger.completed(keys);

    // Assess
    expect(done.size).toBe(44);
    expect([...done].sort()).toEqual(keys.filter((_, i) => i % 3 === 0).sort());
  });

  it('reads when the table was created', async () => {
    const created = await ledger.createdAt();
    expect(Math.abs(created.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('fails loudly when the table does not exist', async () => {
    const unreachable = new Ledger(dynamo.client, 'no-such-table', 86_400, clock);
    await expect(unreachable.claim(KEY, 'request-1', 60_000, ATTRIBUTES)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('drops a recovery never announced when the target goes unreachable again, and announces nothing', async () => {
    const scope = '111122223333:eu-west-1';
    const down = await ledger.markUnreachable(scope, 'assume-refused', 60_000);
    await ledger.announced(scope, down?.announceSeq as number);
    await clock.sleep(60_000);
    const up = await ledger.markReachable(scope, 60_000);
    // Its publish failed: the 'up' is given back, unsent.
    await ledger.releaseAnnouncement(scope, (up as { announceSeq: number }).announceSeq);
    await clock.sleep(60_000);

    const again = await ledger.markUnreachable(scope, 'assume-refused', 60_000);

    expect(again).toBeUndefined();
    const state = (await ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'unreachable', since: down?.since });
    expect(state?.announce).toBeUndefined();
  });

  it('leaves a recovery being announced alone when the target goes unreachable meanwhile', async () => {
    const scope = '111122223333:eu-west-1';
    const down = await ledger.markUnreachable(scope, 'assume-refused', 60_000);
    await ledger.announced(scope, down?.announceSeq as number);
    await clock.sleep(60_000);
    await ledger.markReachable(scope, 60_000);

    expect(await ledger.markUnreachable(scope, 'assume-refused', 60_000)).toBeUndefined();
    expect((await ledger.reachability([scope])).get(scope)).toMatchObject({
      reach: 'reachable',
      announce: 'up',
    });
  });

  it('takes a refusal observed before the last recovery as stale, and one observed after as news', async () => {
    const scope = '111122223333:eu-west-1';
    const refusedAt = clock.now();
    const down = await ledger.markUnreachable(scope, 'assume-refused', 60_000, refusedAt);
    await ledger.announced(scope, down?.announceSeq as number);
    await clock.sleep(60_000);
    const up = await ledger.markReachable(scope, 60_000);
    await ledger.announced(scope, (up as { announceSeq: number }).announceSeq);
    await clock.sleep(60_000);

    // A container that remembers the first refusal: stale, nothing changes.
    expect(await ledger.markUnreachable(scope, 'assume-refused', 60_000, refusedAt)).toBeUndefined();
    expect((await ledger.reachability([scope])).get(scope)).toMatchObject({ reach: 'reachable' });
    // A refusal met now, after the recovery: the target is down again, to announce.
    expect(await ledger.markUnreachable(scope, 'assume-refused', 60_000)).toMatchObject({
      reach: 'unreachable',
      announce: 'down',
    });
  });

  it('drops, quietly, a target that recovers before anyone announced it unreachable', async () => {
    // Prepare: it went down, but the sender of that announcement died and its lease ran out.
    const scope = '111122223333:eu-west-1';
    await ledger.markUnreachable(scope, 'assume-refused', 60_000);
    await clock.sleep(60_001);

    // Act
    const recovered = await ledger.markReachable(scope, 60_000);

    // Assess: nothing to announce either way; a second recovery finds nothing to do.
    expect(recovered).toBe('quiet');
    const state = (await ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'reachable', recoveredAt: clock.now() });
    expect(state?.announce).toBeUndefined();
    expect(await ledger.markReachable(scope, 60_000)).toBeUndefined();
  });

  it("records when a target was last readable, keeping its record for the ledger's retention", async () => {
    // Prepare
    const scope = '123456789012:us-east-1';

    // Act
    await ledger.recordReached(scope);

    // Assess
    const state = (await ledger.reachability([scope])).get(scope);
    expect(state?.reachedAt).toBe(clock.now());
    expect((state?.expiresAt as number) * 1000 - clock.now()).toBe(ledger.retentionMs);
    expect(ledger.retentionMs).toBe(8 * 86_400_000);
  });

  it("keeps an unreachable target's record for another retention period, and creates none for a target it never saw", async () => {
    // Prepare
    const scope = '111122223333:eu-west-1';
    const never = '444455556666:eu-west-1';
    const down = await ledger.markUnreachable(scope, 'assume-refused', 60_000);
    await clock.sleep(86_400_000);

    // Act
    await ledger.keepReachability(scope);
    await ledger.keepReachability(never);

    // Assess
    const states = await ledger.reachability([scope, never]);
    expect(states.get(scope)).toMatchObject({ reach: 'unreachable', since: down?.since });
    expect(states.get(scope)?.expiresAt).toBe(Math.floor(clock.now() / 1000) + 8 * 86_400);
    expect(await item(`target#${never}`)).toBeUndefined();
  });

  it('fails loudly on reachability writes when the table does not exist', async () => {
    const unreachable = new Ledger(dynamo.client, 'no-such-table', 86_400, clock);
    const scope = '111122223333:eu-west-1';
    await expect(unreachable.markUnreachable(scope, 'assume-refused', 60_000)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(unreachable.announced(scope, 1)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('reads the creation time again after a failed read, rather than remembering the failure', async () => {
    // Prepare: DescribeTable fails once, then answers.
    const created = new Date('2026-01-01T00:00:00Z');
    const answers = [
      () => Promise.reject(new Error('throttled')),
      () => Promise.resolve({ Table: { CreationDateTime: created } }),
    ];
    let calls = 0;
    const client = {
      send: () => (answers[calls++] as () => Promise<unknown>)(),
    } as unknown as DynamoDBClient;
    const flaky = new Ledger(client, 'table', 86_400, clock);

    // Act / Assess
    await expect(flaky.createdAt()).rejects.toThrow('throttled');
    expect(await flaky.createdAt()).toEqual(created);
    expect(await flaky.createdAt()).toEqual(created);
    expect(calls).toBe(2);
  });

  it('fails, naming the table, when DescribeTable returns no creation time', async () => {
    const client = { send: async () => ({ Table: {} }) } as unknown as DynamoDBClient;
    await expect(new Ledger(client, 'ledger-table', 86_400, clock).createdAt()).rejects.toThrow(
      'DescribeTable returned no CreationDateTime for ledger-table',
    );
  });

  it('keys executions and tasks apart', () => {
    expect(ledgerKey('a')).toBe('execution#a');
    expect(ledgerKey('a', 'b')).toBe('task#a#b');
  });
});

describe('Ledger batch reads', () => {
  /** A DynamoDB client that answers BatchGetItem from `answers`, one per call, and records the keys asked. */
  function batchClient(answers: ((keys: string[]) => BatchGetItemCommandOutput)[]) {
    const asked: string[][] = [];
    const client = {
      send: async (command: BatchGetItemCommand) => {
        const keys = Object.values(command.input.RequestItems ?? {}).flatMap((table) =>
          (table.Keys ?? []).map((key) => key.pk?.S as string),
        );
        asked.push(keys);
        const answer = answers[asked.length - 1];
        if (!answer) throw new Error('asked more often than expected');
        return answer(keys);
      },
    } as unknown as DynamoDBClient;
    return { client, asked };
  }
  const completed = (keys: string[]) => keys.map((key) => ({ pk: { S: key }, completedAt: { N: '1' } }));

  it('asks again, after a growing wait, for the keys DynamoDB left unprocessed', async () => {
    // Prepare: the first answer processes one key of three
    const keys = ['k1', 'k2', 'k3'];
    const clock = testClock();
    const { client, asked } = batchClient([
      () => ({
        Responses: { table: completed(['k1']) },
        UnprocessedKeys: { table: { Keys: [{ pk: { S: 'k2' } }, { pk: { S: 'k3' } }] } },
        $metadata: {},
      }),
      (rest) => ({ Responses: { table: completed(rest) }, UnprocessedKeys: {}, $metadata: {} }),
    ]);

    // Act
    const done = await new Ledger(client, 'table', 86_400, clock).completed(keys);

    // Assess
    expect(done).toEqual(new Set(keys));
    expect(asked).toEqual([keys, ['k2', 'k3']]);
    expect(clock.waits).toEqual([100]);
  });

  it('gives up, naming the keys, when DynamoDB keeps leaving them unprocessed', async () => {
    // Prepare: every answer leaves k2 unprocessed
    const clock = testClock();
    const stubborn = () => ({
      Responses: { table: [] },
      UnprocessedKeys: { table: { Keys: [{ pk: { S: 'k2' } }] } },
      $metadata: {},
    });
    const { client, asked } = batchClient(Array.from({ length: 8 }, () => stubborn));

    // Act
    const reading = new Ledger(client, 'table', 86_400, clock).completed(['k2']);

    // Assess
    await expect(reading).rejects.toThrow('DynamoDB left 1 keys unprocessed after 8 attempts: k2');
    expect(asked).toHaveLength(8);
    expect(clock.waits).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });
});

/**
 * The progress ledger: one DynamoDB item per reported execution (or task), written with
 * conditional updates so that a duplicate delivery never repeats a step that already happened,
 * two concurrent deliveries never both work on the same execution, and a crashed delivery can be
 * resumed from the step it reached. The item's format is in `ledger-item.ts`.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from './clock';
import {
  COUNT_ATTRIBUTES,
  NOTIFIED_AT,
  NOTIFIED_UNHEALTHY,
  type Notification,
  type Progress,
  type PublishedCounts,
  progressOf,
  type Reachability,
  reachabilityOf,
} from './ledger-item';

export type { Notification, Progress, PublishedCounts, Reachability } from './ledger-item';

/** Another delivery of the same execution holds the lease; it will finish the report. */
export class ExecutionInProgressError extends Error {
  override readonly name = 'ExecutionInProgressError';
}

/** This delivery's lease expired and another took over; it must stop without publishing more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

const BATCH_GET_LIMIT = 100;
/** Tries of one batch before the keys DynamoDB keeps leaving unprocessed are given up on. */
const BATCH_GET_ATTEMPTS = 8;

export class Ledger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    /** How long a record outlives the reporting: must exceed the reconciliation look-back. */
    private readonly retentionSeconds: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** How long a record outlives its last write, in milliseconds. */
  get retentionMs(): number {
    return this.retentionSeconds * 1000;
  }

  /**
   * Takes the lease on `key` for `leaseMs`, for `owner` (unique to one invocation). An owner that
   * already holds the lease may take it again, and so may a later attempt of the same invocation:
   * an unexpired lease whose owner starts with `earlierAttempts` (the invocation's request ID and
   * `/`) is taken over at once. Returns `'completed'` when the execution was already reported.
   *
   * @throws ExecutionInProgressError when another delivery holds an unexpired lease.
   */
  async claim(
    key: string,
    owner: string,
    leaseMs: number,
    attributes: Record<string, string>,
    earlierAttempts?: string,
  ): Promise<Progress | 'completed'> {
    const now = this.clock.now();
    const names = Object.keys(attributes);
    try {
      const output = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key } },
          UpdateExpression: [
            'SET leaseOwner = :owner, leaseUntil = :until, expiresAt = :expires',
            'firstSeenAt = if_not_exists(firstSeenAt, :now)',
            ...names.map((_, i) => `#a${i} = :a${i}`),
          ].join(', '),
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_not_exists(completedAt) AND ' +
            '(leaseOwner = :owner OR attribute_not_exists(leaseUntil) OR leaseUntil < :now' +
            (earlierAttempts ? ' OR begins_with(leaseOwner, :attempt)))' : '))'),
          ...(names.length
            ? { ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])) }
            : {}),
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':until': { N: String(now + leaseMs) },
            ':expires': { N: String(Math.floor(now / 1000) + this.retentionSeconds) },
            ':now': { N: String(now) },
            ...(earlierAttempts ? { ':attempt': { S: earlierAttempts } } : {}),
            ...Object.fromEntries(names.map((name, i) => [`:a${i}`, { S: attributes[name] as string }])),
          },
          // The item as it was: the steps recorded (the claim changes none), and whose lease it was.
          ReturnValues: 'ALL_OLD',
        }),
      );
      const before = output.Attributes ?? {};
      const progress = progressOf(before, now + leaseMs);
      const earlier = before.leaseOwner?.S;
      const live = Number(before.leaseUntil?.N ?? 0) >= now;
      return earlier !== undefined && earlier !== owner && live
        ? { ...progress, tookOverFrom: earlier }
        : progress;
    } catch (error: unknown) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Completed, or leased to another delivery: read which (a consistent read, after the write).
      const { Item: item } = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
      );
      if (item?.completedAt) return 'completed';
      const until = Number(item?.leaseUntil?.N ?? 0);
      throw new ExecutionInProgressError(
        `${key} is being reported by another delivery (lease until ${new Date(until).toISOString()}); retry later`,
        { cause: error },
      );
    }
  }

  /**
   * Whether `owner` still holds the lease on `key` (a consistent read): a delivery that a later
   * attempt of its invocation may have taken over asks before it publishes.
   */
  async holds(key: string, owner: string): Promise<boolean> {
    const { Item: item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
        ProjectionExpression: 'leaseOwner, leaseUntil, completedAt',
      }),
    );
    return item?.leaseOwner?.S === owner && item.leaseUntil !== undefined && item.completedAt === undefined;
  }

  /**
   * Records that the metrics now in CloudWatch add up to `counts` (and whether the run's heartbeat
   * is among them), if this delivery still holds the lease.
   */
  async recordMetrics(
    key: string,
    owner: string,
    counts: PublishedCounts,
    heartbeat: boolean,
  ): Promise<void> {
    const names = Object.keys(COUNT_ATTRIBUTES) as (keyof PublishedCounts)[];
    await this.update(
      key,
      owner,
      [
        'SET metricsPublishedAt = :now',
        ...names.map((_, i) => `#c${i} = :c${i}`),
        ...(heartbeat ? ['heartbeatPublishedAt = if_not_exists(heartbeatPublishedAt, :now)'] : []),
      ].join(', '),
      Object.fromEntries(names.map((name, i) => [`#c${i}`, COUNT_ATTRIBUTES[name]])),
      Object.fromEntries(names.map((name, i) => [`:c${i}`, { N: String(counts[name]) }])),
    );
  }

  /** Records that `notification` reported `unhealthy` failed plus timed-out targets. */
  async recordNotification(
    key: string,
    owner: string,
    notification: Notification,
    unhealthy: number,
    messageId: string | undefined,
  ): Promise<void> {
    await this.update(
      key,
      owner,
      `SET #at = :now, #unhealthy = :unhealthy${messageId ? ', #id = :id' : ''}`,
      {
        '#at': NOTIFIED_AT[notification],
        '#unhealthy': NOTIFIED_UNHEALTHY[notification],
        ...(messageId ? { '#id': `${notification}MessageId` } : {}),
      },
      { ':unhealthy': { N: String(unhealthy) }, ...(messageId ? { ':id': { S: messageId } } : {}) },
    );
  }

  /** Marks the execution reported and releases the lease. */
  async complete(key: string, owner: string): Promise<void> {
    await this.update(key, owner, 'SET completedAt = :now REMOVE leaseUntil, runningInvocations', {}, {});
  }

  /**
   * Leaves the execution incomplete, with `running` invocations still to count, and releases the
   * lease: a later delivery (the sweep) finishes it from the recorded steps.
   */
  async defer(key: string, owner: string, running: number): Promise<void> {
    await this.update(
      key,
      owner,
      'SET runningInvocations = :running, deferredAt = :now REMOVE leaseUntil',
      {},
      { ':running': { N: String(running) } },
    );
  }

  /**
   * Gives the lease back after a failure, so a retry (or another delivery) can take over at once
   * instead of waiting for it to expire. Does nothing if the lease is no longer this owner's.
   */
  async release(key: string, owner: string): Promise<void> {
    try {
      await this.update(key, owner, 'REMOVE leaseUntil', {}, {});
    } catch (error: unknown) {
      if (!(error instanceof LeaseLostError)) throw error;
    }
  }

  /** The keys among `keys` whose execution was already reported (strongly consistent reads). */
  async completed(keys: readonly string[]): Promise<Set<string>> {
    return this.keysWhere(keys, 'completedAt', (item) => 'completedAt' in item);
  }

  /**
   * The keys among `keys` whose run's heartbeat is already in CloudWatch: recorded as published,
   * or completed (a record written before heartbeats were recorded published it with the rest).
   */
  async heartbeatPublished(keys: readonly string[]): Promise<Set<string>> {
    return this.keysWhere(
      keys,
      'completedAt, heartbeatPublishedAt',
      (item) => 'completedAt' in item || 'heartbeatPublishedAt' in item,
    );
  }

  /** Strongly consistent batch reads of `attributes`; the keys whose item satisfies `test`. */
  private async keysWhere(
    keys: readonly string[],
    attributes: string,
    test: (item: Record<string, AttributeValue>) => boolean,
  ): Promise<Set<string>> {
    const items = await this.itemsOf(keys, attributes);
    return new Set([...items].filter(([, item]) => test(item)).map(([key]) => key));
  }

  /** Strongly consistent batch reads of `attributes` (all when undefined), by key; missing items left out. */
  private async itemsOf(
    keys: readonly string[],
    attributes: string | undefined,
  ): Promise<Map<string, Record<string, AttributeValue>>> {
    const items = new Map<string, Record<string, AttributeValue>>();
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let request: Record<
        string,
        { Keys: { pk: { S: string } }[]; ConsistentRead: boolean; ProjectionExpression?: string }
      > = {
        [this.tableName]: {
          Keys: keys.slice(start, start + BATCH_GET_LIMIT).map((key) => ({ pk: { S: key } })),
          ConsistentRead: true,
          ...(attributes ? { ProjectionExpression: `pk, ${attributes}` } : {}),
        },
      };
      // DynamoDB may return part of a batch as unprocessed under load; ask again for the rest, a
      // bounded number of times.
      for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
        if (attempt >= BATCH_GET_ATTEMPTS) {
          const left = Object.values(request).flatMap((table) => table.Keys.map((k) => k.pk.S));
          throw new Error(
            `DynamoDB left ${left.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts: ${left.join(', ')}`,
          );
        }
        if (attempt > 0) await this.clock.sleep(Math.min(50 * 2 ** attempt, 2_000));
        const output = await this.dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of output.Responses?.[this.tableName] ?? []) {
          if (item.pk?.S) items.set(item.pk.S, item);
        }
        request = (output.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return items;
  }

  /**
   * Organization mode: remembers an account's name (the sweep learns it from the Organization),
   * so alerts from the event path can name the account without a call to Organizations.
   */
  async recordAccountName(accountId: string, name: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `account#${accountId}` } },
        UpdateExpression: 'SET accountName = :name, expiresAt = :expires',
        ExpressionAttributeValues: { ':name': { S: name }, ':expires': { N: String(this.expiresAt()) } },
      }),
    );
  }

  /** The account's name, when a sweep has recorded it. */
  async accountName(accountId: string): Promise<string | undefined> {
    const { Item: item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: `account#${accountId}` } } }),
    );
    return item?.accountName?.S;
  }

  /**
   * Organization mode: records who reported a run of a target (`scope`, as `ledgerScope` gives it),
   * and returns how many of its runs in a row came only through the sweep: two or more mean its
   * events no longer arrive (a deleted member rule, a policy that blocks forwarding).
   */
  async recordReportedBy(scope: string, by: 'event' | 'sweep'): Promise<number> {
    const output = await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `target#${scope}` } },
        UpdateExpression:
          by === 'event'
            ? 'SET sweepOnlyRuns = :zero, lastEventAt = :now, expiresAt = :expires'
            : 'SET sweepOnlyRuns = if_not_exists(sweepOnlyRuns, :zero) + :one, expiresAt = :expires',
        ExpressionAttributeValues: {
          ':zero': { N: '0' },
          ':expires': { N: String(this.expiresAt()) },
          ...(by === 'event' ? { ':now': { N: String(this.clock.now()) } } : { ':one': { N: '1' } }),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(output.Attributes?.sweepOnlyRuns?.N ?? 0);
  }

  /**
   * Organization mode: what the ledger knows of each target's reach (by `scope`, as `targetScope`
   * gives it), in strongly consistent batch reads; a target never recorded is left out.
   */
  async reachability(scopes: readonly string[]): Promise<Map<string, Reachability>> {
    const items = await this.itemsOf(
      scopes.map((scope) => `target#${scope}`),
      undefined,
    );
    return new Map([...items].map(([key, item]) => [key.slice('target#'.length), reachabilityOf(item)]));
  }

  /**
   * Records that `scope` cannot be read, for `cause`, as observed at `observedAt` (a refusal
   * remembered since then is observed when it was first met), unless it already was unreachable:
   * one caller wins the transition, and holds its announcement for `leaseMs`. Returns the new state
   * to the winner, `undefined` to everyone else. An observation older than the record's last
   * recovery changes nothing: it is stale. When the recovery's announcement was never sent (and
   * nobody is sending it), the target never visibly recovered: it is unreachable again, the unsent
   * recovery is dropped, and nothing is to announce (`undefined`).
   */
  async markUnreachable(
    scope: string,
    cause: string,
    leaseMs: number,
    observedAt: number = this.clock.now(),
  ): Promise<Reachability | undefined> {
    const fresh = '(attribute_not_exists(recoveredAt) OR recoveredAt < :observedAt)';
    const values = { ':cause': { S: cause }, ':observedAt': { N: String(observedAt) } };
    const announced = await this.transition(
      scope,
      'SET reach = :unreachable, reachCause = :cause, reachSince = :now, announce = :down, ' +
        'announceSeq = if_not_exists(announceSeq, :zero) + :one, announceLeaseUntil = :until, expiresAt = :expires ' +
        'REMOVE announceSentTo',
      `(attribute_not_exists(reach) OR reach <> :unreachable) AND attribute_not_exists(announce) AND ${fresh}`,
      { ...values, ':down': { S: 'down' }, ':zero': { N: '0' }, ':one': { N: '1' } },
      leaseMs,
    );
    if (announced) return announced;
    // The 'down' was announced with its time (`reachSince`), which stays.
    await this.transition(
      scope,
      'SET reach = :unreachable, reachCause = :cause, expiresAt = :expires REMOVE announce, announceLeaseUntil',
      `reach = :reachable AND announce = :up AND attribute_not_exists(announceSentTo) AND ${fresh} AND ` +
        '(attribute_not_exists(announceLeaseUntil) OR announceLeaseUntil < :now)',
      { ...values, ':reachable': { S: 'reachable' }, ':up': { S: 'up' } },
      undefined,
    );
    return undefined;
  }

  /**
   * Records that `scope`, unreachable until now, can be read again. The winner gets the new state
   * and holds the recovery's announcement for `leaseMs`; when the announcement that it went down
   * was never sent (and nobody is sending it), both are dropped and the winner gets `'quiet'`.
   * Everyone else (it was not unreachable, or another caller won) gets `undefined`.
   */
  async markReachable(scope: string, leaseMs: number): Promise<Reachability | 'quiet' | undefined> {
    const recovered = 'SET reach = :reachable, recoveredAt = :now, reachedAt = :now, expiresAt = :expires';
    const announced = await this.transition(
      scope,
      `${recovered}, announce = :up, announceSeq = if_not_exists(announceSeq, :zero) + :one, ` +
        'announceLeaseUntil = :until REMOVE announceSentTo',
      'reach = :unreachable AND attribute_not_exists(announce)',
      { ':reachable': { S: 'reachable' }, ':up': { S: 'up' }, ':zero': { N: '0' }, ':one': { N: '1' } },
      leaseMs,
    );
    if (announced) return announced;
    const quiet = await this.transition(
      scope,
      `${recovered} REMOVE announce, announceLeaseUntil`,
      'reach = :unreachable AND announce = :down AND attribute_not_exists(announceSentTo) AND ' +
        '(attribute_not_exists(announceLeaseUntil) OR announceLeaseUntil < :now)',
      { ':reachable': { S: 'reachable' }, ':down': { S: 'down' } },
      undefined,
    );
    return quiet ? 'quiet' : undefined;
  }

  /** Records that `scope` was readable now, and keeps its record (the management account's). */
  async recordReached(scope: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `target#${scope}` } },
        UpdateExpression: 'SET reachedAt = :now, expiresAt = :expires',
        ExpressionAttributeValues: {
          ':now': { N: String(this.clock.now()) },
          ':expires': { N: String(this.expiresAt()) },
        },
      }),
    );
  }

  /** Keeps the record of `scope` (an unreachable target's) for another retention period. */
  async keepReachability(scope: string): Promise<void> {
    await this.dynamodb
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `target#${scope}` } },
          UpdateExpression: 'SET expiresAt = :expires',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':expires': { N: String(this.expiresAt()) } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  /**
   * Takes the announcement `scope` still has to send (its sender failed or died), for `leaseMs`;
   * `undefined` when there is none, or another caller is sending it.
   */
  async claimAnnouncement(scope: string, leaseMs: number): Promise<Reachability | undefined> {
    return this.transition(
      scope,
      'SET announceLeaseUntil = :until',
      'attribute_exists(announce) AND (attribute_not_exists(announceLeaseUntil) OR announceLeaseUntil < :now)',
      {},
      leaseMs,
    );
  }

  /** Records that announcement `seq` of `scope` is out; nothing if a later transition replaced it. */
  async announced(scope: string, seq: number): Promise<void> {
    await this.settleAnnouncement(scope, seq, 'REMOVE announce, announceLeaseUntil, announceSentTo');
  }

  /**
   * Records that announcement `seq` of `scope` reached `destination` (the alert topic, or the chat
   * topic), so that a sender that takes it over after a failure sends it only where it is missing.
   */
  async announcedTo(scope: string, seq: number, destination: Notification): Promise<void> {
    await this.settleAnnouncement(scope, seq, 'ADD announceSentTo :destination', {
      ':destination': { SS: [destination] },
    });
  }

  /** Gives back announcement `seq` of `scope` after a failed publish: the next sweep sends it. */
  async releaseAnnouncement(scope: string, seq: number): Promise<void> {
    await this.settleAnnouncement(scope, seq, 'REMOVE announceLeaseUntil');
  }

  private async settleAnnouncement(
    scope: string,
    seq: number,
    expression: string,
    values: Record<string, AttributeValue> = {},
  ): Promise<void> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `target#${scope}` } },
          UpdateExpression: expression,
          ConditionExpression: 'announceSeq = :seq',
          ExpressionAttributeValues: { ':seq': { N: String(seq) }, ...values },
        }),
      );
    } catch (error: unknown) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** One conditional write to a target's record: its new state, or `undefined` when the condition failed. */
  private async transition(
    scope: string,
    expression: string,
    condition: string,
    values: Record<string, AttributeValue>,
    leaseMs: number | undefined,
  ): Promise<Reachability | undefined> {
    const now = this.clock.now();
    const all: Record<string, AttributeValue> = {
      ...values,
      ':now': { N: String(now) },
      ':unreachable': { S: 'unreachable' },
      ':expires': { N: String(this.expiresAt()) },
      ...(leaseMs !== undefined ? { ':until': { N: String(now + leaseMs) } } : {}),
    };
    // DynamoDB refuses values an expression does not use.
    const used = `${expression} ${condition}`;
    try {
      const output = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `target#${scope}` } },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: Object.fromEntries(
            Object.entries(all).filter(([name]) => new RegExp(`${name}\\b`).test(used)),
          ),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return reachabilityOf(output.Attributes ?? {});
    } catch (error: unknown) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private expiresAt(): number {
    return Math.floor(this.clock.now() / 1000) + this.retentionSeconds;
  }

  /**
   * When the table was created: nothing that ended before the monitor existed is swept. Read once
   * per container (it never changes), not once per account and Region swept.
   */
  async createdAt(): Promise<Date> {
    this.created ??= this.describeCreation().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }

  private created: Promise<Date> | undefined;

  private async describeCreation(): Promise<Date> {
    const output = await this.dynamodb.send(new DescribeTableCommand({ TableName: this.tableName }));
    const created = output.Table?.CreationDateTime;
    if (!created) throw new Error(`DescribeTable returned no CreationDateTime for ${this.tableName}`);
    return created;
  }

  private async update(
    key: string,
    owner: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key } },
          UpdateExpression: expression,
          ConditionExpression: 'leaseOwner = :owner',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            // DynamoDB refuses values an expression does not use.
            ...(expression.includes(':now') ? { ':now': { N: String(this.clock.now()) } } : {}),
            ...values,
          },
        }),
      );
    } catch (error: unknown) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LeaseLostError(
          `Lost the lease on ${key} to another delivery; stopping without publishing more`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/**
 * The ledger key of what one event reports; in Organization mode scoped to its account and Region
 * (`scope`, see `ledgerScope`), because an execution ID is unique only within one of them.
 */
export function ledgerKey(windowExecutionId: string, taskExecutionId?: string, scope?: string): string {
  const key = taskExecutionId
    ? `task#${windowExecutionId}#${taskExecutionId}`
    : `execution#${windowExecutionId}`;
  return scope ? `${key}@${scope}` : key;
}

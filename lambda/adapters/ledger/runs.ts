/**
 * A run's record: one DynamoDB item per reported execution (or task), written with conditional
 * updates so that a duplicate delivery never repeats a step that already happened, two concurrent
 * deliveries never both work on the same execution, and a crashed delivery can be resumed from the
 * step it reached. The lease is taken by `claim`; each step is recorded under it. The item's format
 * is in `item.ts`.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  COUNT_ATTRIBUTES,
  NOTIFIED_AT,
  NOTIFIED_UNHEALTHY,
  type Notification,
  type Progress,
  type PublishedCounts,
  progressOf,
} from './item';
import { LedgerTable } from './table';

/** Another delivery of the same execution holds the lease; it will finish the report. */
export class ExecutionInProgressError extends Error {
  override readonly name = 'ExecutionInProgressError';
}

/** This delivery's lease expired and another took over; it must stop without publishing more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The ledger's records of runs: the lease on each, and the steps taken under it. */
export abstract class RunLedger extends LedgerTable {
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

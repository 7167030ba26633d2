/**
 * The progress ledger: one DynamoDB item per reported execution (or task), written with
 * conditional updates so that a duplicate delivery never repeats a step that already happened,
 * two concurrent deliveries never both work on the same execution, and a crashed delivery can be
 * resumed from the step it reached.
 *
 * Item: `pk` ("execution#<id>" or "task#<execution id>#<task id>"), `leaseOwner` and `leaseUntil`
 * while a delivery works on it, `metricsPublishedAt`, `alertSentAt`, `completedAt`, and
 * `expiresAt` (the TTL attribute) so the table does not grow without bound.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** Another delivery of the same execution holds the lease; retry later. */
export class ExecutionInProgressError extends Error {
  override readonly name = 'ExecutionInProgressError';
}

/** This delivery's lease expired and another took over; it must stop without publishing more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** What earlier deliveries already did, as read when the lease was taken. */
export interface Claim {
  readonly metricsPublished: boolean;
  readonly alertSent: boolean;
}

export type Step = 'metricsPublishedAt' | 'alertSentAt';

const BATCH_GET_LIMIT = 100;

export class Ledger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    /** How long a record outlives the reporting: must exceed the reconciliation look-back. */
    private readonly retentionSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the lease on `key` for `leaseMs`, for `owner` (unique to one invocation). An owner that
   * already holds the lease may take it again. Returns `'completed'` when the execution was
   * already reported.
   *
   * @throws ExecutionInProgressError when another delivery holds an unexpired lease.
   */
  async claim(
    key: string,
    owner: string,
    leaseMs: number,
    attributes: Record<string, string>,
  ): Promise<Claim | 'completed'> {
    const now = this.now();
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
            '(leaseOwner = :owner OR attribute_not_exists(leaseUntil) OR leaseUntil < :now))',
          ...(names.length
            ? { ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])) }
            : {}),
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':until': { N: String(now + leaseMs) },
            ':expires': { N: String(Math.floor(now / 1000) + this.retentionSeconds) },
            ':now': { N: String(now) },
            ...Object.fromEntries(names.map((name, i) => [`:a${i}`, { S: attributes[name] as string }])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = output.Attributes ?? {};
      return { metricsPublished: 'metricsPublishedAt' in item, alertSent: 'alertSentAt' in item };
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
      );
    }
  }

  /** Records that `step` happened, if this delivery still holds the lease. */
  async mark(key: string, owner: string, step: Step, details: Record<string, string> = {}): Promise<void> {
    const names = Object.keys(details);
    await this.update(
      key,
      owner,
      ['SET #step = :now', ...names.map((_, i) => `#d${i} = :d${i}`)].join(', '),
      { '#step': step, ...Object.fromEntries(names.map((name, i) => [`#d${i}`, name])) },
      Object.fromEntries(names.map((name, i) => [`:d${i}`, { S: details[name] as string }])),
    );
  }

  /** Marks the execution reported and releases the lease. */
  async complete(key: string, owner: string): Promise<void> {
    await this.update(key, owner, 'SET completedAt = :now REMOVE leaseUntil', {}, {});
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
    const done = new Set<string>();
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let request: Record<
        string,
        { Keys: { pk: { S: string } }[]; ConsistentRead: boolean; ProjectionExpression: string }
      > = {
        [this.tableName]: {
          Keys: keys.slice(start, start + BATCH_GET_LIMIT).map((key) => ({ pk: { S: key } })),
          ConsistentRead: true,
          ProjectionExpression: 'pk, completedAt',
        },
      };
      // DynamoDB may return part of a batch as unprocessed under load; ask again for the rest.
      for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
        const output = await this.dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of output.Responses?.[this.tableName] ?? []) {
          if (item.completedAt && item.pk?.S) done.add(item.pk.S);
        }
        request = (output.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return done;
  }

  /** When the table was created: nothing that ended before the monitor existed is reconciled. */
  async createdAt(): Promise<Date> {
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
    values: Record<string, { S: string }>,
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
            ...(expression.includes(':now') ? { ':now': { N: String(this.now()) } } : {}),
            ...values,
          },
        }),
      );
    } catch (error: unknown) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LeaseLostError(
          `Lost the lease on ${key} to another delivery; stopping without publishing more`,
        );
      }
      throw error;
    }
  }
}

/** The ledger key of what one event reports. */
export function ledgerKey(windowExecutionId: string, taskExecutionId?: string): string {
  return taskExecutionId ? `task#${windowExecutionId}#${taskExecutionId}` : `execution#${windowExecutionId}`;
}

/**
 * The ledger's table, as every kind of record in it uses it: the client, the table's name, how long
 * a record outlives its last write, the clock, strongly consistent batch reads of many keys, and
 * when the table was created. A run's records are in `runs.ts`, an account-Region's in `ledger.ts`.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../../clock';

const BATCH_GET_LIMIT = 100;
/** Tries of one batch before the keys DynamoDB keeps leaving unprocessed are given up on. */
const BATCH_GET_ATTEMPTS = 8;

export abstract class LedgerTable {
  constructor(
    protected readonly dynamodb: DynamoDBClient,
    protected readonly tableName: string,
    /** How long a record outlives the reporting: must exceed the reconciliation look-back. */
    protected readonly retentionSeconds: number,
    protected readonly clock: Clock = systemClock,
  ) {}

  /** How long a record outlives its last write, in milliseconds. */
  get retentionMs(): number {
    return this.retentionSeconds * 1000;
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

  /** Strongly consistent batch reads of `attributes`; the keys whose item satisfies `test`. */
  protected async keysWhere(
    keys: readonly string[],
    attributes: string,
    test: (item: Record<string, AttributeValue>) => boolean,
  ): Promise<Set<string>> {
    const items = await this.itemsOf(keys, attributes);
    return new Set([...items].filter(([, item]) => test(item)).map(([key]) => key));
  }

  /** Strongly consistent batch reads of `attributes` (all when undefined), by key; missing items left out. */
  protected async itemsOf(
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

  /** The time to live of a record written now, in seconds since the epoch. */
  protected expiresAt(): number {
    return Math.floor(this.clock.now() / 1000) + this.retentionSeconds;
  }
}

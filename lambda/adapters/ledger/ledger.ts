/**
 * The progress ledger, whole: a run's records (its lease and steps, `runs.ts`), and, in
 * Organization mode, each account-Region's: who reported its runs, whether it can be read, and the
 * announcement of a change still to send. Their items' formats are in `item.ts`. An
 * account-Region's item keeps the key `target#<scope>` it was written with before the word changed,
 * so that records already in a table are still read.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Notification, type Reachability, reachabilityOf } from './item';
import { RunLedger } from './runs';

/** The ledger: a run's records (inherited), and an account-Region's (below). */
export class Ledger extends RunLedger {
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
   * Organization mode: records who reported a run of an account-Region (`scope`, as `ledgerScope` gives it),
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
   * Organization mode: what the ledger knows of each account-Region's reach (by `scope`, as `targetScope`
   * gives it), in strongly consistent batch reads; one never recorded is left out.
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
   * nobody is sending it), the account-Region never visibly recovered: it is unreachable again, the unsent
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

  /** Keeps the record of `scope` (an unreachable account-Region's) for another retention period. */
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

  /** One conditional write to an account-Region's record: its new state, or `undefined` when the condition failed. */
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
}

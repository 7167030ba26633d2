/**
 * The ledger's item, as the function reads it: what earlier deliveries of a run already did. The
 * attribute names live here; the table's key and TTL attribute in the contract.
 *
 * Item: `pk` ("execution#<id>" or "task#<execution id>#<task id>"), `leaseOwner` and `leaseUntil`
 * while a delivery works on it; `metricsPublishedAt` with the counts already in CloudWatch
 * (`published*`) and `heartbeatPublishedAt`; `alertSentAt` and `chatSentAt` with the failed plus
 * timed-out targets each reported (`alertedUnhealthy`, `chattedUnhealthy`); `runningInvocations`
 * while some were unfinished; `completedAt`; and `expiresAt` (the TTL attribute) so the table does
 * not grow without bound.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Invocation counts, as published to CloudWatch. */
export interface PublishedCounts {
  readonly total: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly cancelled: number;
}

/** The notifications a run can send, each recorded as its own step. */
export type Notification = 'alert' | 'chat';

/** What earlier deliveries already did, as read when the lease was taken. */
export interface Progress {
  /**
   * Counts already in CloudWatch; `undefined` before the first publish, `'all'` for a record
   * written before counts were recorded (everything counted then was published).
   */
  readonly published?: PublishedCounts | 'all';
  readonly heartbeatPublished: boolean;
  /**
   * Failed plus timed-out targets each notification last reported; absent when it was never sent
   * (`Infinity` for a record written before the number was recorded).
   */
  readonly notified: Readonly<Partial<Record<Notification, number>>>;
  /** When this delivery's lease ends, in ms since the epoch. */
  readonly leaseUntil: number;
  /** The owner of the unexpired lease this delivery took over: an earlier attempt of its invocation. */
  readonly tookOverFrom?: string;
}

export const COUNT_ATTRIBUTES: Record<keyof PublishedCounts, string> = {
  total: 'publishedTotal',
  failed: 'publishedFailed',
  timedOut: 'publishedTimedOut',
  cancelled: 'publishedCancelled',
};
export const NOTIFIED_AT: Record<Notification, string> = { alert: 'alertSentAt', chat: 'chatSentAt' };
export const NOTIFIED_UNHEALTHY: Record<Notification, string> = {
  alert: 'alertedUnhealthy',
  chat: 'chattedUnhealthy',
};

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

export function progressOf(item: Record<string, AttributeValue>, leaseUntil: number): Progress {
  const total = numberOf(item[COUNT_ATTRIBUTES.total]);
  const published =
    total !== undefined
      ? {
          total,
          failed: numberOf(item[COUNT_ATTRIBUTES.failed]) ?? 0,
          timedOut: numberOf(item[COUNT_ATTRIBUTES.timedOut]) ?? 0,
          cancelled: numberOf(item[COUNT_ATTRIBUTES.cancelled]) ?? 0,
        }
      : 'metricsPublishedAt' in item
        ? ('all' as const)
        : undefined;
  const notified: Partial<Record<Notification, number>> = {};
  for (const notification of ['alert', 'chat'] as const) {
    if (!(NOTIFIED_AT[notification] in item)) continue;
    notified[notification] = numberOf(item[NOTIFIED_UNHEALTHY[notification]]) ?? Number.POSITIVE_INFINITY;
  }
  return {
    ...(published !== undefined ? { published } : {}),
    heartbeatPublished: 'heartbeatPublishedAt' in item || published === 'all',
    notified,
    leaseUntil,
  };
}

/**
 * Organization mode: what the ledger knows of an account-Region's reach, on its `target#<account>:<region>`
 * item (beside `sweepOnlyRuns`). `reach` is `unreachable` from the transition that found it so
 * (with `reachCause` and `reachSince`) until the one that found it readable again (`reachable`,
 * `recoveredAt`); `reachedAt` is when it was last seen readable (kept for the management account
 * only). A transition leaves an announcement to send (`announce`, numbered `announceSeq`), leased
 * to one sender at a time (`announceLeaseUntil`), noting each topic it reached (`announceSentTo`),
 * and removed once it reached them all.
 */
export interface Reachability {
  readonly reach?: 'reachable' | 'unreachable';
  /** An `UnreachableCause`, or `not-deployed` (the management account, never readable yet). */
  readonly cause?: string;
  readonly since?: number;
  readonly reachedAt?: number;
  /** When it last became readable again, after being unreachable. */
  readonly recoveredAt?: number;
  readonly announce?: 'down' | 'up';
  readonly announceSeq?: number;
  readonly announceLeaseUntil?: number;
  /** Where the announcement already went (`announceSentTo`): `alert`, `chat`. */
  readonly sentTo?: readonly Notification[];
  /** The item's time to live, in seconds since the epoch. */
  readonly expiresAt?: number;
}

export function reachabilityOf(item: Record<string, AttributeValue>): Reachability {
  const reach = item.reach?.S;
  const announce = item.announce?.S;
  const values = {
    reach: reach === 'reachable' || reach === 'unreachable' ? reach : undefined,
    cause: item.reachCause?.S,
    since: numberOf(item.reachSince),
    reachedAt: numberOf(item.reachedAt),
    recoveredAt: numberOf(item.recoveredAt),
    announce: announce === 'down' || announce === 'up' ? announce : undefined,
    announceSeq: numberOf(item.announceSeq),
    announceLeaseUntil: numberOf(item.announceLeaseUntil),
    sentTo: item.announceSentTo?.SS?.filter((to): to is Notification => to === 'alert' || to === 'chat'),
    expiresAt: numberOf(item.expiresAt),
  };
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Reachability;
}

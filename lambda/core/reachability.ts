/**
 * Announcing, once each, that an account-Region can no longer be
 * read, and that it can be read again. The ledger's conditional writes let exactly one caller
 * win each change (an event, or any of the sweeps that meet it); the winner publishes one message
 * to the alert topic, and a chat card to the chat topic when there is one, and only then records
 * it announced. A publish that fails leaves the change to announce, for the next sweep of that
 * account, which sends it only to the topics it has not reached.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { describeError } from '../adapters/errors';
import type { Notification, Reachability } from '../adapters/ledger';
import { type AccountRegion, accountRegionLabel, accountRegionScope } from './account-region';
import { type ReachCause, type ReachContext, reachAlert } from './alert/reachability';
import type { ReportDeps } from './report-event';

export type ReachDeps = Pick<ReportDeps, 'clients' | 'config' | 'logger' | 'ledger' | 'reach'>;

/** How long the winner of a change may take to announce it before a sweep may send it instead. */
export const ANNOUNCE_LEASE_MS = 2 * 60_000;

/** A change of one Region's reach, won by this caller and not announced yet. */
export interface PendingChange {
  readonly region: string;
  readonly state: Reachability;
}

/** Whether this caller announced it: it won the change and published the message. */
export type Announced = boolean;

/**
 * The event path: records that `accountRegion` cannot be read, for `cause` (observed at
 * `observedAt`, now when not given), and announces it if this event is the first to find it so; an
 * observation older than its last recovery is stale and changes nothing.
 */
export async function noteUnreachable(
  deps: ReachDeps,
  accountRegion: AccountRegion,
  cause: ReachCause,
  observedAt?: number,
): Promise<Announced> {
  const state = await deps.ledger.markUnreachable(
    accountRegionScope(accountRegion),
    cause,
    ANNOUNCE_LEASE_MS,
    observedAt,
  );
  if (!state) return false;
  return announce(deps, accountRegion.accountId, 'down', [{ region: accountRegion.region, state }]);
}

/**
 * Publishes one message for changes of one account that went the same way (`direction`), then
 * records each announced. When the publish fails, gives them back for the next sweep and says so.
 */
export async function announce(
  deps: ReachDeps,
  accountId: string,
  direction: 'down' | 'up',
  unordered: readonly PendingChange[],
  reporting?: ReachContext['reporting'],
): Promise<Announced> {
  const { ledger, logger, config, reach } = deps;
  if (unordered.length === 0 || !reach.announcements) return false;
  const changes = [...unordered].sort((a, b) => a.region.localeCompare(b.region));
  const name = await ledger.accountName(accountId).catch(() => undefined);
  const alert = reachAlert(
    {
      direction,
      account: { id: accountId, ...(name ? { name } : {}) },
      regions: changes.map(({ region, state }) => ({
        region,
        ...(state.cause ? { cause: state.cause } : {}),
        ...(state.since !== undefined ? { since: state.since } : {}),
      })),
    },
    {
      ...reach.announcements,
      centralAccountId: reach.home.accountId,
      centralRegion: reach.home.region,
      ...(reporting ? { reporting } : {}),
    },
  );
  const labels = changes.map(({ region }) => accountRegionLabel({ accountId, region }));
  const scopes = changes.map(({ region, state }) => ({
    scope: accountRegionScope({ accountId, region }),
    state,
  }));
  // Each topic once: one a sender before this one reached (for every change) is not sent again.
  const destinations: [Notification, string][] = [
    ['alert', config.alertTopicArn],
    ...(config.chatTopicArn ? [['chat', config.chatTopicArn] as [Notification, string]] : []),
  ];
  let failed = false;
  for (const [destination, topicArn] of destinations) {
    if (changes.every(({ state }) => state.sentTo?.includes(destination))) continue;
    try {
      const output = await deps.clients.sns.send(
        destination === 'alert'
          ? new PublishCommand({
              TopicArn: topicArn,
              Subject: alert.subject,
              Message: alert.message,
              MessageAttributes: {
                account_id: { DataType: 'String', StringValue: alert.attributes.account_id },
                region: { DataType: 'String.Array', StringValue: JSON.stringify(alert.attributes.region) },
                status: { DataType: 'String', StringValue: alert.attributes.status },
              },
            })
          : new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(alert.chat) }),
      );
      logger.info('Announced a change of reach', {
        targets: labels,
        destination,
        subject: alert.subject,
        messageId: output?.MessageId,
      });
    } catch (error: unknown) {
      logger.error('Could not announce a change of reach; the next sweep of the account announces it', {
        targets: labels,
        destination,
        subject: alert.subject,
        error: describeError(error),
      });
      failed = true;
      continue;
    }
    if (destinations.length === 1) continue;
    await Promise.all(
      scopes.map(({ scope, state }) =>
        state.announceSeq === undefined
          ? undefined
          : ledger.announcedTo(scope, state.announceSeq, destination),
      ),
    ).catch((error: unknown) => {
      // Sent, but not recorded: a sender that takes the announcement over sends it there again.
      logger.error('Announced a change of reach, but could not record it: it may be announced again', {
        targets: labels,
        destination,
        error: describeError(error),
      });
    });
  }
  if (failed) {
    await Promise.all(
      scopes.map(({ scope, state }) =>
        state.announceSeq === undefined ? undefined : ledger.releaseAnnouncement(scope, state.announceSeq),
      ),
    ).catch((release: unknown) => {
      logger.warn('Could not give the announcement back; it is free again when its lease ends', {
        error: describeError(release),
      });
    });
    return false;
  }
  for (const { region, state } of changes) {
    if (state.announceSeq === undefined) continue;
    await ledger
      .announced(accountRegionScope({ accountId, region }), state.announceSeq)
      .catch((error: unknown) => {
        // Sent, but not recorded: the next sweep would send it again once the lease ends. Said loudly.
        logger.error('Announced a change of reach, but could not record it: it may be announced again', {
          target: accountRegionLabel({ accountId, region }),
          error: describeError(error),
        });
      });
  }
  return true;
}

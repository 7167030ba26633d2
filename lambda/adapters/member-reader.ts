/**
 * The reader of member accounts (Organization mode): one SSM client per account-Region, signed with
 * the credentials of the monitor's read role there, assumed through STS in the central Region.
 * One assumption per account-Region per credential lifetime; clients kept in a bounded least-recently-used
 * cache (an idle client holds ~34 KB), destroyed on eviction; a role that cannot be assumed is
 * remembered as unreachable for a while, so a missing role costs one STS call, not one per read.
 */

import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { CauseUnavailableReason, readRoleName } from '../../contract';
import { type Clock, systemClock } from '../clock';
import { type AccountRegion, accountRegionLabel } from '../core/account-region';
import type { CauseReads } from '../core/causes/types';
import { AccountRegionUnreachableError, type UnreachableCause, unreachableCause } from '../core/unreachable';
import { CauseClients, causeClientConfigOf, unreadable } from './cause-clients';
import { describeError } from './errors';
import type { SsmReader } from './ssm-reader';

export interface MemberReaderOptions {
  /** An STS client in the central Region (a global endpoint token is not valid in opt-in Regions). */
  readonly sts: STSClient;
  readonly partition: string;
  readonly rolePrefix: string;
  /** Settings of every SSM client (retries, endpoint). */
  readonly ssmConfig?: SSMClientConfig;
  /** @default 256 */
  readonly maxClients?: number;
  /** How long a role that could not be assumed is not tried again. @default 15 minutes */
  readonly unreachableForMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Role chaining (the function's role assuming another) caps a session at one hour. */
const SESSION_SECONDS = 3_600;
/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;
const SESSION_NAME = 'maintenance-window-monitor';

export class MemberReader implements SsmReader {
  private readonly clients = new Map<string, SSMClient>();
  /** The cause-read clients of an account-Region, made on its first cause read, gone with its client. */
  private readonly causeClients = new Map<string, CauseClients>();
  private readonly unreachable = new Map<string, { until: number; reason: string; observedAt: number }>();
  private readonly maxClients: number;
  private readonly unreachableForMs: number;
  private readonly clock: Clock;
  /** AssumeRole calls made, for the logs and the bench. */
  assumptions = 0;

  constructor(private readonly options: MemberReaderOptions) {
    this.maxClients = options.maxClients ?? 256;
    this.unreachableForMs = options.unreachableForMs ?? 15 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Clients held right now. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * The SSM client of `accountRegion`, signed as the read role there.
   *
   * @throws AccountRegionUnreachableError when the role could not be assumed within the last while.
   */
  ssmFor(accountRegion: AccountRegion): SSMClient {
    const key = accountRegionLabel(accountRegion);
    const known = this.unreachable.get(key);
    if (known && known.until > this.clock.now()) {
      throw new AccountRegionUnreachableError(accountRegion, known.reason, known.observedAt, true);
    }
    const cached = this.clients.get(key);
    if (cached) {
      // Most recently used last: the first entry is the one to evict.
      this.clients.delete(key);
      this.clients.set(key, cached);
      return cached;
    }
    const client = new SSMClient({
      ...this.options.ssmConfig,
      region: accountRegion.region,
      credentials: this.credentialsOf(accountRegion),
    });
    this.clients.set(key, client);
    if (this.clients.size > this.maxClients) {
      const [oldest, evicted] = this.clients.entries().next().value as [string, SSMClient];
      this.clients.delete(oldest);
      evicted.destroy();
      this.causeClients.get(oldest)?.destroy();
      this.causeClients.delete(oldest);
    }
    return client;
  }

  /**
   * The cause reads of `accountRegion`, signed as its read role (the credentials of its SSM client,
   * so no second assumption), SSM and Step Functions alike; `Denied` for each target, with no call,
   * while the role is known to be refused.
   */
  causeReadsFor(accountRegion: AccountRegion): CauseReads {
    let ssm: SSMClient;
    try {
      ssm = this.ssmFor(accountRegion);
    } catch {
      return unreadable(CauseUnavailableReason.Denied);
    }
    const key = accountRegionLabel(accountRegion);
    let causeClients = this.causeClients.get(key);
    if (!causeClients) {
      causeClients = new CauseClients(causeClientConfigOf(ssm));
      this.causeClients.set(key, causeClients);
    }
    return causeClients.reads();
  }

  /** A refused role, or SSM denying a member's reads: the member cannot be read until someone acts. */
  unreachableCause(error: unknown): UnreachableCause | undefined {
    return unreachableCause(error);
  }

  /** Forgets that `accountRegion` was unreachable (its role was just deployed, say). */
  forget(accountRegion: AccountRegion): void {
    this.unreachable.delete(accountRegionLabel(accountRegion));
  }

  /** A credentials provider that assumes the account-Region's read role, again shortly before expiry. */
  private credentialsOf(accountRegion: AccountRegion): () => Promise<AwsCredentialIdentity> {
    let current: AwsCredentialIdentity | undefined;
    let pending: Promise<AwsCredentialIdentity> | undefined;
    const roleArn = `arn:${this.options.partition}:iam::${accountRegion.accountId}:role/${readRoleName(this.options.rolePrefix, accountRegion.region)}`;
    const assume = async (): Promise<AwsCredentialIdentity> => {
      const known = this.unreachable.get(accountRegionLabel(accountRegion));
      if (known && known.until > this.clock.now()) {
        throw new AccountRegionUnreachableError(accountRegion, known.reason, known.observedAt, true);
      }
      this.assumptions++;
      try {
        const output = await this.options.sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: SESSION_NAME,
            DurationSeconds: SESSION_SECONDS,
          }),
        );
        const credentials = output.Credentials;
        if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
          throw new Error(`STS returned no credentials for ${roleArn}`);
        }
        return {
          accessKeyId: credentials.AccessKeyId,
          secretAccessKey: credentials.SecretAccessKey,
          ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
          ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
        };
      } catch (error: unknown) {
        // A refusal (no such role, a trust or policy that does not allow it) will not pass by
        // itself; throttling or an STS fault will, and is the SDK's to retry.
        if (
          error instanceof Error &&
          (error.name === 'AccessDenied' || error.name === 'AccessDeniedException')
        ) {
          const reason = `could not assume ${roleArn} (${describeError(error)})`;
          const observedAt = this.clock.now();
          this.unreachable.set(accountRegionLabel(accountRegion), {
            until: observedAt + this.unreachableForMs,
            reason,
            observedAt,
          });
          throw new AccountRegionUnreachableError(accountRegion, reason, observedAt, false, { cause: error });
        }
        throw error;
      }
    };
    return async () => {
      const fresh = current?.expiration && current.expiration.getTime() - RENEW_BEFORE_MS > this.clock.now();
      if (current && fresh) return current;
      pending ??= assume().finally(() => {
        pending = undefined;
      });
      current = await pending;
      return current;
    };
  }
}

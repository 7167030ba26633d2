/**
 * Reading member accounts (Organization mode): one SSM client per account and Region, signed with
 * the credentials of the monitor's read role there, assumed through STS in the central Region.
 * One assumption per target per credential lifetime; clients kept in a bounded least-recently-used
 * cache (an idle client holds ~34 KB), destroyed on eviction; a role that cannot be assumed is
 * remembered as unreachable for a while, so a missing role costs one STS call, not one per read.
 */

import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { readRoleName } from '../contract';
import { type Clock, systemClock } from './clock';
import { describeError } from './errors';
import { type Target, targetLabel } from './target';

/** A target the monitor cannot read: its role is missing or refuses, or its Region is off. */
export class TargetUnreachableError extends Error {
  override readonly name = 'TargetUnreachableError';

  constructor(
    readonly target: Target,
    readonly reason: string,
    /** When the refusal was met: for one remembered, when it was first met. */
    readonly observedAt: number,
    /** Whether it is a refusal remembered from an earlier try, not an answer just now. */
    readonly remembered = false,
    options?: ErrorOptions,
  ) {
    super(`Cannot read ${targetLabel(target)}: ${reason}`, options);
  }
}

/**
 * Why a target cannot be read, as far as the monitor can tell: STS answers `AccessDenied` alike for
 * a role that does not exist and for one whose trust (or an SCP) refuses the central account, so
 * those two are one cause.
 */
export type UnreachableCause =
  /** The read role could not be assumed: missing (no member stack there), or its trust or an SCP refuses. */
  | 'assume-refused'
  /** The role was assumed, but SSM denies its reads (its policy changed, an SCP, a permissions boundary). */
  | 'reads-denied'
  /** The account has not enabled this opt-in Region: no credentials are valid there. */
  | 'region-disabled';

/** SSM's answers that mean the target cannot be read at all, rather than not right now. */
const UNREACHABLE_SSM_ERRORS: Record<string, UnreachableCause> = {
  AccessDeniedException: 'reads-denied',
  // What SSM answers in an opt-in Region the account has not enabled.
  UnrecognizedClientException: 'region-disabled',
};

/** Why `error` means the target cannot be read (until someone acts); `undefined` for a hiccup. */
export function unreachableCause(error: unknown): UnreachableCause | undefined {
  if (error instanceof TargetUnreachableError) return 'assume-refused';
  return error instanceof Error && Object.hasOwn(UNREACHABLE_SSM_ERRORS, error.name)
    ? UNREACHABLE_SSM_ERRORS[error.name]
    : undefined;
}

/** Whether `error` means the target cannot be read (permanent until someone acts), not a hiccup. */
export function isUnreachable(error: unknown): boolean {
  return unreachableCause(error) !== undefined;
}

export interface MemberAccessOptions {
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

export class MemberAccess {
  private readonly clients = new Map<string, SSMClient>();
  private readonly unreachable = new Map<string, { until: number; reason: string; observedAt: number }>();
  private readonly maxClients: number;
  private readonly unreachableForMs: number;
  private readonly clock: Clock;
  /** AssumeRole calls made, for the logs and the bench. */
  assumptions = 0;

  constructor(private readonly options: MemberAccessOptions) {
    this.maxClients = options.maxClients ?? 256;
    this.unreachableForMs = options.unreachableForMs ?? 15 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Clients held right now. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * The SSM client of `target`, signed as the read role there.
   *
   * @throws TargetUnreachableError when the role could not be assumed within the last while.
   */
  ssmFor(target: Target): SSMClient {
    const key = targetLabel(target);
    const known = this.unreachable.get(key);
    if (known && known.until > this.clock.now()) {
      throw new TargetUnreachableError(target, known.reason, known.observedAt, true);
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
      region: target.region,
      credentials: this.credentialsOf(target),
    });
    this.clients.set(key, client);
    if (this.clients.size > this.maxClients) {
      const [oldest, evicted] = this.clients.entries().next().value as [string, SSMClient];
      this.clients.delete(oldest);
      evicted.destroy();
    }
    return client;
  }

  /** Forgets that `target` was unreachable (its role was just deployed, say). */
  forget(target: Target): void {
    this.unreachable.delete(targetLabel(target));
  }

  /** A credentials provider that assumes the target's read role, again shortly before expiry. */
  private credentialsOf(target: Target): () => Promise<AwsCredentialIdentity> {
    let current: AwsCredentialIdentity | undefined;
    let pending: Promise<AwsCredentialIdentity> | undefined;
    const roleArn = `arn:${this.options.partition}:iam::${target.accountId}:role/${readRoleName(this.options.rolePrefix, target.region)}`;
    const assume = async (): Promise<AwsCredentialIdentity> => {
      const known = this.unreachable.get(targetLabel(target));
      if (known && known.until > this.clock.now()) {
        throw new TargetUnreachableError(target, known.reason, known.observedAt, true);
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
          this.unreachable.set(targetLabel(target), {
            until: observedAt + this.unreachableForMs,
            reason,
            observedAt,
          });
          throw new TargetUnreachableError(target, reason, observedAt, false, { cause: error });
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

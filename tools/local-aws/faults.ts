/**
 * Fault injection for the local endpoint: an error every Nth matching call (by default the
 * service's own throttling error), an IAM action refused, throttling above a rate (a token bucket whose clock is the
 * request count, never wall time), either of them for one tenant (account, Region) only, a run of
 * failed calls to one service right after a given call succeeds (or from the start), a call held
 * unanswered (where a test ends the caller's process), and latency on every response. Which calls
 * fail depends only on the order of the calls, never on how fast the machine runs.
 */
import { ServiceError, type ServiceName } from './protocols';

/** An error to answer with instead of the service's response. */
export interface InjectedError {
  readonly code: string;
  readonly statusCode: number;
}

/** Which account and Region a call is for: the signer's account and the credential scope's Region. */
export interface Tenant {
  readonly accountId: string;
  readonly region: string;
}

/** Narrows a rule to one tenant's calls: any account or Region when omitted. */
export interface TenantFilter {
  /** Only calls signed with this account's credentials count. */
  readonly accountId?: string;
  /** Only calls signed for this Region count. */
  readonly region?: string;
}

export interface FailEveryNthRule extends TenantFilter {
  /** Fail every Nth matching call (1 = every call). */
  readonly everyNth: number;
  /** The error to answer with. @default the service's throttling error */
  readonly error?: InjectedError;
  /** Only calls to this service count; all services when omitted. */
  readonly service?: ServiceName;
  /** Only calls to this operation count. */
  readonly operation?: string;
}

/** A run of failures injected right after a matching call succeeds, or from the start. */
export interface FailAfterRule {
  /** The call whose success arms the fault. @default - armed at once: the next calls fail */
  readonly after?: { readonly service: ServiceName; readonly operation?: string };
  /** The service whose next calls fail. */
  readonly service: ServiceName;
  /** How many of its calls fail, in a row. */
  readonly calls: number;
  /** @default an InternalServerError (HTTP 500) */
  readonly error?: InjectedError;
}

/** IAM refusing an action (of one account or Region, if the rule names them): a policy that lacks it. */
export interface DenyRule extends TenantFilter {
  /** The IAM action refused, as `RecordedCall.action` names it, e.g. `ssm:GetCommandInvocation`. */
  readonly action: string;
}

/** A call to hold unanswered, as a hung connection would: the Nth matching one. */
export interface HoldRule {
  readonly service: ServiceName;
  /** Only calls to this operation count. */
  readonly operation?: string;
  /** Which matching call is held, counting from 1. @default 1 */
  readonly nth?: number;
}

/** A held call: `reached` once it arrives (before it does anything); `release` lets it go on. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

/**
 * A token bucket measured in requests: it holds `burst` tokens, each matching request takes one
 * (or is throttled when there is none) and puts `servedShare` back. A burst of about
 * `burst / (1 - servedShare)` requests is served in full, then `servedShare` of a sustained
 * overload, whether the requests come in a millisecond or in a minute.
 */
export interface RateLimit extends TenantFilter {
  readonly service: ServiceName;
  /** The bucket's size: requests served back to back before the first is throttled. */
  readonly burst: number;
  /** The share of requests served once the bucket is empty, from 0 (none) to below 1. */
  readonly servedShare: number;
}

/** Each service's throttling error, as the real one sends it. */
export const THROTTLING: Record<ServiceName, InjectedError> = {
  ssm: { code: 'ThrottlingException', statusCode: 400 },
  states: { code: 'ThrottlingException', statusCode: 400 },
  monitoring: { code: 'Throttling', statusCode: 400 },
  sns: { code: 'Throttled', statusCode: 429 },
  dynamodb: { code: 'ThrottlingException', statusCode: 400 },
  sts: { code: 'Throttling', statusCode: 400 },
  organizations: { code: 'TooManyRequestsException', statusCode: 429 },
  sqs: { code: 'RequestThrottled', statusCode: 403 },
};

export class Faults {
  /** Delay before each response, in milliseconds. */
  latencyMs = 0;

  private everyNthRule: FailEveryNthRule | undefined;
  private everyNthCounter = 0;
  private failAfterRule: (FailAfterRule & { armed: boolean; left: number }) | undefined;
  private bucket: (RateLimit & { tokens: number }) | undefined;
  private denials: DenyRule[] = [];
  private holds: {
    rule: HoldRule;
    seen: number;
    arrive: () => void;
    released: Promise<void>;
    release: () => void;
  }[] = [];

  /** Fails every Nth call matching the rule; `undefined` turns it off. */
  failEveryNth(rule: FailEveryNthRule | undefined): void {
    if (rule && (!Number.isInteger(rule.everyNth) || rule.everyNth < 1)) {
      throw new Error(`failEveryNth: everyNth must be a positive integer, got ${rule.everyNth}`);
    }
    this.everyNthRule = rule;
    this.everyNthCounter = 0;
  }

  /**
   * Throttles calls to `service` (of one tenant, if the limit names one) beyond the bucket, as a
   * service protecting itself does, counting requests instead of seconds; `undefined` turns it off.
   */
  rateLimit(limit: RateLimit | undefined): void {
    if (limit && (!Number.isInteger(limit.burst) || limit.burst < 1)) {
      throw new Error(`rateLimit: burst must be a positive integer, got ${limit.burst}`);
    }
    if (limit && !(limit.servedShare >= 0 && limit.servedShare < 1)) {
      throw new Error(`rateLimit: servedShare must be at least 0 and below 1, got ${limit.servedShare}`);
    }
    this.bucket = limit && { ...limit, tokens: limit.burst };
  }

  /**
   * Once a call matching `rule.after` succeeds, fails the next `rule.calls` calls to
   * `rule.service` (DynamoDB included) with `rule.error`: an outage that starts right after, say,
   * a publish; without `rule.after`, the next `rule.calls` calls fail (a role's policy not yet
   * visible to the service right after IAM created it). `undefined` turns it off.
   */
  failAfter(rule: FailAfterRule | undefined): void {
    this.failAfterRule = rule && { ...rule, armed: rule.after === undefined, left: rule.calls };
  }

  /** Refuses the action from now on (with the service's access-denied error), besides earlier denials. */
  deny(rule: DenyRule): void {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(rule.action)) {
      throw new Error(`deny: ${rule.action} is not an IAM action like ssm:GetCommandInvocation`);
    }
    this.denials.push(rule);
  }

  /** Whether a `deny` rule refuses this action to this tenant. */
  denied(action: string, tenant: Tenant): boolean {
    return this.denials.some((rule) => rule.action === action && matches(rule, tenant));
  }

  /**
   * Holds the `rule.nth` call matching `rule` before it does anything (it is neither processed
   * nor recorded while held), until released; a caller that goes away meanwhile (its process
   * ended) leaves it never processed. Several holds may be set at once.
   */
  hold(rule: HoldRule): Hold {
    const nth = rule.nth ?? 1;
    if (!Number.isInteger(nth) || nth < 1)
      throw new Error(`hold: nth must be a positive integer, got ${nth}`);
    let arrive = (): void => {};
    let release = (): void => {};
    const reached = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ rule: { ...rule, nth }, seen: 0, arrive, released, release });
    return { reached, release };
  }

  /**
   * Waits while this call is held: `'go'` once released (or when it is not held), `'gone'` when
   * `gone` settles first (the caller closed the connection).
   */
  async held(service: ServiceName, operation: string, gone: Promise<void>): Promise<'go' | 'gone'> {
    let hold: (typeof this.holds)[number] | undefined;
    for (const candidate of this.holds) {
      const { rule } = candidate;
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      candidate.seen++;
      if (candidate.seen === rule.nth) hold ??= candidate;
    }
    if (!hold) return 'go';
    hold.arrive();
    return Promise.race([hold.released.then(() => 'go' as const), gone.then(() => 'gone' as const)]);
  }

  /** Turns every fault off, denials and latency included; held calls go on. */
  reset(): void {
    for (const hold of this.holds) hold.release();
    this.holds = [];
    this.denials = [];
    this.failAfter(undefined);
    this.failEveryNth(undefined);
    this.rateLimit(undefined);
    this.latencyMs = 0;
  }

  /** Waits `latencyMs`, if any. */
  async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }

  /** The error of an armed `failAfter` outage this call to `service` fails with, counting it. */
  outageError(service: ServiceName): InjectedError | undefined {
    const rule = this.failAfterRule;
    if (!rule?.armed || rule.service !== service || rule.left <= 0) return undefined;
    rule.left--;
    return rule.error ?? { code: 'InternalServerError', statusCode: 500 };
  }

  /** Throws the rate limit's throttling error, or the `failEveryNth` error when this call is the Nth. */
  check(service: ServiceName, operation: string, tenant: Tenant): void {
    const bucket = this.bucket;
    if (bucket && bucket.service === service && matches(bucket, tenant)) {
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + bucket.servedShare);
      if (bucket.tokens < 1) {
        const { code, statusCode } = THROTTLING[service];
        throw new ServiceError(code, 'Rate exceeded', statusCode);
      }
      bucket.tokens -= 1;
    }
    const rule = this.everyNthRule;
    if (!rule || !matches(rule, tenant)) return;
    if (rule.service && rule.service !== service) return;
    if (rule.operation && rule.operation !== operation) return;
    this.everyNthCounter++;
    if (this.everyNthCounter % rule.everyNth === 0) {
      const { code, statusCode } = rule.error ?? THROTTLING[service];
      throw new ServiceError(code, rule.error ? `Injected ${code}` : 'Rate exceeded', statusCode);
    }
  }

  /** A call succeeded: arms a `failAfter` rule waiting for it. */
  succeeded(service: ServiceName, operation: string): void {
    const rule = this.failAfterRule;
    if (!rule?.after || rule.armed || rule.after.service !== service) return;
    if (rule.after.operation && rule.after.operation !== operation) return;
    rule.armed = true;
  }
}

/** Whether a call of `tenant` is one the filter names. */
function matches(filter: TenantFilter, tenant: Tenant): boolean {
  return (
    (!filter.accountId || filter.accountId === tenant.accountId) &&
    (!filter.region || filter.region === tenant.region)
  );
}

/**
 * How the monitor reads SSM: one reader, whatever its reach. The home reader answers with the
 * function's own client (one account); the member reader (`member-reader.ts`) with a client
 * signed as the read role of each member account-Region (an Organization).
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AccountRegion } from '../core/account-region';
import type { CauseReads } from '../core/causes/types';
import type { UnreachableCause } from '../core/unreachable';
import { CauseClients, causeClientConfigOf } from './cause-clients';

export interface SsmReader {
  /**
   * The SSM client that reads the runs of `accountRegion`.
   *
   * @throws AccountRegionUnreachableError when it cannot be read (its role was refused lately).
   */
  ssmFor(accountRegion: AccountRegion): SSMClient;
  /** Forgets a refusal remembered for `accountRegion`, so that the next read tries again. */
  forget(accountRegion: AccountRegion): void;
  /**
   * Why `error` means an account-Region this reader reads cannot be read until someone acts (a
   * notice, not a failure), or `undefined` when it is an error like any other (rethrown, retried).
   */
  unreachableCause(error: unknown): UnreachableCause | undefined;
  /**
   * The reads of failed targets' causes in `accountRegion`, for one report (they share its
   * deep-read budget): signed as `ssmFor`'s client, with clients of their own that give up sooner
   * (`CAUSE_READ_ATTEMPTS`). Never throws: an account-Region that cannot be read answers `Denied`.
   */
  causeReadsFor(accountRegion: AccountRegion): CauseReads;
}

/** The reader of the function's own account and Region: its own client, never refused. */
export class HomeReader implements SsmReader {
  private causeClients?: CauseClients;

  constructor(private readonly ssm: SSMClient) {}

  ssmFor(): SSMClient {
    return this.ssm;
  }

  forget(): void {}

  /**
   * Never: a denial in the function's own account is the monitor's own role failing, an error
   * to retry and to alarm on (the function's errors), not an account-Region to announce.
   */
  unreachableCause(): undefined {
    return undefined;
  }

  /** With the function's own credentials, in its own Region (and at its client's endpoint, if set). */
  causeReadsFor(): CauseReads {
    this.causeClients ??= new CauseClients(causeClientConfigOf(this.ssm));
    return this.causeClients.reads();
  }
}

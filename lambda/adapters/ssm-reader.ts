/**
 * How the monitor reads SSM: one reader, whatever its reach. The home reader answers with the
 * function's own client (one account); the member reader (`member-reader.ts`) with a client
 * signed as the read role of each member account-Region (an Organization).
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AccountRegion } from '../core/account-region';

export interface SsmReader {
  /**
   * The SSM client that reads the runs of `accountRegion`.
   *
   * @throws AccountRegionUnreachableError when it cannot be read (its role was refused lately).
   */
  ssmFor(accountRegion: AccountRegion): SSMClient;
  /** Forgets a refusal remembered for `accountRegion`, so that the next read tries again. */
  forget(accountRegion: AccountRegion): void;
}

/** The reader of the function's own account and Region: its own client, never refused. */
export class HomeReader implements SsmReader {
  constructor(private readonly ssm: SSMClient) {}

  ssmFor(): SSMClient {
    return this.ssm;
  }

  forget(): void {}
}

/**
 * The readers' way to failure causes: the cause reads of an account-Region, from the failure
 * causes' bundle (`lambda/causes.ts`, loaded on the first cause read of the container and kept).
 * What stays in the monitor's bundle is this file alone.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { CauseUnavailableReason } from '../../contract';
import type { CauseEvidence, CauseReads, CauseSubject } from '../core/causes/types';
import { type CausesBundle, loadCauses } from '../load-causes';
import type { CauseClientConfig, CauseReadClients } from './cause-reads';

/**
 * The clients that read causes in one account-Region, made on its first cause read. A report's
 * reads share one deep-read budget; a file that cannot be loaded makes each read `Error`.
 */
export class CauseClients {
  private clients?: Promise<CauseReadClients>;

  constructor(
    private readonly config: CauseClientConfig,
    private readonly load: () => Promise<CausesBundle> = loadCauses,
  ) {}

  /** The reads of one report. */
  reads(): CauseReads {
    let reads: CauseReads | undefined;
    return {
      read: async (subject: CauseSubject, signal: AbortSignal): Promise<CauseEvidence> => {
        if (!reads) {
          try {
            reads = (await this.readClients()).reads();
          } catch {
            return { kind: 'unavailable', reason: CauseUnavailableReason.Error };
          }
        }
        return reads.read(subject, signal);
      },
    };
  }

  destroy(): void {
    this.clients?.then(
      (clients) => clients.destroy(),
      () => undefined,
    );
  }

  private readClients(): Promise<CauseReadClients> {
    this.clients ??= this.load().then(
      (chunk) => chunk.causeReadClients(this.config),
      (error: unknown) => {
        // Not remembered: the next read loads it again.
        this.clients = undefined;
        throw error;
      },
    );
    return this.clients;
  }
}

/** Reads that answer `reason` for every subject, with no call: an account-Region that cannot be read. */
export function unreadable(reason: CauseUnavailableReason): CauseReads {
  return { read: async () => ({ kind: 'unavailable', reason }) };
}

/** The settings of `ssm` that say where and as whom it reads, for the cause clients beside it. */
export function causeClientConfigOf(ssm: SSMClient): CauseClientConfig {
  const { region, credentials, endpoint, isCustomEndpoint } = ssm.config;
  return { region, credentials, ...(isCustomEndpoint && endpoint ? { endpoint } : {}) };
}

/**
 * The reach, as the function sees it: where it runs, and what differs in its output between one
 * account and an Organization, as data the runtime is built with (`handlers/runtime.ts` picks it).
 * The pipelines read these values; none of them asks which reach it is in. Pure: types only.
 */
import type { MetricMode } from '../../contract';
import type { AccountRegion } from './account-region';
import type { EventOrigin } from './event';

export interface Reach {
  /** The account-Region the function runs in: the ledger keys of its runs stay unscoped. */
  readonly home: AccountRegion;
  /** Where an event's account-Region is read: its envelope, or the home one (every event's). */
  readonly eventOrigin: EventOrigin;
  /** Which series a run publishes: a key of the contract's `PUBLISHED_SERIES`. */
  readonly series: MetricMode;
  /**
   * Whether a run's account-Region is named (in alerts and logs) and its event path tracked in the
   * ledger: where runs come from many account-Regions.
   */
  readonly namesAccountRegions: boolean;
  /**
   * What an announcement of a change of reach names (an account-Region that can no longer be read,
   * or again): none where every read is the function's own, which cannot be refused.
   */
  readonly announcements?: { readonly organizationId: string; readonly rolePrefix: string };
}

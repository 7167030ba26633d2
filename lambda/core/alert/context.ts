/**
 * What an alert says beyond the counts, shared by the e-mail text and the chat card. Types only.
 */
import type { CauseSummary } from '../causes/types';

/** What the alert says beyond the counts: the window's name, and where its console links point. */
export interface AlertContext {
  /** The window's name, when it could be looked up. */
  readonly windowName?: string;
  /** The Region of the window (its console link opens there). */
  readonly region: string;
  /** Organization mode: the account the run ran in, with its name when known. */
  readonly account?: { readonly id: string; readonly name?: string };
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** Upper bound of the message body in bytes. @default MAX_MESSAGE_BYTES */
  readonly maxBytes?: number;
  /**
   * Failed plus timed-out targets an earlier alert for this run already reported: this alert is then
   * an update, sent because invocations that were still running when the run ended failed since.
   */
  readonly alreadyReported?: number;
  /**
   * The failed targets' causes, grouped: the e-mail shows them before the targets, the chat card the
   * top three. Absent: the alert says nothing of causes (the setting is off, or nothing failed).
   */
  readonly causes?: CauseSummary;
}

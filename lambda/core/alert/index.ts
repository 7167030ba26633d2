/**
 * The alert for one report: the text every subscriber of the alert topic receives, its subject
 * and attributes, and the same alert as a chat card. Pure.
 */
import type { MonitoredEvent } from '../event';
import { type ExecutionTally, MAX_MESSAGE_BYTES } from '../tally';
import { type ChatNotification, chatNotification } from './chat';
import type { AlertContext } from './context';
import { emailText, subjectOf } from './email';
import { worstStatus } from './words';

export type { ChatNotification } from './chat';
export type { AlertContext } from './context';
export { MAX_CAUSES_BYTES, safeSubject } from './email';
export { windowConsoleUrl } from './words';

/**
 * The alert: a plain-text SNS message (every protocol receives this text) whose attributes let
 * subscriptions filter by window or status, and the same alert as a chat card for the chat topic.
 */
export interface Alert {
  readonly subject: string;
  /** The plain-text message: what e-mail shows, and the `Message` of every other protocol. */
  readonly message: string;
  /** The same alert as an Amazon Q Developer (chat) custom notification. */
  readonly chat: ChatNotification;
  readonly attributes: Record<string, string>;
}

/**
 * The alert for an event whose targets failed or timed out, or whose task or execution failed or
 * did not run (send it only when `needsAlert`). The text never exceeds the byte limit: targets that
 * do not fit are counted in a "+N more" line under their task.
 */
export function buildAlert(event: MonitoredEvent, tally: ExecutionTally, context: AlertContext): Alert {
  const subject = subjectOf(event, tally, context);
  return {
    subject,
    message: emailText(event, tally, context, context.maxBytes ?? MAX_MESSAGE_BYTES),
    chat: chatNotification(event, tally, subject, context),
    attributes: {
      window_id: event.windowId,
      status: worstStatus(event, tally),
      execution_status: event.status,
      // Organization mode: subscription filter policies route by account and Region.
      ...(context.account ? { account_id: context.account.id, region: context.region } : {}),
    },
  };
}

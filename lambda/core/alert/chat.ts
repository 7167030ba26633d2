/**
 * The alert as a chat card: an Amazon Q Developer custom notification (schema 1.0) with a short
 * Markdown summary and next steps; the e-mail has the full list.
 */
import { cut, TextBudget } from '../budget';
import type { CauseSummary } from '../causes/types';
import type { MonitoredEvent } from '../event';
import { didNotRun, type ExecutionTally } from '../tally';
import type { AlertContext } from './context';
import {
  accountLabel,
  examinedPart,
  headline,
  targetCount,
  windowConsoleUrl,
  windowLabel,
  worstStatus,
} from './words';

/** A custom notification as Amazon Q Developer in chat applications renders it (schema 1.0). */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext: Record<string, string>;
  };
}

/** Chat descriptions are kept short: a summary, with the e-mail holding the full list. */
export const MAX_CHAT_DESCRIPTION = 3_000;
const CHAT_TARGETS_PER_TASK = 5;
const CUT_SHORT = '…(see the e-mail for the rest)';
/** Causes the card shows, and how long each may be (characters). */
export const CHAT_CAUSES = 3;
const MAX_CHAT_CAUSE = 100;

/** The top causes, each cut to 100 characters, as code (so Markdown in them stays inert). */
function causeLines({ unhealthy, examined, groups }: CauseSummary): string[] {
  const lines = [
    `*Causes* (${targetCount(unhealthy)} did not succeed; ${examinedPart(unhealthy, examined)}):`,
  ];
  for (const { cause, count } of groups.slice(0, CHAT_CAUSES)) {
    lines.push(`• ${targetCount(count)}: \`${cut(cause.text, MAX_CHAT_CAUSE).replace(/`/g, "'")}\``);
  }
  if (groups.length > CHAT_CAUSES) lines.push(`• +${groups.length - CHAT_CAUSES} other causes in the e-mail`);
  return lines;
}

export function chatNotification(
  event: MonitoredEvent,
  tally: ExecutionTally,
  subject: string,
  context: AlertContext,
): ChatNotification {
  const url = windowConsoleUrl(context.partition, context.region, event.windowId);
  const counts = tally.counts;
  const lines = [
    `*${headline(event, tally, windowLabel(event, context.windowName), context.alreadyReported)}*`,
    ...(context.account ? [`Account ${accountLabel(context.account)}, Region ${context.region}.`] : []),
    `Execution \`${event.windowExecutionId}\`, status ${event.status}.`,
    ...(tally.running > 0 ? [`${tally.running} invocations still running: counted when they finish.`] : []),
    ...(context.causes ? causeLines(context.causes) : []),
  ];
  for (const task of tally.tasks) {
    const what = task.task.TaskArn ? `\`${task.task.TaskArn}\` (${task.typesLabel})` : task.typesLabel;
    lines.push(
      `• ${what}: ${task.counts.failed} of ${task.counts.total} failed, ${task.counts.timedOut} timed out` +
        (task.task.Status ? `, task ${task.task.Status}` : ''),
    );
    for (const line of task.listed.slice(0, CHAT_TARGETS_PER_TASK)) lines.push(`    ◦ ${line.trim()}`);
    if (task.unhealthyCount > CHAT_TARGETS_PER_TASK)
      lines.push(`    ◦ +${task.unhealthyCount - CHAT_TARGETS_PER_TASK} more in the e-mail`);
  }
  // Characters, as the card counts them, with room left for the cut-short note.
  const room = new TextBudget(MAX_CHAT_DESCRIPTION - 40, (text) => text.length);
  let description = '';
  for (const line of lines) {
    if (!room.take(line)) {
      description += CUT_SHORT;
      break;
    }
    description += `${line}\n`;
  }
  const skipped = didNotRun(event.status) && counts.failed + counts.timedOut === 0;
  return {
    version: '1.0',
    source: 'custom',
    id: `${event.windowExecutionId}${event.kind === 'task' ? `/${event.taskExecutionId}` : ''}`,
    content: {
      textType: 'client-markdown',
      title: subject,
      description: description.trimEnd(),
      nextSteps: skipped
        ? [
            `Open the window and its history: ${url}`,
            'Check why the previous run took longer than the time between runs, or cancel it, so the next run is not skipped too.',
          ]
        : [
            `Open the window and its history: ${url}`,
            context.causes?.groups.length
              ? "The causes above come from each failed target's output; the e-mail has them all, with their targets."
              : "Read each failed target's output (Run Command or Automation) for the reason.",
            'Fix the cause, then run the task again for the failed targets.',
          ],
      keywords: [
        event.windowId,
        worstStatus(event, tally),
        event.status,
        ...(context.account ? [context.account.id, context.region] : []),
      ],
    },
    metadata: {
      threadId: event.windowId,
      summary: subject,
      eventType: 'MaintenanceWindowRunReport',
      relatedResources: [event.windowId, event.windowExecutionId],
      additionalContext: {
        windowExecutionId: event.windowExecutionId,
        total: String(counts.total),
        failed: String(counts.failed),
        timedOut: String(counts.timedOut),
        cancelled: String(counts.cancelled),
        ...(context.account ? { accountId: context.account.id, region: context.region } : {}),
      },
    },
  };
}

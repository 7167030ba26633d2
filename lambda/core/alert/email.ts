/**
 * The alert as text: the subject SNS allows, and the body e-mail shows (and every other protocol
 * receives), within the byte limit.
 */
import { cut, TextBudget } from '../budget';
import type { CauseGroup, CauseSummary } from '../causes/types';
import type { MonitoredEvent } from '../event';
import type { ExecutionTally, TaskTally } from '../tally';
import type { AlertContext } from './context';
import {
  accountLabel,
  countParts,
  examinedPart,
  headline,
  targetCount,
  windowConsoleUrl,
  windowLabel,
} from './words';

const MAX_SUBJECT_LENGTH = 99;

/** The causes section's own limit, inside the message's. */
export const MAX_CAUSES_BYTES = 8 * 1024;
/** Cause groups the e-mail shows at most; the rest are counted in one line. */
export const MAX_CAUSE_GROUPS_SHOWN = 10;

/** Printable ASCII only, one line, at most 99 characters, as SNS requires of e-mail subjects. */
export function safeSubject(text: string): string {
  const printable = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return printable.length > MAX_SUBJECT_LENGTH
    ? `${printable.slice(0, MAX_SUBJECT_LENGTH - 3)}...`
    : printable;
}

/**
 * The subject: the window (name shortened if need be, never the ID; in Organization mode its name
 * or else its ID, with the account and Region) and what went wrong.
 */
export function subjectOf(event: MonitoredEvent, tally: ExecutionTally, context: AlertContext): string {
  const name = context.windowName;
  const counts = tally.counts;
  const failedTasks = tally.tasks.filter((task) => task.taskFailed).length;
  const what =
    counts.failed + counts.timedOut > 0
      ? `${countParts(counts, false)} of ${counts.total} targets`
      : failedTasks > 0
        ? `${failedTasks} task${failedTasks === 1 ? '' : 's'} did not complete`
        : event.status === 'SKIPPED_OVERLAPPING'
          ? 'run skipped (overlapped)'
          : `${event.kind === 'task' ? 'task' : 'run'} ${event.status === 'CANCELLED' ? 'cancelled' : `ended ${event.status}`}`;
  // Organization mode: which account and Region, which subscribers scan the subject for.
  const where = context.account ? ` in ${context.account.id}/${context.region}` : '';
  const suffix = `${where}: ${what}`;
  // The account and Region take the room "Maintenance" leaves (SNS subjects stop at 100 characters).
  const kind = context.account ? 'window' : 'maintenance window';
  const prefix =
    context.alreadyReported === undefined ? `${kind[0]?.toUpperCase()}${kind.slice(1)} ` : `Update: ${kind} `;
  if (!name) return safeSubject(`${prefix}${event.windowId}${suffix}`);
  if (context.account) {
    // No room for both name and ID beside the account and Region: the name (shortened if need
    // be) says more; the ID is in the text.
    const room = MAX_SUBJECT_LENGTH - prefix.length - suffix.length;
    if (room < 4) return safeSubject(`${prefix}${event.windowId}${suffix}`);
    return safeSubject(`${prefix}${name.length > room ? `${name.slice(0, room - 3)}...` : name}${suffix}`);
  }
  // Shorten the name, never the counts or the ID; leave it out when even a stub does not fit.
  const room = MAX_SUBJECT_LENGTH - prefix.length - suffix.length - event.windowId.length - 3;
  if (room < 4) return safeSubject(`${prefix}${event.windowId}${suffix}`);
  const shown = name.length > room ? `${name.slice(0, room - 3)}...` : name;
  return safeSubject(`${prefix}${shown} (${event.windowId})${suffix}`);
}

function taskHeader(task: TaskTally): string[] {
  const { TaskExecutionId, TaskArn, Status, StatusDetails } = task.task;
  const what = TaskArn ? `${TaskArn} (${task.typesLabel})` : task.typesLabel;
  const status = Status
    ? `, status ${Status}${StatusDetails ? `: ${StatusDetails.replace(/\s+/g, ' ')}` : ''}`
    : '';
  return [
    `Task ${TaskExecutionId ?? 'unknown'}: ${what}${status}`,
    `  ${task.counts.failed} of ${task.counts.total} failed, ${task.counts.timedOut} timed out, ${task.counts.cancelled} cancelled`,
  ];
}

/** One group: its count and cause, then the step and first targets, the hint, the full-output link. */
function groupLines({ cause, count, targets }: CauseGroup, width: number): string[] {
  const label = `  ${String(count).padStart(width)} ${count === 1 ? 'target ' : 'targets'}  `;
  const indent = ' '.repeat(label.length);
  const more = count > targets.length ? ` +${count - targets.length} more` : '';
  const step = cause.step ? `step ${cut(cause.step.replace(/\s+/g, ' '), 60)}, ` : '';
  return [
    `${label}${cause.text}`,
    `${indent}${step}on ${targets.join(', ')}${more}`,
    ...(cause.hint ? [`${indent}hint: ${cause.hint}`] : []),
    ...(cause.fullOutput ? [`${indent}full output: ${cause.fullOutput}`] : []),
  ];
}

/**
 * The causes section: how many targets were examined of how many, then the groups, largest first,
 * each whole or not at all, within `maxBytes` (and `MAX_CAUSES_BYTES`); the groups that do not fit
 * are counted in one "+K other causes" line. Empty when not even its heading fits.
 */
export function causesSection(summary: CauseSummary, maxBytes: number): string[] {
  const { groups, unhealthy, examined } = summary;
  const heading = `Causes (${targetCount(unhealthy)} did not succeed; ${examinedPart(unhealthy, examined)}):`;
  const others = (causes: number, targets: number) =>
    `  +${causes} other cause${causes === 1 ? '' : 's'} (${targetCount(targets)})`;
  // Room for the worst-case "+K other causes" line is kept back from the start.
  const reserve = Buffer.byteLength(others(groups.length, examined)) + 1;
  const room = new TextBudget(Math.min(maxBytes, MAX_CAUSES_BYTES) - reserve);
  if (!room.take('') || !room.take(heading)) return [];
  const lines = ['', heading];
  const width = String(groups[0]?.count ?? 1).length;
  let shown = 0;
  let covered = 0;
  for (const group of groups.slice(0, MAX_CAUSE_GROUPS_SHOWN)) {
    const block = groupLines(group, width);
    if (!room.take(block.join('\n'))) break;
    lines.push(...block);
    shown++;
    covered += group.count;
  }
  if (shown < groups.length) lines.push(others(groups.length - shown, examined - covered));
  return lines;
}

function moreLine(hidden: number): string {
  return `    +${hidden} more not listed`;
}

/**
 * The body: the run, its totals, each task with its failed targets, and the console link. The
 * fixed parts are measured first, with a worst-case "+N more" line under every task; the target
 * lines fill what is left of `maxBytes`, in task order.
 */
export function emailText(
  event: MonitoredEvent,
  tally: ExecutionTally,
  context: AlertContext,
  maxBytes: number,
): string {
  const label = windowLabel(event, context.windowName);
  const counts = tally.counts;

  const head = [
    headline(event, tally, label, context.alreadyReported),
    '',
    `Window:            ${label}`,
    ...(context.account
      ? [`Account:           ${accountLabel(context.account)}`, `Region:            ${context.region}`]
      : []),
    `Window execution:  ${event.windowExecutionId}`,
    ...(event.kind === 'execution' ? [`Status:            ${event.status}`] : []),
    `Started:           ${event.startTime?.toISOString() ?? 'unknown'}`,
    `Ended:             ${event.endTime.toISOString()}`,
    `Invocations:       ${counts.total} total, ${countParts(counts, true)}`,
    ...(tally.running > 0
      ? [
          `Still running:     ${tally.running} (not counted yet: they are counted when they finish, ` +
            'and an update follows if any of them fails)',
        ]
      : []),
  ];
  const tail = ['', 'Console:', `  ${windowConsoleUrl(context.partition, context.region, event.windowId)}`];

  const fixed = [
    ...head,
    ...tally.tasks.flatMap((task) => ['', ...taskHeader(task), moreLine(task.unhealthyCount)]),
    ...tail,
  ];
  const fixedBytes = Buffer.byteLength(`${fixed.join('\n')}\n`);
  // The causes come before the targets: they take their room first, within their own limit.
  const causes = context.causes ? causesSection(context.causes, maxBytes - fixedBytes) : [];
  const causesBytes = causes.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const room = new TextBudget(maxBytes - fixedBytes - causesBytes);

  const sections = tally.tasks.flatMap((task) => {
    const lines = ['', ...taskHeader(task)];
    let shown = 0;
    for (const line of task.listed) {
      if (!room.take(line)) break;
      lines.push(line);
      shown++;
    }
    if (task.unhealthyCount > shown) lines.push(moreLine(task.unhealthyCount - shown));
    return lines;
  });

  return `${[...head, ...causes, ...sections, ...tail].join('\n')}\n`;
}

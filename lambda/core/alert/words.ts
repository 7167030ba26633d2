/**
 * The wording the e-mail and the chat card share: the window's label, the headline, the counts,
 * the worst status, and the console link.
 */
import type { MonitoredEvent } from '../event';
import { type Counts, didNotRun, type ExecutionTally } from '../tally';

/** `name (mw-…)`, or the window ID alone when its name is not known. */
export function windowLabel(event: MonitoredEvent, windowName: string | undefined): string {
  return windowName ? `${windowName} (${event.windowId})` : event.windowId;
}

/** `Production (111122223333)`, or the ID alone when the account's name is not known. */
export function accountLabel(account: { readonly id: string; readonly name?: string }): string {
  return account.name ? `${account.name} (${account.id})` : account.id;
}

/** The Systems Manager console page of a maintenance window. */
export function windowConsoleUrl(partition: string, region: string, windowId: string): string {
  const host =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/systems-manager/maintenance-windows/${windowId}?region=${region}`;
}

/** `3 failed, 1 timed out` (and `, 2 cancelled` when asked and there are some). */
export function countParts(counts: Counts, withCancelled: boolean): string {
  const parts = [`${counts.failed} failed`, `${counts.timedOut} timed out`];
  if (withCancelled && counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
  return parts.join(', ');
}

/** The first sentence: what went wrong, or what more went wrong since the first alert. */
export function headline(
  event: MonitoredEvent,
  tally: ExecutionTally,
  label: string,
  alreadyReported?: number,
): string {
  const counts = tally.counts;
  const unhealthy = counts.failed + counts.timedOut;
  if (alreadyReported !== undefined) {
    const more = unhealthy - alreadyReported;
    return (
      `${more} more target${more === 1 ? '' : 's'} did not succeed in maintenance window ${label} after the ` +
      `first alert: invocations still running when the run ended have finished. Now ${unhealthy} of ${counts.total}.`
    );
  }
  if (unhealthy > 0 || !didNotRun(event.status)) {
    return `${unhealthy} of ${counts.total} targets did not succeed in maintenance window ${label}.`;
  }
  return event.status === 'SKIPPED_OVERLAPPING'
    ? `The run of maintenance window ${label} was skipped (SKIPPED_OVERLAPPING): it was due while the ` +
        'previous run was still in progress, so none of its tasks ran.'
    : `The run of maintenance window ${label} was cancelled (CANCELLED): tasks that had not finished did not run.`;
}

/** FAILED if anything failed, else TIMED_OUT if anything timed out, else the event's own status. */
export function worstStatus(event: MonitoredEvent, tally: ExecutionTally): string {
  const counts = tally.counts;
  if (
    counts.failed > 0 ||
    event.status === 'FAILED' ||
    tally.tasks.some((task) => task.task.Status === 'FAILED')
  ) {
    return 'FAILED';
  }
  if (counts.timedOut > 0 || event.status === 'TIMED_OUT' || tally.tasks.some((task) => task.taskFailed)) {
    return 'TIMED_OUT';
  }
  return event.status;
}

/** `1 target`, `12 targets`. */
export function targetCount(count: number): string {
  return `${count} target${count === 1 ? '' : 's'}`;
}

/** How many of the targets that did not succeed had their cause examined, for a heading. */
export function examinedPart(unhealthy: number, examined: number): string {
  return examined >= unhealthy ? 'all examined' : examined === 0 ? 'none examined' : `${examined} examined`;
}

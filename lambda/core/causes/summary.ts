/**
 * The causes of one report's failed targets, grouped for the alert: one group per cause, largest
 * first, with the first few targets of each. Pure.
 */
import type { CauseUnavailableReason } from '../../../contract';
import { causeOf } from './cause';
import type { Cause, CauseGroup, CauseSummary, Examined } from './types';

/** Targets named per group; the alert counts the rest. */
export const TARGETS_PER_GROUP = 5;

interface Building {
  readonly cause: Cause;
  count: number;
  readonly targets: string[];
}

/**
 * Groups the examined targets by cause key. Groups are sorted by size, largest first, ties in the
 * order their first target was examined. Targets whose cause could not be read form one group per
 * reason (a plain line in the alert) and are also counted per reason, for the metric.
 */
export function summarizeCauses(unhealthy: number, examined: readonly Examined[]): CauseSummary {
  const groups = new Map<string, Building>();
  const unavailable: Partial<Record<CauseUnavailableReason, number>> = {};
  for (const { subject, evidence } of examined) {
    const cause = causeOf(subject, evidence);
    if (cause.unavailable) unavailable[cause.unavailable] = (unavailable[cause.unavailable] ?? 0) + 1;
    const group = groups.get(cause.key) ?? { cause, count: 0, targets: [] };
    groups.set(cause.key, group);
    group.count++;
    if (group.targets.length < TARGETS_PER_GROUP) group.targets.push(subject.target);
  }
  // Map keeps insertion order, and the sort is stable: equal counts stay in examined order.
  const sorted: CauseGroup[] = [...groups.values()].sort((a, b) => b.count - a.count);
  return { unhealthy, examined: examined.length, groups: sorted, unavailable };
}

/**
 * One line naming a target that failed or timed out, for the alert: the instance (when the
 * invocation's parameters reveal it), the command or automation execution, and the status details.
 * Nothing else is read from `Parameters`: it can carry secrets.
 */
import type { InvocationRecord } from './records';

const INSTANCE_ID = /^m?i-[0-9a-f]{8,17}$/;

const EXECUTION_LABEL: Record<string, string> = {
  RUN_COMMAND: 'command',
  AUTOMATION: 'automation',
};

/**
 * The managed-instance ID an invocation targeted, read from its `Parameters` JSON: `instanceIds`
 * (Run Command) or an `InstanceId` document parameter (Automation).
 */
export function instanceIdOf(parameters: string | undefined): string | undefined {
  if (!parameters) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(parameters);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { instanceIds, parameters: documentParameters } = parsed as {
    instanceIds?: unknown;
    parameters?: { InstanceId?: unknown };
  };
  for (const candidate of [instanceIds, documentParameters?.InstanceId]) {
    const first = Array.isArray(candidate) ? candidate[0] : candidate;
    if (typeof first === 'string' && INSTANCE_ID.test(first)) return first;
  }
  return undefined;
}

/** How the alert names an invocation's target: its node, or `target <window target ID>`. */
export function targetOf(record: InvocationRecord, instanceId = instanceIdOf(record.Parameters)): string {
  return instanceId ?? (record.WindowTargetId ? `target ${record.WindowTargetId}` : 'unknown target');
}

/** One line of the alert for a target that failed or timed out; never includes `Parameters`. */
export function describeTarget(
  record: InvocationRecord,
  instanceId = instanceIdOf(record.Parameters),
): string {
  const who = targetOf(record, instanceId);
  const label = EXECUTION_LABEL[record.TaskType ?? ''] ?? 'execution';
  const execution = record.ExecutionId ? ` (${label} ${record.ExecutionId})` : '';
  const details = record.StatusDetails ? `: ${record.StatusDetails.replace(/\s+/g, ' ')}` : '';
  return `    ${(record.Status ?? 'UNKNOWN').padEnd(9)} ${who}${execution}${details}`;
}

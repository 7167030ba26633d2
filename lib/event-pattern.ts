/**
 * The SSM events the monitor takes: terminal runs (or tasks) only. One pattern for the central
 * rule and for every member account's forwarding rule, so a member forwards exactly what the
 * monitor would match.
 */
import type * as events from 'aws-cdk-lib/aws-events';
import {
  EXECUTION_DETAIL_TYPE,
  TASK_EXECUTION_DETAIL_TYPE,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from '../contract';
import { Reporting } from './props';

/** Terminal runs (or tasks, with `Reporting.TASK`); of the named windows only, when given. */
export function terminalEventPattern(
  reporting: Reporting,
  namedWindows?: readonly string[],
): events.EventPattern {
  const perExecution = reporting === Reporting.EXECUTION;
  return {
    source: ['aws.ssm'],
    detailType: [perExecution ? EXECUTION_DETAIL_TYPE : TASK_EXECUTION_DETAIL_TYPE],
    detail: {
      ...(namedWindows ? { 'window-id': [...namedWindows] } : {}),
      status: [...(perExecution ? TERMINAL_EXECUTION_STATUSES : TERMINAL_TASK_STATUSES)],
    },
  };
}

/** The rules' description: what they match. */
export function terminalEventDescription(reporting: Reporting): string {
  return `Maintenance window ${reporting === Reporting.EXECUTION ? '' : 'task '}executions that reached a terminal status`;
}

/**
 * The errors the constructs throw at synthesis: one home, so that every message names the
 * construct's path, the prop (or both props) and what is expected, the same way.
 */
import type { MaintenanceWindowMonitorMemberProps } from './member';
import type { MaintenanceWindowMonitorProps, OrganizationOptions } from './props';

/**
 * A prop of `MaintenanceWindowMonitor`: `windowIds`, or a nested one like `organization.regions`
 * (an Organization reach's options are named so however they were given). Not `reach`: its only
 * error (given with `organization`) names `organization` and says `reach` in the problem, so that
 * the app's map of props to context keys, which has no key for a reach, stays whole.
 */
export type MonitorPropName =
  | Exclude<keyof MaintenanceWindowMonitorProps, 'reach'>
  | `organization.${keyof OrganizationOptions}`;

/** A prop of `MaintenanceWindowMonitorMember`. */
export type MemberPropName = keyof MaintenanceWindowMonitorMemberProps;

/** A setting of the app's member stack (lib/maintenance-window-monitor-stack.ts) of its own. */
export type MemberStackPropName = 'centralRegion';

/** A prop's name as the error gives it, whichever construct owns it. */
export type PropName = MonitorPropName | MemberPropName | MemberStackPropName;

/** A prop, or a combination of props, the construct cannot build. */
export class MonitorPropsError extends Error {
  override readonly name = 'ValidationError';

  constructor(
    /** The path of the construct whose props are wrong, as aws-cdk-lib's own errors give it. */
    readonly constructPath: string,
    readonly props: readonly PropName[],
    /** What is wrong, without the path and the props (the app re-words it with its context keys). */
    readonly problem: string,
  ) {
    super(`${constructPath}: ${props.join(' and ')}: ${problem}`);
  }
}

/** A metric the functions never publish in this reach was asked for: it would stay empty. */
export class UnpublishedMetricError extends Error {
  override readonly name = 'ValidationError';
}

/**
 * Where the monitor looks, as a value: this account and Region, or an AWS Organization with its
 * Regions and units. A reach composes its own parts (the bus, the read grants, the environment, the
 * sweep's trigger, the alarms, the dashboard rows, the member StackSet, the stack outputs), so the
 * construct composes whichever it is given without asking which.
 */
import type { IConstruct } from 'constructs';
import { type MetricMode, OrgMetricDetail, SINGLE_ACCOUNT } from '../../contract';
import { MonitorPropsError } from '../errors';
import type { MaintenanceWindowMonitorProps, OrganizationOptions } from '../props';
import { bindAccountReach } from './account';
import type { BoundReach, ReachScope } from './binding';
import { bindOrganizationReach } from './organization';
import { checkOrganization, resolveOrganization } from './organization-options';

/**
 * Where a `MaintenanceWindowMonitor` looks for maintenance windows: `MonitorReach.thisAccount()`
 * (the stack's account and Region) or `MonitorReach.organization({...})` (every member account of
 * an AWS Organization, in the listed Regions, from this central account).
 */
export abstract class MonitorReach {
  /** The account and Region of the stack the monitor is in. */
  public static thisAccount(): MonitorReach {
    return new BindingReach(() => bindAccountReach());
  }

  /**
   * Every member account of an AWS Organization, in the listed Regions, from this (central)
   * account: a central event bus, a sweep planned per account, and a StackSet that deploys the
   * member side (a forwarding rule and a read role) to the accounts. Not with `windowIds` or
   * `expectedRunInterval`: window IDs are per account, and the sweep finds the windows itself. The
   * options are checked when the monitor is built, and its errors name them `organization.<option>`.
   *
   * @param options the Organization, its Regions and units, and the reach's settings
   */
  public static organization(options: OrganizationOptions): MonitorReach {
    return new BindingReach((on) => {
      const organization = resolveOrganization(options);
      checkOrganization(on.scope, organization, on.props, (names, problem) => {
        throw new MonitorPropsError(on.scope.node.path, names, problem);
      });
      return bindOrganizationReach(on, organization);
    });
  }

  protected constructor() {}

  /**
   * Checks the reach against the monitor's props and gives its parts.
   * @internal
   */
  public abstract _bind(on: ReachScope): BoundReach;
}

/** A reach that binds by a function of its own module. */
class BindingReach extends MonitorReach {
  constructor(private readonly binder: (on: ReachScope) => BoundReach) {
    super();
  }

  /** @internal */
  public _bind(on: ReachScope): BoundReach {
    return this.binder(on);
  }
}

/**
 * The reach the props ask for: `reach`, or the one the `organization` prop stands for, or this
 * account; both `reach` and `organization` are refused, naming both.
 */
export function reachOf(scope: IConstruct, props: MaintenanceWindowMonitorProps): MonitorReach {
  if (props.reach && props.organization) {
    throw new MonitorPropsError(
      scope.node.path,
      ['organization'],
      'and reach both say where the monitor looks: give one (reach: MonitorReach.organization(...) takes the ' +
        'same options)',
    );
  }
  return (
    props.reach ??
    (props.organization ? MonitorReach.organization(props.organization) : MonitorReach.thisAccount())
  );
}

/**
 * Where series of `modes` are published, in words for errors: `single-account mode`, `Organization
 * mode` (at every metric detail), or `Organization mode with organization.metricDetail "account"`.
 */
export function reachesDescription(modes: readonly MetricMode[]): string {
  const details = modes.filter((mode) => mode !== SINGLE_ACCOUNT);
  return [
    ...(modes.includes(SINGLE_ACCOUNT) ? ['single-account mode'] : []),
    ...(details.length === Object.values(OrgMetricDetail).length
      ? ['Organization mode']
      : details.length > 0
        ? [`Organization mode with organization.metricDetail ${details.map((d) => `"${d}"`).join(' or ')}`]
        : []),
  ].join(' and ');
}

/**
 * An Organization reach's options: their defaults, and every value and combination checked. An
 * error names the option as `organization.<option>`, whether it came through the `organization`
 * prop or `MonitorReach.organization()`.
 */
import { type IPolicyValidationPlugin, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { centralRoleNamePrefix, forwardRoleName } from '../../contract';
import {
  busNameProblem,
  organizationIdProblem,
  type Problem,
  regionProblem,
  rolePrefixProblem,
} from '../checks';
import type { MonitorPropName } from '../errors';
import {
  DEFAULTS,
  LIMITS,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
} from '../props';

const METRIC_DETAILS: string[] = Object.values(OrganizationMetricDetail);
/** The Organization's root, or an organizational unit (as CloudFormation's StackSet accepts them). */
const ROOT_ID = /^r-[a-z0-9]{4,32}$/;
const OU_ID = /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
/** The longest of the central functions' role names' suffixes, before the Region. */
const LONGEST_CENTRAL_ROLE = 'Report-';

/** Organization options with their defaults. */
export interface ResolvedOrganization {
  readonly organizationId: string;
  readonly regions: readonly string[];
  /** Where the StackSet deploys; the Organization's root (looked up at deploy time) when undefined. */
  readonly organizationalUnitIds?: readonly string[];
  readonly rolePrefix: string;
  readonly metricDetail: OrganizationMetricDetail;
  readonly sweepConcurrency: number;
  readonly memberTemplateValidations: readonly IPolicyValidationPlugin[];
}

/** Throws a `MonitorPropsError` naming the props. */
export type Fail = (names: MonitorPropName[], problem: string) => never;

export function resolveOrganization(options: OrganizationOptions): ResolvedOrganization {
  return {
    organizationId: options.organizationId,
    // Required, but a caller in another language (or plain JavaScript) may leave them out.
    regions: options.regions ?? [],
    ...(options.organizationalUnitIds ? { organizationalUnitIds: options.organizationalUnitIds } : {}),
    rolePrefix: options.rolePrefix ?? DEFAULTS.rolePrefix,
    metricDetail: options.metricDetail ?? DEFAULTS.metricDetail,
    sweepConcurrency: options.sweepConcurrency ?? DEFAULTS.sweepConcurrency,
    memberTemplateValidations: options.memberTemplateValidations ?? [],
  };
}

/** The options' values, and the monitor's props an Organization reach cannot be combined with. */
export function checkOrganization(
  scope: IConstruct,
  organization: ResolvedOrganization,
  props: MaintenanceWindowMonitorProps,
  fail: Fail,
): void {
  const must = (name: MonitorPropName, problem: Problem) => {
    if (problem !== undefined) fail([name], problem);
  };
  // Window IDs are per account, so a list means nothing across an Organization.
  if (props.windowIds) {
    fail(
      ['organization', 'windowIds'],
      'window IDs are per account: in Organization mode the monitor watches every window, and the sweep finds them',
    );
  }
  if (props.expectedRunInterval) {
    fail(
      ['organization', 'expectedRunInterval'],
      'missed-run alarms are per listed window, and Organization mode lists none',
    );
  }
  const { regions, rolePrefix } = organization;
  must('organization.organizationId', organizationIdProblem(organization.organizationId));
  must('organization.rolePrefix', rolePrefixProblem(rolePrefix));
  must('organization.rolePrefix', busNameProblem(rolePrefix));
  if (regions.length === 0) fail(['organization.regions'], 'must list at least one Region');
  for (const region of regions) {
    must('organization.regions', regionProblem(region));
    const longest = forwardRoleName(rolePrefix, region);
    if (longest.length > LIMITS.maxRoleNameLength) {
      fail(
        ['organization.regions'],
        `"${region}" makes the member role name ${longest} longer than IAM's ${LIMITS.maxRoleNameLength} characters`,
      );
    }
  }
  if (new Set(regions).size !== regions.length) fail(['organization.regions'], 'lists a Region twice');
  if (regions.length > LIMITS.maxOrganizationRegions) {
    fail(
      ['organization.regions'],
      `lists ${regions.length} Regions, more than the ${LIMITS.maxOrganizationRegions} one monitor sweeps`,
    );
  }
  if (organization.organizationalUnitIds) checkUnits(organization.organizationalUnitIds, fail);
  if (!METRIC_DETAILS.includes(organization.metricDetail)) {
    fail(
      ['organization.metricDetail'],
      `"${organization.metricDetail}" is not one of ${METRIC_DETAILS.join(', ')}`,
    );
  }
  const concurrency = organization.sweepConcurrency;
  const { min, max } = LIMITS.sweepConcurrency;
  if (!(Number.isInteger(concurrency) && concurrency >= min && concurrency <= max)) {
    fail(
      ['organization.sweepConcurrency'],
      `must be a whole number from ${min} to ${max}, got ${concurrency}`,
    );
  }
  // The central functions' roles are named for the stack's Region (when it is known here).
  const home = Stack.of(scope).region;
  const centralRole = `${centralRoleNamePrefix(rolePrefix)}${LONGEST_CENTRAL_ROLE}${home}`;
  if (!Token.isUnresolved(home) && centralRole.length > LIMITS.maxRoleNameLength) {
    fail(
      ['organization.rolePrefix'],
      `"${rolePrefix}" makes the central role name ${centralRole} longer than IAM's ${LIMITS.maxRoleNameLength} characters`,
    );
  }
}

/** The StackSet's organizational units, when listed: the root or OUs, each once. */
function checkUnits(units: readonly string[], fail: Fail): void {
  const name = 'organization.organizationalUnitIds';
  if (units.length === 0) {
    fail(
      [name],
      'must list the root (r-...) or at least one organizational unit (ou-...), or be left out for the whole Organization',
    );
  }
  for (const unit of units) {
    if (!ROOT_ID.test(unit) && !OU_ID.test(unit)) {
      fail([name], `"${unit}" is neither a root ID (r-...) nor an organizational unit ID (ou-...-...)`);
    }
  }
  if (units.length > LIMITS.maxOrganizationalUnits) {
    fail(
      [name],
      `lists ${units.length} IDs; a StackSet takes at most ${LIMITS.maxOrganizationalUnits} ` +
        'organizational units: list a parent unit (or the root) that holds them instead',
    );
  }
  if (new Set(units).size !== units.length) fail([name], 'lists an ID twice');
  if (units.length > 1 && units.some((unit) => ROOT_ID.test(unit))) {
    fail([name], 'lists the root with organizational units: the root already covers every one of them');
  }
}

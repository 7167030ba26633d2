/**
 * Organization mode's member side, in each member account and Region: a rule that forwards the
 * terminal maintenance window events to the central monitor's event bus (with a role that may do
 * only that), and the read role the central functions assume to read SSM there. No code, no
 * assets: the StackSet deploys it as an inline template (`member-template.ts`), and the app deploys
 * it as a plain stack where the StackSet cannot (the management account).
 */
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { centralRoleNamePrefix, forwardRoleName, MEMBER_READ_ACTIONS, readRoleName } from '../contract';
import {
  accountIdProblem,
  busArnProblem,
  failureCausesProblem,
  knownProblem,
  organizationIdProblem,
  reportingProblem,
  rolePrefixProblem,
} from './checks';
import { type MemberPropName, MonitorPropsError } from './errors';
import { terminalEventDescription, terminalEventPattern } from './event-pattern';
import { CAUSE_READ_ACKNOWLEDGEMENTS, causeReadStatements } from './grants';
import { DEFAULTS, FailureCauses, type Reporting } from './settings';

/** Props of `MaintenanceWindowMonitorMember`: where the central monitor is. */
export interface MaintenanceWindowMonitorMemberProps {
  /** The Organization's ID: the read role trusts the central roles only as its members. */
  readonly organizationId: string;

  /** The central monitor's account (12 digits): the read role trusts only its functions' roles. */
  readonly centralAccountId: string;

  /** The central monitor's event bus (its stack output `CentralEventBusArn`), where the rule forwards. */
  readonly centralBusArn: string;

  /**
   * The central monitor's role prefix (`OrganizationOptions.rolePrefix`): it names the roles here
   * and the central roles the read role trusts.
   * @default 'MaintenanceWindowMonitor'
   */
  readonly rolePrefix?: string;

  /**
   * The central monitor's `reporting`: the events forwarded are those it reports (run or task).
   * @default Reporting.EXECUTION
   */
  readonly reporting?: Reporting;

  /**
   * The central monitor's `failureCauses`: with `FailureCauses.SUMMARY`, the read role may also
   * read this Region's command output, Automation executions and Step Functions executions, for
   * the causes in the central monitor's alerts.
   * @default FailureCauses.OFF
   */
  readonly failureCauses?: FailureCauses;
}

/** Member read actions whose resource is a maintenance window; the others take only "*". */
const WINDOW_SCOPED: ReadonlySet<string> = new Set(['ssm:GetMaintenanceWindow']);

/**
 * One member account and Region of an Organization-mode monitor: forwards the terminal maintenance
 * window events of its default bus to the central bus, and lets the central functions (and only
 * them) read its maintenance windows.
 */
export class MaintenanceWindowMonitorMember extends Construct {
  /** Forwards terminal maintenance window events from the default bus to the central bus. */
  public readonly forwardRule: events.Rule;
  /** The role `forwardRule` puts events on the central bus with (`<prefix>-Forward-<Region>`). */
  public readonly forwardRole: iam.Role;
  /** The role the central functions assume to read SSM here (`<prefix>-Read-<Region>`). */
  public readonly readRole: iam.Role;

  /**
   * @param scope a stack in the member account and Region
   * @param id the construct's ID
   * @param props where the central monitor is
   */
  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorMemberProps) {
    super(scope, id);
    const prefix = props.rolePrefix ?? DEFAULTS.rolePrefix;
    const reporting = props.reporting ?? DEFAULTS.reporting;
    const causes = props.failureCauses ?? DEFAULTS.failureCauses.organization;
    checkMemberProps(this.node.path, props, prefix, reporting, causes);
    const readCauses = causes === FailureCauses.SUMMARY;

    this.forwardRole = new iam.Role(this, 'ForwardRole', {
      roleName: forwardRoleName(prefix, Aws.REGION),
      description: "Puts this account's maintenance window events on the central monitor's event bus",
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
    });
    const centralBus = events.EventBus.fromEventBusArn(this, 'CentralBus', props.centralBusArn);
    this.forwardRule = new events.Rule(this, 'ForwardRule', {
      description: `${terminalEventDescription(reporting)}, for the central monitor`,
      eventPattern: terminalEventPattern(reporting),
      // The target grants the role events:PutEvents on the central bus, and nothing else.
      targets: [new eventsTargets.EventBus(centralBus, { role: this.forwardRole })],
    });
    // No retry policy: CDK's EventBus target exposes no retry props (aws-cdk#28735), and
    // EventBridge's documented default, retries for 24 hours and up to 185 times, is what we want.

    const inThisRegion = { StringEquals: { 'aws:RequestedRegion': Aws.REGION } };
    this.readRole = new iam.Role(this, 'ReadRole', {
      roleName: readRoleName(prefix, Aws.REGION),
      description: "Lets the central maintenance window monitor read this Region's maintenance windows",
      // Role chaining caps the central functions' sessions at an hour anyway.
      maxSessionDuration: Duration.hours(1),
      // The account, not the roles: a role principal breaks when the role is recreated.
      assumedBy: new iam.AccountPrincipal(props.centralAccountId).withConditions({
        ArnLike: {
          'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${props.centralAccountId}:role/${centralRoleNamePrefix(prefix)}*`,
        },
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
      }),
      inlinePolicies: {
        ReadMaintenanceWindows: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: MEMBER_READ_ACTIONS.filter((action) => !WINDOW_SCOPED.has(action)),
              resources: ['*'],
              conditions: inThisRegion,
            }),
            new iam.PolicyStatement({
              actions: MEMBER_READ_ACTIONS.filter((action) => WINDOW_SCOPED.has(action)),
              resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:maintenancewindow/*`],
              conditions: inThisRegion,
            }),
            ...(readCauses ? causeReadStatements(inThisRegion) : []),
          ],
        }),
      },
    });
    Validations.of(this.readRole).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The SSM DescribeMaintenanceWindow* actions support no resource type, so they need "*"; the ' +
          'aws:RequestedRegion condition keeps them to this Region, and the role is read-only.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]',
        reason:
          'ssm:GetMaintenanceWindow (the window name for the alert) on the maintenance windows of this account ' +
          'and Region: which windows run here is not known to the central monitor at deploy time.',
      },
      ...(readCauses ? CAUSE_READ_ACKNOWLEDGEMENTS : []),
    );
  }
}

/** The member's props, where they are known at synthesis (the StackSet's are parameters). */
function checkMemberProps(
  path: string,
  props: MaintenanceWindowMonitorMemberProps,
  prefix: string,
  reporting: Reporting,
  failureCauses: FailureCauses,
): void {
  const problems: [MemberPropName, string | undefined][] = [
    ['organizationId', knownProblem(props.organizationId, organizationIdProblem)],
    ['centralAccountId', knownProblem(props.centralAccountId, accountIdProblem)],
    ['centralBusArn', knownProblem(props.centralBusArn, busArnProblem)],
    ['rolePrefix', knownProblem(prefix, rolePrefixProblem)],
    ['reporting', reportingProblem(reporting)],
    ['failureCauses', failureCausesProblem(failureCauses)],
  ];
  for (const [name, problem] of problems) {
    if (problem !== undefined) throw new MonitorPropsError(path, [name], problem);
  }
}

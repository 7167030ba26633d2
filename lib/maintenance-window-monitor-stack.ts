/**
 * The app's deployable stacks: one monitor (on a new topic, or an existing one imported by ARN) and
 * the outputs an operator needs after `cdk deploy`; and, for a member account the StackSet cannot
 * reach (the management account), the member side of an Organization-mode monitor.
 */
import { Arn, Aws, CfnOutput, Fn, LegacyStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { centralBusName } from '../contract';
import { busNameProblem, regionProblem } from './checks';
import { MonitorPropsError } from './errors';
import { MaintenanceWindowMonitor, type MaintenanceWindowMonitorProps } from './maintenance-window-monitor';
import { MaintenanceWindowMonitorMember } from './member';
import { DEFAULTS, type FailureCauses, type Reporting } from './settings';

export interface MaintenanceWindowMonitorStackProps extends StackProps {
  readonly monitor?: MaintenanceWindowMonitorProps;
  /**
   * ARN of an existing topic to alert on, imported as the monitor's `alertTopic`.
   * @default - the monitor creates an encrypted topic
   */
  readonly alertTopicArn?: string;
  /**
   * ARN of the KMS key that encrypts `alertTopicArn`, so the function may publish to it.
   * @default - the existing topic is not encrypted with a customer-managed key
   */
  readonly alertTopicKeyArn?: string;
}

/** Per-window alarm names listed in an output; more would make the output unreadable. */
const LISTED_WINDOW_ALARMS = 20;

/** The deployable unit: one monitor and the outputs an operator needs after `cdk deploy`. */
export class MaintenanceWindowMonitorStack extends Stack {
  public readonly monitor: MaintenanceWindowMonitor;

  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorStackProps = {}) {
    super(scope, id, props);
    const alertTopic = props.alertTopicArn
      ? sns.Topic.fromTopicAttributes(this, 'ExistingAlertTopic', {
          topicArn: props.alertTopicArn,
          ...(props.alertTopicKeyArn ? { keyArn: props.alertTopicKeyArn } : {}),
        })
      : undefined;
    const monitor = new MaintenanceWindowMonitor(this, 'Monitor', {
      ...props.monitor,
      ...(alertTopic ? { alertTopic } : {}),
    });
    this.monitor = monitor;

    new CfnOutput(this, 'AlertTopicArn', {
      value: monitor.alertTopic.topicArn,
      description: 'Alerts and alarm notifications; subscribe here',
    });
    if (monitor.chatTopic) {
      new CfnOutput(this, 'ChatTopicArn', {
        value: monitor.chatTopic.topicArn,
        description:
          'Chat cards and alarm notifications for Amazon Q Developer; add it to a channel configuration',
      });
    }
    new CfnOutput(this, 'FunctionName', { value: monitor.reportFunction.functionName });
    new CfnOutput(this, 'FunctionLogGroupName', {
      value: monitor.reportFunctionLogGroup.logGroupName,
      description: "The function's logs: the log group for the README's Logs Insights queries",
    });
    new CfnOutput(this, 'SweepLogGroupName', {
      value: monitor.sweepFunctionLogGroup.logGroupName,
      description: "The sweep's logs (runs it reported, and the heartbeats seeded at deploy)",
    });
    new CfnOutput(this, 'SweepFunctionName', {
      value: monitor.sweepFunction.functionName,
      description: monitor._reachOutputs.sweepFunctionDescription,
    });
    new CfnOutput(this, 'LedgerTableName', {
      value: monitor.ledgerTable.tableName,
      description: 'One item per reported execution',
    });
    const windowAlarms = Object.values(monitor.windowFailureAlarms);
    const listed = windowAlarms.slice(0, LISTED_WINDOW_ALARMS);
    new CfnOutput(this, 'FailureAlarmNames', {
      value: Fn.join(
        ', ',
        [monitor.fleetFailureAlarm, ...listed].map((alarm) => alarm.alarmName),
      ),
      description:
        'Alarms on failed and timed-out targets (fleet-wide, then per listed window' +
        (windowAlarms.length > listed.length
          ? `: the first ${listed.length} of ${windowAlarms.length}; ` +
            `aws cloudwatch describe-alarms --alarm-name-prefix ${this.stackName}- lists them all)`
          : ')'),
    });
    new CfnOutput(this, 'HealthAlarmNames', {
      value: Fn.join(
        ', ',
        Object.values(monitor.healthAlarms).map((alarm) => alarm.alarmName),
      ),
      description: 'Alarms on the monitor itself',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${monitor.dashboard.dashboardName}`,
      description: "Patching health per window and the monitor's own",
    });
    new CfnOutput(this, 'FailureQueueUrl', {
      value: monitor.failureQueue.queueUrl,
      description: 'Events the function failed on after retries',
    });
    new CfnOutput(this, 'RuleDeadLetterQueueUrl', {
      value: monitor.eventRuleDeadLetterQueue.queueUrl,
      description: 'Events EventBridge could not deliver',
    });
    monitor._reachOutputs.addTo(this);
  }
}

/** Where the central Organization-mode monitor is, for a member stack the app deploys itself. */
export interface MemberStackSettings {
  readonly organizationId: string;
  readonly centralAccountId: string;
  /**
   * The central monitor's Region.
   * @default - the Region this stack is deployed to
   */
  readonly centralRegion?: string;
  /** @default 'MaintenanceWindowMonitor' */
  readonly rolePrefix?: string;
  /** The central monitor's reporting. @default Reporting.EXECUTION */
  readonly reporting?: Reporting;
  /** The central monitor's failureCauses. @default FailureCauses.OFF */
  readonly failureCauses?: FailureCauses;
}

export interface MaintenanceWindowMonitorMemberStackProps extends StackProps {
  readonly member: MemberStackSettings;
}

/**
 * An Organization-mode member in one account and Region, deployed by the app: for the accounts the
 * StackSet cannot deploy to (the management account). The central bus's ARN is derived from the
 * central account, its Region and the prefix, as the central stack names it.
 *
 * It needs no CDK bootstrap: it has no asset, and its synthesizer (unless `props.synthesizer`
 * names another) is the legacy one, which names no bootstrap role and no version check, so
 * `cdk deploy` creates it with the caller's own credentials and sends its template inline (a few
 * KB, far below the 51,200 bytes CloudFormation takes so). `BootstraplessSynthesizer` would not
 * do: it drops only the version check, and still names the bootstrap deploy and execution roles.
 */
export class MaintenanceWindowMonitorMemberStack extends Stack {
  public readonly member: MaintenanceWindowMonitorMember;

  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorMemberStackProps) {
    super(scope, id, { synthesizer: new LegacyStackSynthesizer(), ...props });
    const { centralRegion, centralAccountId } = props.member;
    const region = centralRegion === undefined ? undefined : regionProblem(centralRegion);
    if (region !== undefined) throw new MonitorPropsError(this.node.path, ['centralRegion'], region);
    const rolePrefix = props.member.rolePrefix ?? DEFAULTS.rolePrefix;
    const busName = busNameProblem(rolePrefix);
    if (busName !== undefined) throw new MonitorPropsError(this.node.path, ['rolePrefix'], busName);
    const centralBusArn = Arn.format(
      {
        partition: Aws.PARTITION,
        service: 'events',
        region: centralRegion ?? Aws.REGION,
        account: centralAccountId,
        resource: 'event-bus',
        resourceName: centralBusName(rolePrefix),
      },
      this,
    );
    this.member = new MaintenanceWindowMonitorMember(this, 'Member', {
      organizationId: props.member.organizationId,
      centralAccountId,
      centralBusArn,
      rolePrefix,
      ...(props.member.reporting ? { reporting: props.member.reporting } : {}),
      ...(props.member.failureCauses ? { failureCauses: props.member.failureCauses } : {}),
    });
    new CfnOutput(this, 'CentralEventBusArn', {
      value: centralBusArn,
      description: 'Where the rule forwards terminal maintenance window events',
    });
    new CfnOutput(this, 'ForwardRuleName', { value: this.member.forwardRule.ruleName });
    new CfnOutput(this, 'ReadRoleArn', {
      value: this.member.readRole.roleArn,
      description: 'The role the central functions assume to read this Region',
    });
  }
}

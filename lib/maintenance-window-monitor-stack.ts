/**
 * The deployable stack: one monitor (on a new topic, or an existing one imported by ARN) and the
 * outputs an operator needs after `cdk deploy`.
 */
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MaintenanceWindowMonitor, type MaintenanceWindowMonitorProps } from './maintenance-window-monitor';

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
      description: 'Reports executions whose event never arrived; invoke it to sweep now',
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
  }
}

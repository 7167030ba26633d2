import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MaintenanceWindowMonitor, type MaintenanceWindowMonitorProps } from './maintenance-window-monitor';

export interface MaintenanceWindowMonitorStackProps extends StackProps {
  readonly monitor?: MaintenanceWindowMonitorProps;
}

/** The deployable unit: one monitor and the outputs an operator needs after `cdk deploy`. */
export class MaintenanceWindowMonitorStack extends Stack {
  public readonly monitor: MaintenanceWindowMonitor;

  constructor(scope: Construct, id: string, props: MaintenanceWindowMonitorStackProps = {}) {
    super(scope, id, props);
    this.monitor = new MaintenanceWindowMonitor(this, 'Monitor', props.monitor);

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.monitor.topic.topicArn,
      description: 'Subscribe here to receive maintenance window alerts',
    });
    new CfnOutput(this, 'FunctionName', { value: this.monitor.function.functionName });
    new CfnOutput(this, 'AlarmName', { value: this.monitor.alarm.alarmName });
  }
}

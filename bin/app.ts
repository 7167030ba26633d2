#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { monitorPropsFromContext } from '../lib/context';
import { MaintenanceWindowMonitorStack } from '../lib/maintenance-window-monitor-stack';

const app = new App();
new MaintenanceWindowMonitorStack(app, 'MaintenanceWindowMonitor', {
  description: 'Alerts on failed and timed-out SSM maintenance window task invocations',
  monitor: monitorPropsFromContext((key) => app.node.tryGetContext(key)),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

#!/usr/bin/env node
/** The app: context → settings, cdk-nag on every synthesis, the stack. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MaintenanceWindowMonitorStack } from '../lib/maintenance-window-monitor-stack';
import { settingsFromContext } from './context';

const app = new App();
const settings = settingsFromContext((key) => app.node.tryGetContext(key));
new MaintenanceWindowMonitorStack(app, 'MaintenanceWindowMonitor', {
  description: 'Alerts on failed and timed-out SSM maintenance window task invocations',
  ...settings,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

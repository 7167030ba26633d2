/**
 * The app's stacks, as the context asks: the single-account monitor (the default), Organization
 * mode's central stack, or a member stack; cdk-nag on every synthesis, the member template
 * included (it is synthesized in an App of its own, which the app's plugins do not reach).
 */
import { type App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  MaintenanceWindowMonitorMemberStack,
  MaintenanceWindowMonitorStack,
} from '../lib/maintenance-window-monitor-stack';
import { planFromContext, StackName } from './context';

const DESCRIPTION = {
  [StackName.Single]: 'Alerts on failed and timed-out SSM maintenance window task invocations',
  [StackName.Central]:
    'Alerts on failed and timed-out SSM maintenance window task invocations across an AWS Organization',
  [StackName.Member]:
    'Forwards maintenance window events to the central maintenance window monitor and lets it read this Region',
};

/** Defines the stack the context asks for in `app`, with cdk-nag's checks; returns it. */
export function defineStacks(app: App): Stack {
  const nag = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(nag);
  const plan = planFromContext((key) => app.node.tryGetContext(key));
  if (plan.stackName === StackName.Member) {
    return new MaintenanceWindowMonitorMemberStack(app, plan.stackName, {
      description: DESCRIPTION[plan.stackName],
      member: plan.member,
    });
  }
  const { organization } = plan.settings.monitor;
  return new MaintenanceWindowMonitorStack(app, plan.stackName, {
    description: DESCRIPTION[plan.stackName],
    ...plan.settings,
    monitor: {
      ...plan.settings.monitor,
      ...(organization ? { organization: { ...organization, memberTemplateValidations: [nag] } } : {}),
    },
  });
}

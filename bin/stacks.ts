/**
 * The app's stacks, as the context asks: the single-account monitor (the default), Organization
 * mode's central stack, or a member stack; cdk-nag on every synthesis, the member template
 * included (it is synthesized in an App of its own, which the app's plugins do not reach).
 */
import { Annotations, type App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  MaintenanceWindowMonitorMemberStack,
  MaintenanceWindowMonitorStack,
} from '../lib/maintenance-window-monitor-stack';
import {
  type ContextSettings,
  checkContextKeys,
  planFromContext,
  StackName,
  validatingMemberTemplate,
} from './context';

const DESCRIPTION = {
  [StackName.Single]: 'Alerts on failed and timed-out SSM maintenance window task invocations',
  [StackName.Central]:
    'Alerts on failed and timed-out SSM maintenance window task invocations across an AWS Organization',
  [StackName.Member]:
    'Forwards maintenance window events to the central maintenance window monitor and lets it read this Region',
};

/** Nobody hears an alarm or an alert: no e-mail, no existing topic, no chat channel. */
function nobodyNotified(settings: ContextSettings): boolean {
  const { alertEmails, slackChannel, teamsChannel } = settings.monitor;
  return !(alertEmails?.length || settings.alertTopicArn || slackChannel || teamsChannel);
}

/** Defines the stack the context asks for in `app`, with cdk-nag's checks; returns it. */
export function defineStacks(app: App): Stack {
  checkContextKeys(app.node.getAllContext());
  const nag = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(nag);
  const plan = planFromContext((key) => app.node.tryGetContext(key));
  if (plan.stackName === StackName.Member) {
    return new MaintenanceWindowMonitorMemberStack(app, plan.stackName, {
      description: DESCRIPTION[plan.stackName],
      member: plan.member,
    });
  }
  const stack = new MaintenanceWindowMonitorStack(app, plan.stackName, {
    description: DESCRIPTION[plan.stackName],
    ...plan.settings,
    monitor: validatingMemberTemplate(plan.settings.monitor, [nag]),
  });
  if (nobodyNotified(plan.settings)) {
    Annotations.of(stack).addWarningV2(
      'maintenance-window-monitor:nobodyNotified',
      'Nobody will be notified: no alertEmails, alertTopicArn, Slack or Teams channel is given, so ' +
        'alarms and alerts reach only the alert topic, which has no subscriber. Give ' +
        '-c alertEmails=you@example.com, or subscribe to the topic after deploying.',
    );
  }
  return stack;
}

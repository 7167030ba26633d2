/**
 * Slack and Teams channels, through Amazon Q Developer in chat applications, subscribed to the
 * chat topic, with a role that may only read CloudWatch (for alarm cards). Configuration names are
 * unique per account across Regions, so each carries the stack, the Region and the construct.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { SlackChannel, TeamsChannel } from './props';

export interface ChatChannels {
  readonly slackChannel?: SlackChannel;
  readonly teamsChannel?: TeamsChannel;
}

/** The channel configurations, when a channel is given; their role. */
export function createChatChannels(scope: Construct, chatTopic: sns.ITopic, channels: ChatChannels): void {
  if (!channels.slackChannel && !channels.teamsChannel) return;
  const role = new iam.Role(scope, 'ChatChannelRole', {
    assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
    description:
      'Amazon Q Developer in chat applications: reads CloudWatch alarms and metrics for alarm cards',
  });
  // The documented notification permissions: read-only CloudWatch, which alarm cards use for
  // their graphs and details. Nothing can be changed from the channel.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Action::cloudwatch:Describe*]',
      reason:
        "Amazon Q Developer's documented notification permissions: alarm cards read the alarm and its metric " +
        'graph through the channel role, and these read-only CloudWatch actions are what it documents.',
    },
    {
      id: 'AwsSolutions-IAM5[Action::cloudwatch:Get*]',
      reason: 'Read-only CloudWatch for alarm cards, as above.',
    },
    {
      id: 'AwsSolutions-IAM5[Action::cloudwatch:List*]',
      reason: 'Read-only CloudWatch for alarm cards, as above.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Describe/Get/List of alarms and metrics support no resource narrower than "*".',
    },
  );
  if (channels.slackChannel) {
    new chatbot.SlackChannelConfiguration(scope, 'SlackChannel', {
      slackChannelConfigurationName: chatConfigurationName(scope, 'slack'),
      slackWorkspaceId: channels.slackChannel.workspaceId,
      slackChannelId: channels.slackChannel.channelId,
      notificationTopics: [chatTopic],
      role,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }
  if (channels.teamsChannel) {
    new chatbot.CfnMicrosoftTeamsChannelConfiguration(scope, 'TeamsChannel', {
      configurationName: chatConfigurationName(scope, 'teams'),
      iamRoleArn: role.roleArn,
      teamId: channels.teamsChannel.teamId,
      teamsChannelId: channels.teamsChannel.channelId,
      teamsTenantId: channels.teamsChannel.tenantId,
      snsTopicArns: [chatTopic.topicArn],
      loggingLevel: 'ERROR',
    });
  }
}

/**
 * `<stack>-<region>-<8 hex of the construct's address>-<channel>`: unique per account across
 * Regions (Amazon Q Developer's rule) and per construct, within 128 of `[A-Za-z0-9-_]` (stack
 * names are letters, digits and hyphens; the Region may be a deploy-time token).
 */
export function chatConfigurationName(scope: Construct, channel: string): string {
  const stack = Stack.of(scope);
  return `${stack.stackName.slice(0, 80)}-${stack.region}-${scope.node.addr.slice(0, 8)}-${channel}`;
}

/**
 * The encrypted topics the monitor creates (the alert topic, and the chat topic) and their key:
 * a customer-managed key CloudWatch alarms may use, and topic policies that let this account's
 * alarms publish and deny publishing without TLS.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The key of the topics, rotated; CloudWatch alarms of this account may use it. */
export function createTopicKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'AlertTopicKey', {
    description: 'Encrypts the maintenance window monitor alert topic',
    enableKeyRotation: true,
    // The topic stores no messages, so nothing needs the key once the stack is gone.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // CloudWatch alarms publish to an encrypted topic only if the key lets them use it.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  return key;
}

/** A topic encrypted with `key`, TLS-only, that this account's CloudWatch alarms may publish to. */
export function createTopic(scope: Construct, id: string, key: kms.IKey, displayName: string): sns.Topic {
  const stack = Stack.of(scope);
  const topic = new sns.Topic(scope, id, { displayName, masterKey: key, enforceSSL: true });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
  return topic;
}

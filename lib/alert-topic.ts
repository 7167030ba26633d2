/**
 * The encrypted topics the monitor creates (the alert topic, and the chat topic) and their key:
 * a customer-managed key CloudWatch alarms may use, and topic policies that let this account's
 * alarms publish and deny publishing without TLS. For a topic the user gives, the same use of its
 * key: granted when the key is defined in the app, and otherwise spelled out at synthesis.
 */
import { Annotations, ArnFormat, Duration, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The alarms of `stack`'s account and Region: what may publish to the topics, and use their key. */
function alarmArns(stack: Stack): string {
  return stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The key policy statement CloudWatch alarms need to publish to a topic encrypted with the key:
 * `kms:Decrypt` and `kms:GenerateDataKey*` for `cloudwatch.amazonaws.com`, on behalf of the
 * alarms of `stack`'s account.
 */
export function alarmKeyStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToUseTheKey',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    // aws:SourceAccount only: AWS documents no aws:SourceArn on the KMS requests CloudWatch makes
    // for an alarm's notification, and a condition on a key the request lacks would deny them all.
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  });
}

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
  key.addToResourcePolicy(alarmKeyStatement(Stack.of(scope)));
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
        ArnLike: { 'aws:SourceArn': alarmArns(stack) },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
  return topic;
}

/**
 * The statement as JSON to paste into a key policy, with the stack's account when known, else a
 * placeholder for it.
 */
function statementJson(stack: Stack): string {
  const account = Token.isUnresolved(stack.account) ? "<this stack's account ID>" : stack.account;
  return JSON.stringify({
    Sid: 'AllowCloudWatchAlarmsToUseTheKey',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: { StringEquals: { 'aws:SourceAccount': account } },
  });
}

/**
 * Lets the monitor's alarms use the key of a topic the user gave (`alertTopic`): CloudWatch
 * drops an alarm's notification, silently, when the topic's key does not let it. A key defined in
 * the app gets the statement; an imported key (or a topic imported without its key, whose
 * encryption the app cannot see) gets a synthesis warning with the statement to add by hand.
 */
export function allowAlarmsToUseTopicKey(scope: Construct, prop: string, topic: sns.ITopic): void {
  const stack = Stack.of(scope);
  const key = topic.masterKey;
  const statement = `add this statement to the key's policy, or the alarms' notifications are dropped without a trace: ${statementJson(stack)}`;
  if (!key) {
    // A topic defined in the app without a key is not encrypted: nothing to grant.
    if (Resource.isOwnedResource(topic)) return;
    Annotations.of(scope).addWarningV2(
      'maintenance-window-monitor:alertTopicKeyUnknown',
      `${prop} is imported without its key, so the monitor cannot see whether it is encrypted. If it is ` +
        `encrypted with a customer-managed KMS key, import it with the key (Topic.fromTopicAttributes with keyArn; ` +
        `context alertTopicKeyArn) so the functions may use it, and ${statement}`,
    );
    return;
  }
  if (key.addToResourcePolicy(alarmKeyStatement(stack), true).statementAdded) return;
  Annotations.of(scope).addWarningV2(
    'maintenance-window-monitor:alertTopicKeyImported',
    `${prop} is encrypted with a KMS key defined outside this app (${key.keyArn}), whose policy the monitor ` +
      `cannot change: ${statement}`,
  );
}

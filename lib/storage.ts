/**
 * Where the monitor keeps things: the ledger table (one item per reported run) and the queues that
 * keep the events it could not take.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LedgerAttribute } from '../lambda/contract';

/** An encrypted, TLS-only queue that keeps undeliverable events for the 14 days SQS allows. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue (an EventBridge target DLQ or a Lambda on-failure destination).',
  });
  return queue;
}

/** One item per reported execution: exactly-once reporting across duplicate deliveries. */
export function createLedgerTable(scope: Construct): dynamodb.Table {
  return new dynamodb.Table(scope, 'Ledger', {
    partitionKey: { name: LedgerAttribute.PartitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: LedgerAttribute.ExpiresAt,
    // Losing the ledger costs at most one re-report per execution in the look-back window.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/**
 * Where the monitor keeps things: the ledger table (one item per reported run), the queues that
 * keep the events it could not take, and (Organization mode) the queue of sweep assignments.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LedgerAttribute } from '../contract';

/** An encrypted, TLS-only queue that keeps undeliverable events for the 14 days SQS allows. */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  what = 'an EventBridge target DLQ or a Lambda on-failure destination',
): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue (${what}).`,
  });
  return queue;
}

/**
 * Receives after which a sweep assignment goes to the dead-letter queue: AWS advises at least 5
 * for a queue a function reads, so that a receive lost to an account-wide Lambda throttle does not
 * set healthy work aside.
 */
export const SWEEP_MAX_RECEIVES = 5;

/**
 * How long an assignment is kept: its receives, each after a visibility timeout, fit in it many
 * times over, and it stays well short of the dead-letter queue's 14 days (a message moved there
 * keeps its first enqueue time, so the dead-letter queue must keep it longer). An assignment
 * older than that is stale anyway: the planner queued newer ones every sweep since.
 */
export const SWEEP_RETENTION = Duration.days(2);

/**
 * Organization mode: one assignment (an account and its Regions) per message, for the sweep
 * function; an assignment that failed `SWEEP_MAX_RECEIVES` times goes to `deadLetters`. A message
 * stays invisible for six times the function's timeout, as Lambda advises for an SQS event source
 * (a batch held back by throttling is not delivered again meanwhile); a failed account waits that
 * long before its retry, which the next planned sweep may have done already.
 */
export function sweepQueue(scope: Construct, deadLetters: sqs.IQueue, functionTimeout: Duration): sqs.Queue {
  return new sqs.Queue(scope, 'SweepQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(functionTimeout.toSeconds() * 6),
    retentionPeriod: SWEEP_RETENTION,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: SWEEP_MAX_RECEIVES },
  });
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

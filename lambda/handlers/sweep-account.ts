/**
 * The entry point `index.sweepAccount` (Organization mode): the sweep worker, fed by the planner's
 * queue (batch size 1): each message is one account. A Region that failed for a passing reason
 * (throttling, a fault) fails the message, so SQS delivers it again (and after a few tries keeps it
 * in the dead-letter queue); an unreadable Region is counted and named, and does not.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { InvalidAssignmentError, parseAssignment } from '../core/assignment';
import { sweepAccount } from '../core/sweep';
import { type Runtime, reportDeps } from './runtime';
import { sweepOptions } from './sweep';

export function sweepAccountHandler(runtime: Runtime) {
  const { logger } = runtime;
  return async function sweepAccountEntry(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    logger.addContext(context);
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    try {
      runtime.sweepSettings();
      for (const record of event.Records) {
        const now = runtime.clock.now();
        try {
          const assignment = parseAssignment(record.body);
          logger.appendKeys({ accountId: assignment.accountId });
          const outcome = await sweepAccount(
            assignment,
            reportDeps(runtime, context, 'sweep'),
            sweepOptions(runtime, context, now),
          );
          logger.info('Swept the account', { ...outcome });
          if (outcome.failed.length > 0) batchItemFailures.push({ itemIdentifier: record.messageId });
        } catch (error: unknown) {
          if (error instanceof InvalidAssignmentError) {
            logger.error('Dropped a message that is not a sweep assignment', { error });
            continue;
          }
          logger.error('Could not sweep the account; the message is delivered again', { error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        } finally {
          logger.removeKeys(['accountId']);
        }
      }
      return { batchItemFailures };
    } catch (error: unknown) {
      logger.error('The account sweep could not start; every message is delivered again', { error });
      throw error;
    }
  };
}

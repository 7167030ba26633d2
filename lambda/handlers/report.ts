/**
 * The entry point `index.handler`: reports one EventBridge event. It tags the logs, runs the event
 * path, and logs the errors it rethrows (so that Lambda retries the event, then keeps it in the
 * failure destination).
 */
import { DoesNotExistException } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { InvalidEventError } from '../core/event';
import { deliverEvent, type Skipped } from '../core/event-path';
import type { ReportResult } from '../core/report-event';
import { type Runtime, reportDeps } from './runtime';

export type { Skipped, Unreachable } from '../core/event-path';
export { REPLAY_MESSAGE } from '../core/event-path';

export function reportHandler(runtime: Runtime) {
  const { logger } = runtime;
  return async function handler(event: unknown, context: Context): Promise<ReportResult | Skipped> {
    logger.addContext(context);
    try {
      return await deliverEvent(event, {
        ...reportDeps(runtime, context, 'event'),
        reader: runtime.reader,
        ...(runtime.config.windowIds ? { windowIds: runtime.config.windowIds } : {}),
        tagLogs: (keys) => logger.appendKeys(keys),
        now: runtime.clock.now(),
      });
    } catch (error: unknown) {
      if (error instanceof InvalidEventError) {
        logger.error('Rejected malformed event; nothing was published', { field: error.field, error });
      } else if (error instanceof DoesNotExistException) {
        logger.error(
          'SSM no longer has this execution (its history expired or was deleted); nothing was published',
          { error },
        );
      } else {
        logger.error('Failed to report the execution', { error });
      }
      // Rethrown so the invocation fails and the event goes to Lambda's retries and failure destination.
      throw error;
    } finally {
      logger.resetKeys();
    }
  };
}

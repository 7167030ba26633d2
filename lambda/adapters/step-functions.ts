/**
 * The Step Functions read of a failed target's cause: `DescribeExecution`, its error and the first
 * line of its cause. Part of the failure causes' bundle (`causes.js`), never of the bundle every
 * cold start reads.
 */
import { DescribeExecutionCommand, SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import type { CauseEvidence } from '../core/causes/types';

/** The longest first line of a cause kept: the alert shows far less, and a cause holds up to 32 KiB. */
const MAX_CAUSE_LINE = 1_000;

/** What ended an execution that carries no error of its own, by its status. */
const ENDED: Record<string, string> = {
  TIMED_OUT: 'execution timed out',
  ABORTED: 'execution aborted',
};

/** Reads the failure of executions in one account-Region. */
export interface StepFunctionsReads {
  /**
   * The execution's error and the first line of its cause, or what ended it; `undefined` when it
   * says nothing. Throws what the SDK throws (the caller classifies it).
   */
  failure(executionArn: string, signal: AbortSignal): Promise<CauseEvidence | undefined>;
  destroy(): void;
}

/** The reads of one account-Region, with a client of `config`. */
export function stepFunctionsReads(config: SFNClientConfig): StepFunctionsReads {
  const client = new SFNClient(config);
  return {
    async failure(executionArn, signal) {
      const output = await client.send(new DescribeExecutionCommand({ executionArn }), {
        abortSignal: signal,
      });
      const causeLine = output.cause?.split('\n', 1)[0]?.trim().slice(0, MAX_CAUSE_LINE);
      if (output.error) {
        return { kind: 'message', message: causeLine ? `${output.error}: ${causeLine}` : output.error };
      }
      const ended = ENDED[output.status ?? ''];
      if (ended) return { kind: 'message', message: causeLine ? `${ended}: ${causeLine}` : ended };
      return causeLine ? { kind: 'message', message: causeLine } : undefined;
    },
    destroy: () => client.destroy(),
  };
}

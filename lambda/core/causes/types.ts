/**
 * Failure causes, as the pieces that read, name and group them agree on: the failed target to
 * examine, what a read of its cause found, the cause it names, and the summary the alert shows.
 * Types only.
 */
import type { CauseUnavailableReason } from '../../../contract';

/** One failed or timed-out target whose cause is to be read: what its invocation record says. */
export interface CauseSubject {
  /** `RUN_COMMAND`, `AUTOMATION`, `STEP_FUNCTIONS` or `LAMBDA` (as the invocation record says). */
  readonly taskType: string;
  /** The task's document, function or state machine (the task's `TaskArn`), when known. */
  readonly taskArn?: string;
  /**
   * The ID of the action in the service that ran it: the command ID (Run Command), the automation
   * execution ID, the state machine execution ARN (the last two unconfirmed: checked before use).
   */
  readonly executionId?: string;
  /** The managed node (`i-…`, `mi-…`) the invocation ran on, when its parameters name one. */
  readonly instanceId?: string;
  /** How the alert names the target: the node, or `target <window target ID>`. */
  readonly target: string;
  readonly status: 'FAILED' | 'TIMED_OUT';
  /** The invocation's `StatusDetails` (`Failed`, `Execution Timed Out`, `Undeliverable`, …). */
  readonly statusDetails?: string;
}

/**
 * What reading a target's cause found: the failed step's text (never logged, never shown raw: a
 * cause is derived from it), a service's own failure message, nothing to read (no call was made),
 * or why it could not be read.
 */
export type CauseEvidence =
  | {
      readonly kind: 'output';
      /** The failed step (`PatchLinux`, `aws:runShellScript`), when the document has steps. */
      readonly step?: string;
      /** The document that ran (`AWS-RunPatchBaseline`). */
      readonly documentName?: string;
      /** The head of the step's stderr, as far as the read returned it. */
      readonly stderr?: string;
      /** The head of the step's stdout, as far as the read returned it. */
      readonly stdout?: string;
      /** The step's response code (the script's exit status); -1 when it never started. */
      readonly responseCode?: number;
      /** The step's or command's status details (`Failed`, `Execution Timed Out`). */
      readonly statusDetails?: string;
      /** Where the full output is kept (an S3 URL or a log group), to link, never to fetch. */
      readonly fullOutput?: string;
    }
  | {
      readonly kind: 'message';
      /** The failed step (`launchInstance`), when there is one. */
      readonly step?: string;
      /** The service's failure message, or an error name and the first line of its cause. */
      readonly message: string;
      /** Automation's kind of failure (`Action`, `Permission`, `Throttling`, …), when it says. */
      readonly failureType?: string;
    }
  | { readonly kind: 'unavailable'; readonly reason: CauseUnavailableReason; readonly fullOutput?: string };

/** One target's cause, normalized: the same text for the same reason on any node, any day. */
export interface Cause {
  /** What groups targets: the document and step, and the normalized text. */
  readonly key: string;
  /** The normalized, redacted text the alert shows (at most 160 characters). */
  readonly text: string;
  /** The step it failed in, shown beside the text. */
  readonly step?: string;
  /** A known hint for this cause (`payload download failed: S3 endpoint unreachable from node`). */
  readonly hint?: string;
  /** Where the full output is (an S3 URL or a log group), to link. */
  readonly fullOutput?: string;
  /** Set when no cause could be read, and why: the alert says so in a plain line. */
  readonly unavailable?: CauseUnavailableReason;
}

/** One cause and the targets it was found for. */
export interface CauseGroup {
  readonly cause: Cause;
  /** Examined targets with this cause. */
  readonly count: number;
  /** The first few targets (at most five), in the order they were examined. */
  readonly targets: readonly string[];
}

/** The causes of one report's failed targets, for the alert. */
export interface CauseSummary {
  /** Failed plus timed-out targets of the report. */
  readonly unhealthy: number;
  /** Targets whose cause was looked at (read, or known without a read). */
  readonly examined: number;
  /**
   * Groups of examined targets with a cause, largest first (ties: first examined first). Targets
   * whose cause could not be read form one group per reason too (a plain line in the alert).
   */
  readonly groups: readonly CauseGroup[];
  /** Examined targets whose cause could not be read, per reason. */
  readonly unavailable: Readonly<Partial<Record<CauseUnavailableReason, number>>>;
}

/** A failed target and what reading its cause found. */
export interface Examined {
  readonly subject: CauseSubject;
  readonly evidence: CauseEvidence;
}

/**
 * Reads the causes of targets in one account-Region. `read` never throws and never takes longer
 * than its `signal` allows: every failure (throttled, denied, expired, aborted) is evidence of kind
 * `unavailable`.
 */
export interface CauseReads {
  read(subject: CauseSubject, signal: AbortSignal): Promise<CauseEvidence>;
}

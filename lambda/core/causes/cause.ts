/**
 * A failed target's cause, named from what its invocation record says or from what a read of its
 * output found: one normalized, redacted line and the key that groups targets by it. Pure.
 */
import type { CauseUnavailableReason } from '../../../contract';
import { cut } from '../budget';
import { MAX_CAUSE_TEXT, normalize, redact } from './normalize';
import type { Cause, CauseEvidence, CauseSubject } from './types';

/** The longest full-output link shown (an S3 URL or a log group). */
const MAX_LINK = 300;

/** Task types whose cause is read; any other (LAMBDA) is what its invocation record says. */
const READ_TYPES = new Set(['RUN_COMMAND', 'AUTOMATION', 'STEP_FUNCTIONS']);

/** Invocation status details that say the command never ran on the node: no output to read. */
const NOT_RUN: Readonly<Record<string, string>> = {
  deliverytimedout: 'not delivered: node unreachable (SSM Agent offline or instance stopped)',
  undeliverable: 'not delivered: node unreachable (SSM Agent offline or instance stopped)',
  terminated: "not run: the command's error threshold (MaxErrors) was reached",
  cancelled: 'cancelled',
  invalidplatform: "not run: the document does not support the node's platform (InvalidPlatform)",
};

/** `Delivery Timed Out`, `DeliveryTimedOut` → `deliverytimedout`. */
function detailsWord(details: string | undefined): string {
  return (details ?? '').replace(/[\s_-]+/g, '').toLowerCase();
}

/** The key's scope: the document (or task) and the step, so different steps never merge. */
function scope(subject: CauseSubject, step?: string, documentName?: string): string {
  return `${documentName ?? subject.taskArn ?? subject.taskType}/${step ?? ''}`;
}

/** What the invocation says, when nothing better is known: its status details, or its status. */
function statusLine(subject: CauseSubject, details = subject.statusDetails): string {
  const text = details ? normalize(details) : '';
  if (text) return text;
  return subject.status === 'TIMED_OUT' ? 'timed out' : 'failed';
}

/**
 * The cause known from the invocation record alone, so that no read is made: a command that was
 * never delivered, stopped by its error threshold, cancelled, or not for the node's platform; a
 * Lambda (or other unread) task's status details. `undefined`: the cause is to be read.
 */
export function causeWithoutRead(subject: CauseSubject): Cause | undefined {
  const notRun = NOT_RUN[detailsWord(subject.statusDetails)];
  if (notRun) return { key: `*/|${notRun}`, text: notRun };
  if (READ_TYPES.has(subject.taskType)) return undefined;
  const text = statusLine(subject);
  return { key: `${scope(subject)}|${text}`, text };
}

const UNAVAILABLE: Readonly<Record<CauseUnavailableReason, string>> = {
  Expired: 'output no longer kept: Run Command keeps 30 days',
  OutputInS3: 'output only in S3 (not fetched)',
  Denied: 'not read: the monitor may not read this output (access denied)',
  Throttled: 'not read: the service throttled the reads',
  TimeBudget: 'not read: the time for reading causes ran out',
  Error: 'not read: the read failed',
};

/** A link to the full output, redacted and bounded, never fetched. */
function link(fullOutput: string | undefined): string | undefined {
  const shown = fullOutput ? cut(redact(fullOutput).replace(/\s+/g, ''), MAX_LINK) : '';
  return shown || undefined;
}

function unavailableCause(
  subject: CauseSubject,
  reason: CauseUnavailableReason,
  fullOutput: string | undefined,
): Cause {
  const url = link(fullOutput);
  const text =
    reason === 'Expired' && subject.taskType === 'STEP_FUNCTIONS'
      ? 'history no longer kept: Step Functions keeps 90 days'
      : reason === 'OutputInS3' && url
        ? normalize(`output only in S3: ${url}`)
        : UNAVAILABLE[reason];
  return { key: `!${reason}|${text}`, text, unavailable: reason, ...(url ? { fullOutput: url } : {}) };
}

/** The agent's marker between stdout and stderr in a step's 2,500-character `Output`. */
const ERROR_MARKER = /(?:^|\n)-{5,}ERROR-{5,}(?:\n|$)/;
/** The agent's wrapper on a non-zero exit, a whole line or glued onto the last one. */
const WRAPPER = /failed to run commands:\s*exit status (-?\d+)\s*$/i;
/** The agent's truncation markers, whole lines or suffixes. */
const TRUNCATED = /(?<!-)-{2,}(?:Output|Error|output) truncated-*/g;
const POWERSHELL_DECORATION =
  /^\s*\+[ ~]|^\s*\+$|^At .+:\d+ char:\d+|^\s*(?:CategoryInfo|FullyQualifiedErrorId)\s*:/;

interface Lines {
  readonly lines: string[];
  readonly exitStatus?: number;
  readonly powerShell: boolean;
}

/** The meaningful lines of stderr: agent wrappers, PowerShell decoration and Python frames dropped. */
function stderrLines(stderr: string): Lines {
  let exitStatus: number | undefined;
  let powerShell = false;
  let inFrames = false;
  const lines: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    let line = raw.replace(TRUNCATED, '');
    const wrapper = WRAPPER.exec(line);
    if (wrapper) {
      exitStatus = Number(wrapper[1]);
      line = line.slice(0, wrapper.index);
    }
    if (POWERSHELL_DECORATION.test(line)) {
      powerShell = true;
      continue;
    }
    if (/^Traceback \(most recent call last\)/.test(line)) {
      inFrames = true;
      continue;
    }
    // A frame and its source line are indented; the exception line that ends them is not.
    if (inFrames && /^\s/.test(line)) continue;
    inFrames = false;
    if (/^During handling of the above exception/.test(line)) continue;
    if (line.trim() && !/^-+ERROR-+$/.test(line.trim())) lines.push(line.trim());
  }
  return { lines, exitStatus, powerShell: powerShell || lines.some((line) => /^Error Message:/.test(line)) };
}

/** Shell: the last line. PowerShell: the first `Error Message:` line, else the first error record. */
function stderrCause({ lines, powerShell }: Lines): string | undefined {
  if (!powerShell) return lines.at(-1);
  return (
    lines.find((line) => /^Error Message:/.test(line)) ??
    lines.find((line) => /^\S.*? : \S/.test(line)) ??
    lines[0]
  );
}

/** Research §7.3's error line, and a package manager's lock (yum logs it at INFO, then gives up). */
const STDOUT_ERROR = /\[ERROR\]|^E: |\bError\b|Exception|No space left|Could not|failed|\block\b/i;
/**
 * A line that is an error whatever follows it: a logged `[ERROR]`, apt's `E: `, PowerShell's
 * `Error Message:`, a Python exception (`IOError: …`, `yum.Errors.RepoError: …`).
 */
const STRONG_ERROR = /\[ERROR\]|^E: |^Error Message:|^[A-Za-z_][\w.]{0,100}(?:Error|Exception):/;
/** How the agent ends a cut stdout: the deep read's suffix, or `Output`'s marker before stderr. */
const STDOUT_CUT = /(?:--output truncated--|---Output truncated---)\s*$/;

/**
 * The last line of stdout that reads like an error. When stdout was cut, its tail (where the error
 * usually is) is missing: a line that only looks like an error (yum waiting for its lock, logged at
 * INFO) may be from before it, so only a line that is an error is taken.
 */
function stdoutCause(stdout: string, cut: boolean): string | undefined {
  const error = cut ? STRONG_ERROR : STDOUT_ERROR;
  return stdout
    .split(/\r?\n/)
    .map((line) => line.replace(TRUNCATED, '').trim())
    .filter((line) => error.test(line))
    .at(-1);
}

/** Known causes of AWS-RunPatchBaseline exit statuses (AWS's Patch Manager troubleshooting page). */
const PATCH_HINTS: Readonly<Record<number, string>> = {
  152: 'payload extraction failed: overlapping AWS-RunPatchBaseline runs or /var full',
  155: 'payload extraction failed: overlapping AWS-RunPatchBaseline runs or /var full',
  156: 'payload download failed: S3 endpoint unreachable from node',
};

function hintFor(documentName: string, text: string, exitStatus: number | undefined): string | undefined {
  if (/0x80072EE2/i.test(text)) return 'no access to Windows Update / WSUS';
  if (exitStatus === 126) return 'script not executable: is /var/lib/amazon mounted noexec?';
  if (exitStatus !== undefined && /PatchBaseline/i.test(documentName)) return PATCH_HINTS[exitStatus];
  return undefined;
}

/** `line (exit status N)`, the line cut so that the whole stays within the cause's length. */
function withExit(line: string, exitStatus: number | undefined): string {
  if (exitStatus === undefined) return normalize(line);
  const suffix = ` (exit status ${exitStatus})`;
  return `${normalize(line, MAX_CAUSE_TEXT - suffix.length)}${suffix}`;
}

function outputCause(subject: CauseSubject, evidence: Extract<CauseEvidence, { kind: 'output' }>): Cause {
  let stdout = redact(evidence.stdout ?? '');
  let stderr = redact(evidence.stderr ?? '');
  // Only the 2,500-character `Output` was read: stdout head, the agent's marker, stderr head.
  const marker = evidence.stderr === undefined ? ERROR_MARKER.exec(stdout) : null;
  if (marker) {
    stderr = stdout.slice(marker.index + marker[0].length);
    stdout = stdout.slice(0, marker.index);
  }
  const parsed = stderrLines(stderr);
  const code = evidence.responseCode;
  const exitStatus = parsed.exitStatus ?? (code !== undefined && code > 0 ? code : undefined);
  const timedOut = subject.status === 'TIMED_OUT' || /timed ?out/i.test(evidence.statusDetails ?? '');
  const stdoutCut = STDOUT_CUT.test(stdout);
  const line = stderrCause(parsed) ?? stdoutCause(stdout, stdoutCut);
  let text: string;
  if (line !== undefined) text = withExit(timedOut ? `timed out: ${line}` : line, exitStatus);
  else if (stdoutCut) text = withExit('output truncated before the error', exitStatus);
  else if (timedOut)
    text = stdout.trim() || stderr.trim() ? 'timed out: no error line in the output' : 'timed out: no output';
  else if (code === -1) text = 'not run: the command did not start on the node';
  else if (exitStatus !== undefined) text = `exit status ${exitStatus}`;
  else text = statusLine(subject, evidence.statusDetails ?? subject.statusDetails);
  const documentName = evidence.documentName ?? subject.taskArn ?? '';
  const hint = hintFor(documentName, text, exitStatus);
  const url = link(evidence.fullOutput);
  return {
    key: `${scope(subject, evidence.step, evidence.documentName)}|${text}`,
    text,
    ...(evidence.step ? { step: evidence.step } : {}),
    ...(hint ? { hint } : {}),
    ...(url ? { fullOutput: url } : {}),
  };
}

/**
 * The cause of a failed target from what reading it found (research §7.3): the failed step's
 * stderr, else the error line of its stdout, else its exit status or status details; a service's
 * failure message; or why it could not be read. Secrets are redacted before anything else, so no
 * secret reaches `text` or `key`. A subject whose cause needs no read (`causeWithoutRead`) gets
 * that cause whatever the evidence.
 */
export function causeOf(subject: CauseSubject, evidence: CauseEvidence): Cause {
  const known = causeWithoutRead(subject);
  if (known) return known;
  switch (evidence.kind) {
    case 'unavailable':
      return unavailableCause(subject, evidence.reason, evidence.fullOutput);
    case 'message': {
      const text = normalize(evidence.message) || statusLine(subject);
      return {
        key: `${scope(subject, evidence.step)}|${text}`,
        text,
        ...(evidence.step ? { step: evidence.step } : {}),
      };
    }
    case 'output':
      return outputCause(subject, evidence);
  }
}

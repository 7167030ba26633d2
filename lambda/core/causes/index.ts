/**
 * Failure causes: the cause of each failed target, named from its invocation record or from what a
 * read of its output found, and the targets grouped by it for the alert. Pure.
 */
export { causeOf, causeWithoutRead } from './cause';
export { MAX_CAUSE_TEXT, normalize, redact } from './normalize';
export { summarizeCauses, TARGETS_PER_GROUP } from './summary';
export type {
  Cause,
  CauseEvidence,
  CauseGroup,
  CauseReads,
  CauseSubject,
  CauseSummary,
  Examined,
} from './types';

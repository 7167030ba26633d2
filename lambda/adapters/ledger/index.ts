/**
 * The progress ledger (DynamoDB): what `lambda/ledger.ts` and `lambda/ledger-item.ts` exported, from
 * the files that now hold it by responsibility: the table (`table.ts`), a run's lease and steps
 * (`runs.ts`), an account-Region's records (`ledger.ts`) and the items' format (`item.ts`).
 */
export {
  COUNT_ATTRIBUTES,
  NOTIFIED_AT,
  NOTIFIED_UNHEALTHY,
  type Notification,
  type Progress,
  type PublishedCounts,
  progressOf,
  type Reachability,
  reachabilityOf,
} from './item';
export { Ledger } from './ledger';
export { ExecutionInProgressError, LeaseLostError, ledgerKey } from './runs';

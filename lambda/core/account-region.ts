/**
 * Where a run ran and where its SSM history is read: an account and a Region (the function's own
 * in one account; any member's in an Organization). Pure.
 */

/** An account and a Region (an event's from its envelope, which EventBridge sets). */
export interface AccountRegion {
  readonly accountId: string;
  readonly region: string;
}

/** `111122223333/eu-west-1`: how logs, errors and alerts name an account-Region. */
export function accountRegionLabel(accountRegion: AccountRegion): string {
  return `${accountRegion.accountId}/${accountRegion.region}`;
}

/** `111122223333:eu-west-1`: the ledger's name for an account-Region. */
export function accountRegionScope(accountRegion: AccountRegion): string {
  return `${accountRegion.accountId}:${accountRegion.region}`;
}

/** Whether two account-Regions are the same. */
export function sameAccountRegion(a: AccountRegion, b: AccountRegion): boolean {
  return a.accountId === b.accountId && a.region === b.region;
}

/**
 * The ledger's scope for the runs of `accountRegion`: `111122223333:eu-west-1`, or none for the
 * home account-Region (where the function runs), whose records kept their single-account keys (an
 * upgrade to Organization mode reports none of its runs again).
 */
export function ledgerScope(accountRegion: AccountRegion, home: AccountRegion): string | undefined {
  return sameAccountRegion(accountRegion, home) ? undefined : accountRegionScope(accountRegion);
}

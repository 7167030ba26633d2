/**
 * Organization mode's unit of work: one member account in one Region, where a run ran and where
 * its SSM history is read. Pure.
 */

/** A member account and Region (both from the event's envelope, which EventBridge sets). */
export interface Target {
  readonly accountId: string;
  readonly region: string;
}

/** `111122223333/eu-west-1`: how logs, errors and alerts name a target. */
export function targetLabel(target: Target): string {
  return `${target.accountId}/${target.region}`;
}

/** `111122223333:eu-west-1`: the ledger's name for a target. */
export function targetScope(target: Target): string {
  return `${target.accountId}:${target.region}`;
}

/**
 * The ledger's scope for a target's runs: `111122223333:eu-west-1`, or none for the central
 * account's home Region, whose records kept their single-account keys (an upgrade to Organization
 * mode reports none of its runs again).
 */
export function ledgerScope(target: Target | undefined, home: Target | undefined): string | undefined {
  if (!target) return undefined;
  if (home && target.accountId === home.accountId && target.region === home.region) return undefined;
  return targetScope(target);
}

/**
 * Transitional: the ledger moved to `adapters/ledger/`. Kept only until the files that import
 * `./ledger` are repointed at `./adapters/ledger`; then delete this file.
 */
export * from './adapters/ledger';

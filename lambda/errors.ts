/**
 * Transitional: moved to `adapters/errors.ts`. Kept only until the files that import `./errors`
 * are repointed at `./adapters/errors`; then delete this file.
 */
export * from './adapters/errors';

/**
 * What the scripts' command lines share (`npm run demo`, `npm run bench`): a usage error, printed
 * as its message alone, and the entry that runs `main` and turns any failure into exit code 1.
 */

/** A command line the script cannot run: its message says what it takes (no stack trace). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs `main` with the command line's arguments; a failure is printed and exits 1. */
export function runMain(main: (args: readonly string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}

// The library's public API against the last release's (`.ci/api-baseline/`, its `.jsii` and a
// minimal package.json): jsii-diff lists every change that breaks a user of the baseline. A
// breaking change fails the run unless the version says so: a higher major than the baseline's,
// or, before 1.0, a higher minor (semver's rule for 0.x).
//
// usage: node .ci/api-check.mjs   (npm run api:check; it reads the current `.jsii`, which
// `npm run build` or `npx jsii` writes). After a release, replace the baseline with the released
// assembly (see .ci/api-baseline/README.md).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BASELINE = join(ROOT, '.ci', 'api-baseline');

/** `major.minor.patch` (a pre-release tail ignored) as three numbers. */
function parseVersion(version) {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`not a semver version: ${version}`);
  return match.slice(1, 4).map(Number);
}

/** Whether going from `baseline` to `current` may break the API: a new major, or a new minor before 1.0. */
export function breakingAllowed(baseline, current) {
  const [baseMajor, baseMinor] = parseVersion(baseline);
  const [major, minor] = parseVersion(current);
  if (major !== baseMajor) return major > baseMajor;
  return major === 0 && minor > baseMinor;
}

function versionOf(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

function main() {
  const baseline = versionOf(BASELINE);
  const current = versionOf(ROOT);
  const jsiiDiff = createRequire(import.meta.url).resolve('jsii-diff/bin/jsii-diff');
  // --error-on prod: changes to stable and deprecated APIs are errors (unmarked APIs are stable).
  const run = spawnSync(process.execPath, [jsiiDiff, '--error-on', 'prod', '--keys', BASELINE, ROOT], {
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  // jsii-diff exits 0 when nothing breaks, 1 when something does (its `err` lines), and another
  // code when it could not compare (an assembly missing or invalid): that fails here too.
  if (run.status !== 0 && run.status !== 1) {
    process.stderr.write(output);
    console.error(`jsii-diff could not compare the API (exit ${run.status}): has npm run build run?`);
    return 1;
  }
  const broken = output.split('\n').filter((line) => line.startsWith('err'));
  const notes = output.split('\n').filter((line) => /^(warn|skip)/.test(line));
  for (const line of notes) console.log(line);
  if (run.status === 0) {
    console.log(`The public API keeps every name and signature of ${baseline} (version ${current}).`);
    return 0;
  }
  if (broken.length === 0) {
    // Exit 1 with no `err` line: an output this script does not know; never read it as a pass.
    process.stderr.write(output);
    console.error('jsii-diff failed without listing a breaking change: see its output above');
    return 1;
  }
  const lines = broken.join('\n');
  if (breakingAllowed(baseline, current)) {
    console.log(`The public API broke since ${baseline}, as version ${current} says it may:\n${lines}`);
    return 0;
  }
  console.error(
    `the public API broke:\n${lines}\n` +
      `bump the version or keep the name (version ${current}, the baseline ${baseline}: ` +
      'a breaking change needs a new major, or before 1.0 a new minor)',
  );
  return 1;
}

// Run when executed (npm run api:check), not when a test imports the version rule.
if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();

// Builds the functions' assets, `assets/monitor/index.js` (with `causes.js`, the file it
// loads to read failure causes) and (Organization mode's planner)
// `assets/org-planner/index.js`: the Lambda bundles the construct ships prebuilt, so that an app
// using the library synthesizes with no esbuild, no Docker and no TypeScript source of the
// functions. The options are those `npm run bench` measured (CommonJS,
// module-first main fields, minified, no source map, the lazily loaded credential providers and
// event-stream serde left out).
//
// usage: node scripts/build-asset.mjs   (npm run build:asset; the app and the tests run it too)
// It reports the files it wrote on stderr, and nothing when the CDK CLI runs it (cdk.json's `app`):
// the CLI passes the app's stdout through to its own, which carries the template alone
// (`cdk synth > template.yaml`).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Credential providers the SDK loads lazily, only when the environment holds no credentials. In
 * Lambda it always does (the execution role's keys), so they are left out of the bundle: ~90 KB
 * less to load at every cold start.
 */
const LAZY_CREDENTIAL_MODULES = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
];

/**
 * The SDK's event-stream serde, which its protocols import lazily (`import()` in `HttpProtocol`)
 * for an operation whose input or output is an event stream. No operation of the clients the
 * functions use (SSM, DynamoDB, SNS, CloudWatch, STS, Organizations) has one, so it is never loaded:
 * ~15 KB less in the monitor's bundle, read at every cold start.
 */
const UNUSED_SDK_MODULES = ['@smithy/core/event-streams'];

export const ASSET_FILE = join(ROOT, 'assets', 'monitor', 'index.js');

/**
 * Failure causes (`lambda/causes.ts`: the reads of Run Command, Automation and Step Functions, and
 * the naming and grouping of what they found): a file of its own beside the monitor's `index.js`,
 * with its own SSM and Step Functions clients, which `index.js` loads (`import('./causes.js')` in
 * `lambda/load-causes.ts`, left out of the bundle) on the first cause read of a container. Every
 * cold start reads `index.js`; only reports of failed targets read this file, so the reads' command
 * schemas, the Step Functions client and the cause rules cost nothing to the others.
 */
const CAUSES_CHUNK = 'causes.js';

/** esbuild's options for the function, entry and output aside: `npm run bench` builds with them too. */
export const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  external: [...LAZY_CREDENTIAL_MODULES, ...UNUSED_SDK_MODULES, `./${CAUSES_CHUNK}`],
};

/** Organization mode's sweep planner: a bundle of its own, so the monitor's stays as measured. */
export const PLANNER_ASSET_FILE = join(ROOT, 'assets', 'org-planner', 'index.js');

async function bundle(entry, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    ...BUILD_OPTIONS,
    entryPoints: [join(ROOT, 'lambda', entry)],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * The monitor's bundle (`index.handler`, `index.sweep`, `index.sweepAccount`) and, beside it, the
 * cause reads' file; returns both files.
 */
export async function buildAsset(outfile = ASSET_FILE) {
  return Promise.all([
    bundle('monitor.ts', outfile),
    bundle('causes.ts', join(dirname(outfile), CAUSES_CHUNK)),
  ]);
}

/** The planner's bundle (`index.plan`). */
export async function buildPlannerAsset(outfile = PLANNER_ASSET_FILE) {
  return bundle('org-planner.ts', outfile);
}

/** Both bundles the construct ships, as the files written. */
export async function buildAssets() {
  const [monitor, planner] = await Promise.all([buildAsset(), buildPlannerAsset()]);
  return [...monitor, planner];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAssets().then((files) => {
    if (!process.env.CDK_OUTDIR) process.stderr.write(`${files.join('\n')}\n`);
  });
}

// Builds the function's asset, `assets/monitor/index.js`: the Lambda bundle the construct ships
// prebuilt, so that an app using the library synthesizes with no esbuild, no Docker and no
// TypeScript source of the function. The options are those `npm run bench` measured (CommonJS,
// module-first main fields, minified, no source map, the lazily loaded credential providers left
// out).
//
// usage: node scripts/build-asset.mjs   (npm run build:asset; the app and the tests run it too)
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

export const ASSET_FILE = join(ROOT, 'assets', 'monitor', 'index.js');

/** esbuild's options for the function, entry and output aside: `npm run bench` builds with them too. */
export const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  external: LAZY_CREDENTIAL_MODULES,
};

export async function buildAsset(outfile = ASSET_FILE) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    ...BUILD_OPTIONS,
    entryPoints: [join(ROOT, 'lambda', 'handler.ts')],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAsset().then((file) => process.stdout.write(`${file}\n`));
}

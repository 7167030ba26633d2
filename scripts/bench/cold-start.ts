/**
 * Cold start and bundle size: the deployed bundle's module init in a fresh Node process, against a
 * floor (the SDK clients alone, built as deployed) and a naive build of the same code. A cold start
 * loads `index.js` alone: its size is the bundle's, `causes.js` beside it (loaded only by the first
 * cause read of a container) is measured by the module `causes`.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { resolveEnvironment } from '../../tools/lambda-runner/bundle';
import { PROJECT_ROOT } from '../../tools/lambda-runner/synth';
import { BUILD_OPTIONS } from '../build-asset.mjs';
import { TOPIC_ARN } from './fleet';
import { type BenchModule, COLD_STARTS, median, ratio, row } from './measure';

/** esbuild with the deployed function's options (those `scripts/build-asset.mjs` builds with). */
const DEPLOYED_OPTIONS: BuildOptions = { ...BUILD_OPTIONS, logLevel: 'silent' };

async function buildBundle(dir: string, entry: string, options: BuildOptions): Promise<string> {
  await build({ ...options, entryPoints: [entry], outfile: path.join(dir, 'index.js') });
  return dir;
}

/** The size of `index.js` in `dir`, the file a cold start loads. */
function indexBytes(dir: string): number {
  return statSync(path.join(dir, 'index.js')).size;
}

/** Module init of `index.js` in `dir`, in a fresh Node process: ms from require to return. */
async function initMs(dir: string, env: Record<string, string>): Promise<number> {
  return loadMs([path.join(dir, 'index.js')], env);
}

/**
 * In a fresh Node process, `files[0]` required, then each next one imported (`import()`, as
 * `index.js` loads `causes.js`): the ms the last one took to load, from its require or import to its
 * return.
 */
export async function loadMs(files: readonly string[], env: Record<string, string>): Promise<number> {
  const script = [
    '(async()=>{const files=process.argv.slice(1);let t=0;',
    'for(const[i,file]of files.entries()){t=performance.now();',
    "if(i===0)require(file);else await import(require('node:url').pathToFileURL(file).href)}",
    'process.stdout.write(String(performance.now()-t))})()',
  ].join('');
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, ...files], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return Number(stdout);
}

interface Variant {
  readonly name: string;
  readonly dir: string;
  readonly what: string;
}

async function coldStarts(variants: Variant[], env: Record<string, string>): Promise<Map<string, number[]>> {
  const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  // Interleaved, so that a slow moment of the machine hits every variant alike.
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const variant of variants) samples.get(variant.name)?.push(await initMs(variant.dir, env));
  }
  return samples;
}

export const coldStart: BenchModule = {
  name: 'cold-start',
  summary: 'module init and bundle size of the deployed bundle, against a floor and a naive build',
  async run({ out, work, fleet }) {
    const { fn } = await fleet();
    const floorEntry = path.join(work, 'floor.ts');
    await writeFile(
      floorEntry,
      [
        "import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';",
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { SNSClient } from '@aws-sdk/client-sns';",
        "import { SSMClient } from '@aws-sdk/client-ssm';",
        // Organization mode's role assumption: part of the deployed bundle, so of its floor too.
        "import { STSClient } from '@aws-sdk/client-sts';",
        'export const clients = [new SSMClient({}), new CloudWatchClient({}), new SNSClient({}), new DynamoDBClient({}), new STSClient({})];',
        'export const handler = async () => clients.length;',
      ].join('\n'),
    );
    const floorDir = await buildBundle(path.join(work, 'floor'), floorEntry, {
      ...DEPLOYED_OPTIONS,
      nodePaths: [path.join(PROJECT_ROOT, 'node_modules')],
    });
    // NodejsFunction's defaults: CommonJS, esbuild's own main fields (main before module), no minification.
    const naiveDir = await buildBundle(
      path.join(work, 'naive'),
      path.join(PROJECT_ROOT, 'lambda', 'monitor.ts'),
      {
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        logLevel: 'silent',
      },
    );
    const env = {
      ...resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: 'bench' }),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    const variants: Variant[] = [
      {
        name: 'floor',
        dir: floorDir,
        what: 'the 5 SDK clients only (SSM, CloudWatch, SNS, DynamoDB, STS), deployed build options',
      },
      {
        name: 'deployed',
        dir: fn.assetDir,
        what: `the synthesized asset's index.js (causes.js beside it, ${(statSync(path.join(fn.assetDir, 'causes.js')).size / 1024).toFixed(1)} KB, loaded by the first cause read: module causes)`,
      },
      {
        name: 'naive',
        dir: naiveDir,
        what: 'NodejsFunction bundling defaults (no minify, esbuild main fields), the SDK bundled as here, the cause reads inlined (lazily initialized)',
      },
    ];
    const samples = await coldStarts(variants, env);
    const floorInit = median(samples.get('floor') ?? []);
    const floorBytes = indexBytes(floorDir);
    const widths = [10, 14, 12, 14, 12];
    out('Cold start (module init in a fresh Node process) and bundle size');
    out(row(['bundle', 'init ms', 'vs floor', 'size KB', 'vs floor'], widths));
    for (const variant of variants) {
      const init = median(samples.get(variant.name) ?? []);
      const bytes = indexBytes(variant.dir);
      out(
        row(
          [
            variant.name,
            init.toFixed(1),
            ratio(init, floorInit),
            (bytes / 1024).toFixed(1),
            ratio(bytes, floorBytes),
          ],
          widths,
        ),
      );
    }
    for (const variant of variants) out(`  ${variant.name}: ${variant.what}`);
    out();
  },
};

/**
 * Runs `cdk synth` once, the way a user does (the project's CLI, `cdk.json`, no context, no AWS
 * credentials), into a temporary cloud assembly that the bundle tests read.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    assemblyDir: string;
  }
}

const ROOT = path.resolve(__dirname, '..');

/** The environment of a machine with no AWS configuration at all. */
function credentialFreeEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'mwm-assembly-'));
  await promisify(execFile)(
    path.join(ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '--output', outdir],
    { cwd: ROOT, env: credentialFreeEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
  project.provide('assemblyDir', outdir);
  return () => rm(outdir, { recursive: true, force: true });
}

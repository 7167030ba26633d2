/**
 * `cdk synth` the way a user runs it: the project's CLI and `cdk.json`, the context given, and no AWS
 * configuration at all (so nothing can reach AWS, not even the instance metadata service).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/** The project's root: this file is in `tools/lambda-runner/`. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The environment without any AWS setting: no credentials, no region, no metadata service. */
export function credentialFreeEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
}

/**
 * Synthesizes the app into a new temporary directory and returns its path; `context` is passed
 * as `-c key=value`, as a user deploying Organization mode does.
 */
export async function synthesize(context: Record<string, string> = {}): Promise<string> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'mwm-assembly-'));
  const flags = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  await promisify(execFile)(
    path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '--output', outdir, ...flags],
    { cwd: PROJECT_ROOT, env: credentialFreeEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
  return outdir;
}

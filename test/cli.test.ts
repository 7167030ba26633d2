/**
 * The app as a user meets it: `npx cdk synth` with the project's CLI and `cdk.json`, its stdout,
 * its stderr and its exit code. Each run takes seconds, so there are few, each for what only the
 * CLI shows; the messages themselves are tested in `test/bin/context.test.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialFreeEnv, PROJECT_ROOT } from '../tools/lambda-runner/synth';

// The YAML parser aws-cdk-lib bundles (the project has none of its own).
const yaml: { parse(text: string): unknown } = createRequire(require.resolve('aws-cdk-lib'))('yaml');

const outdirs: string[] = [];
afterEach(async () => {
  await Promise.all(outdirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outdir: string;
}

/** The environment of a terminal: no credentials, and no CI variable. */
function terminalEnv(): NodeJS.ProcessEnv {
  const { CI: _ci, ...env } = credentialFreeEnv();
  return env;
}

/** `cdk synth` with `args`, into a temporary assembly; it never throws, the exit code tells. */
async function cdkSynth(...args: string[]): Promise<Run> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'mwm-cli-'));
  outdirs.push(outdir);
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--no-notices', '--output', outdir, ...args],
      // As in a user's terminal: with CI set, the CDK CLI writes its own messages (such as the
      // count of unconfigured feature flags) on stdout instead of stderr.
      { cwd: PROJECT_ROOT, env: terminalEnv(), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, outdir });
      },
    );
  });
}

/** A Node stack trace's frame, as an uncaught exception prints it. */
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('cdk synth', { timeout: 180_000 }, () => {
  it('prints the template alone on stdout, and warns on stderr that nobody will be notified', async () => {
    // Act: the README's first command, no context
    const run = await cdkSynth();

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('Description: ')).toBe(true);
    const printed = yaml.parse(run.stdout) as { Resources: unknown };
    const file = path.join(run.outdir, 'MaintenanceWindowMonitor.template.json');
    const template = JSON.parse(await readFile(file, 'utf8')) as { Resources: unknown };
    expect(printed.Resources).toEqual(template.Resources);
    expect(run.stderr).toContain('Nobody will be notified: no alertEmails, alertTopicArn, Slack or Teams');
  });

  it('prints nothing on stdout with -q, and no warning when someone is notified', async () => {
    const run = await cdkSynth('-q', '-c', 'alertEmails=ops@example.com');

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain('Nobody will be notified');
  });

  // Any bad context ends so (bin/app.ts): a mistyped key's refusal is in test/bin/stacks.test.ts.
  it("re-words a construct's error with the context key and value, and no stack trace", async () => {
    const run = await cdkSynth('-c', 'windowIds=mw-0123456789ABCDEF0', '-c', 'alertEmails=ops@example.com');

    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'Context windowIds=mw-0123456789ABCDEF0 is refused: "mw-0123456789ABCDEF0" has upper-case letters: ' +
        'window IDs are lower-case (mw-0123456789abcdef0).',
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).not.toContain('MaintenanceWindowMonitor/Monitor');
  });

  it('says which context the Organization stack needs when it is asked for without it', async () => {
    const run = await cdkSynth('MaintenanceWindowMonitorOrg');

    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('MaintenanceWindowMonitorOrg needs context organizationId and regions');
    expect(run.stderr).toContain(
      'MaintenanceWindowMonitorMember needs context organizationId and centralAccountId',
    );
  });
});

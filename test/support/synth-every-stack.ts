/**
 * Synthesizes every kind of stack the app defines (single-account, Organization central, member)
 * in this one process, as `cdk synth` runs the app, and prints, as JSON on stdout, the warnings
 * each stack's assembly carries. Run in a child process by the test: a deprecation warning is
 * printed once per process, so only a fresh process shows every one of them on its stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineStacks } from '../../bin/stacks';

const KINDS: Record<string, Record<string, string>> = {
  single: { alertEmails: 'ops@example.com' },
  central: { organizationId: 'o-abcdefghij', regions: 'us-east-1,eu-west-1', alertEmails: 'ops@example.com' },
  member: { organizationId: 'o-abcdefghij', centralAccountId: '111111111111', centralRegion: 'us-east-1' },
};

const warnings: Record<string, string[]> = {};
for (const [kind, context] of Object.entries(KINDS)) {
  const outdir = mkdtempSync(path.join(tmpdir(), `mwm-${kind}-`));
  try {
    const app = new App({ outdir, context });
    defineStacks(app);
    warnings[kind] = app
      .synth()
      .stacks.flatMap((stack) => stack.messages)
      .filter((message) => message.level !== 'info')
      .map((message) => `${message.id}: ${String(message.entry.data)}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify(warnings));

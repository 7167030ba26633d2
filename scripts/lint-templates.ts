/**
 * `npm run lint:templates`: cfn-lint (a linter built from CloudFormation's own resource schemas)
 * over every template the app synthesizes, with example context: the single-account stack,
 * Organization mode's central stack, the StackSet's member template (its inline `TemplateBody`,
 * written to a file) and the management account's member stack. Any error fails the run; warnings
 * and informational findings are printed and allowed (W3005, for one, is a `DependsOn` that CDK
 * itself writes). `npm run lint:templates -- <file>...` lints the given files instead.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { synthesize } from '../tools/lambda-runner/synth';

const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const CENTRAL_REGION = 'us-east-1';
const ORGANIZATION_ID = 'o-abc1234567';

/** The synthesis of each stack: its name and the `-c` context a user would give. */
const SYNTHESES = [
  { stack: 'MaintenanceWindowMonitor', context: { alertEmails: 'ops@example.com' } },
  {
    stack: 'MaintenanceWindowMonitorOrg',
    context: { organizationId: ORGANIZATION_ID, regions: REGIONS.join(','), alertEmails: 'ops@example.com' },
  },
  {
    stack: 'MaintenanceWindowMonitorMember',
    context: {
      organizationId: ORGANIZATION_ID,
      centralAccountId: '111111111111',
      centralRegion: CENTRAL_REGION,
    },
  },
] as const;

interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: { TemplateBody?: unknown } }>;
}

/** Synthesizes every stack into `work` and returns the template files, the StackSet's member template included. */
async function synthesizedTemplates(work: string): Promise<string[]> {
  const files: string[] = [];
  for (const { stack, context } of SYNTHESES) {
    const assembly = await synthesize(context);
    try {
      const source = await readFile(path.join(assembly, `${stack}.template.json`), 'utf8');
      const file = path.join(work, `${stack}.template.json`);
      await writeFile(file, source);
      files.push(file);
      const template = JSON.parse(source) as Template;
      for (const [logicalId, resource] of Object.entries(template.Resources)) {
        if (resource.Type !== 'AWS::CloudFormation::StackSet') continue;
        const body = resource.Properties?.TemplateBody;
        if (typeof body !== 'string')
          throw new Error(`${stack}/${logicalId}: TemplateBody is not inline text`);
        const member = path.join(work, `${stack}.${logicalId}.TemplateBody.json`);
        await writeFile(member, body);
        files.push(member);
      }
    } finally {
      await rm(assembly, { recursive: true, force: true });
    }
  }
  return files;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'mwm-cfn-lint-'));
  try {
    const given = process.argv.slice(2);
    const files =
      given.length > 0 ? given.map((file) => path.resolve(file)) : await synthesizedTemplates(work);
    const expected = given.length > 0 ? given.length : 4;
    if (files.length !== expected) throw new Error(`Expected ${expected} templates, found ${files.length}`);
    process.stdout.write(`cfn-lint ${files.length} templates:\n${files.map((f) => `  ${f}\n`).join('')}`);
    const result = await promisify(execFile)(
      'cfn-lint',
      ['--non-zero-exit-code', 'error', '--regions', ...REGIONS, '--', ...files],
      { maxBuffer: 16 * 1024 * 1024 },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number | string; stdout?: string; stderr?: string }) => {
        if (error.code === 'ENOENT') throw new Error('cfn-lint is not installed (pip install cfn-lint)');
        return { code: Number(error.code ?? 1), stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
      },
    );
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.code !== 0) {
      process.stderr.write(`cfn-lint found errors (exit code ${result.code})\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write('cfn-lint: no errors\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

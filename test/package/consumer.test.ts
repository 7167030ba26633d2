/**
 * The library as a user gets it: `npm pack`, then a fresh CDK app outside the repository that
 * installs the tarball with aws-cdk-lib, constructs, the CDK CLI and cdk-nag (no esbuild, no
 * TypeScript source of the function), type-checks against the declarations, synthesizes with the
 * cdk-nag checks, and runs the synthesized function's bundle on Node 24 against the local AWS
 * endpoint.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionEvent, taskExecution, windowExecution } from '../../tools/fixtures';
import {
  type DeployedFunction,
  deployedFunctions,
  invokeBundle,
  resolveEnvironment,
  stackTemplates,
} from '../../tools/lambda-runner/bundle';
import { credentialFreeEnv, PROJECT_ROOT } from '../../tools/lambda-runner/synth';
import { LocalAws, type LocalDynamo, startDynamo } from '../../tools/local-aws';
import { readmeExample } from '../support/readme';

const run = promisify(execFile);
const PACKAGE = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:Consumer-Alerts';
/** Python, where the machine has it: the bindings' sources are checked with it. */
const PYTHON = spawnSync('python3', ['--version']).status === 0;
const PYTHON_CHECK = path.join(__dirname, 'python-example-check.py');

/** Added to an example that does not add them itself: the cdk-nag checks, on the whole app. */
const WITH_NAG = `
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
`;
/** The consumer's app: the README's TypeScript example, with the cdk-nag checks added. */
const APP = `${readmeExample('typescript')}${WITH_NAG}`;
/** Organization mode's central monitor, as the README writes it (with cdk-nag, on the member template too). */
const ORG_APP = readmeExample('organization-central');
/** The member construct in stacks of the management account, as the README writes it. */
const MEMBER_APP = `${readmeExample('organization-member')}${WITH_NAG}`;

/** The first window the example watches: the function ignores every other. */
const WATCHED_WINDOW = /mw-[0-9a-f]{17}/.exec(APP)?.[0] as string;

let work: string;
let appDir: string;
let assembly: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'mwm-consumer-'));
  appDir = path.join(work, 'app');
  // `npm pack` runs `prepack`: the bundle, jsii and the API reference.
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--silent'], {
    cwd: PROJECT_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarball = path.join(work, stdout.trim().split('\n').at(-1) as string);
  await run('mkdir', ['-p', appDir]);
  const versions = PACKAGE.devDependencies;
  await writeFile(
    path.join(appDir, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      dependencies: {
        [PACKAGE.name]: `file:${tarball}`,
        'aws-cdk-lib': versions['aws-cdk-lib'],
        constructs: versions.constructs,
        'aws-cdk': versions['aws-cdk'],
        'cdk-nag': versions['cdk-nag'],
      },
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: appDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  await writeFile(path.join(appDir, 'app.ts'), APP);
  await writeFile(path.join(appDir, 'org.ts'), ORG_APP);
  await writeFile(path.join(appDir, 'member.ts'), MEMBER_APP);
  await writeFile(
    path.join(appDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        strict: true,
        skipLibCheck: true,
        outDir: '.',
      },
      files: ['app.ts', 'org.ts', 'member.ts'],
    }),
  );
  await writeFile(path.join(appDir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed library in an app of its own', () => {
  it('holds the compiled constructs, their declarations, the prebuilt bundle and the docs, and nothing else', () => {
    const installed = path.join(appDir, 'node_modules', PACKAGE.name);
    const files = readdirSync(installed, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(installed, path.join(entry.parentPath, entry.name)))
      .sort();
    expect(files.filter((file) => !/^dist\/lib\/(reach\/)?[\w-]+\.(js|d\.ts)$/.test(file))).toEqual([
      '.jsii',
      'API.md',
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'assets/monitor/causes.js',
      'assets/monitor/index.js',
      'assets/org-planner/index.js',
      'dist/contract/index.d.ts',
      'dist/contract/index.js',
      'package.json',
    ]);
    expect(files).toContain('dist/lib/index.d.ts');
    expect(files).toContain('dist/lib/reach/reach.d.ts');
    // The app's stack is this repository's, not the library's.
    expect(files.filter((file) => file.includes('maintenance-window-monitor-stack'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies).toEqual(PACKAGE.peerDependencies);
    // Nothing could bundle the function here: the app must synthesize without it.
    expect(existsSync(path.join(appDir, 'node_modules', 'esbuild'))).toBe(false);
  });

  it('type-checks a TypeScript app against the declarations, and synthesizes it with cdk-nag finding nothing', async () => {
    // Act: compile with this repository's TypeScript, then `cdk synth` with the app's own CLI
    await run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', appDir]);
    const outdir = path.join(work, 'cdk.out');
    await run(
      path.join(appDir, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '-o', outdir],
      {
        cwd: appDir,
        env: credentialFreeEnv(),
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    assembly = outdir;

    // Assess
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    expect(
      deployedFunctions(outdir)
        .map((fn) => fn.handler)
        .sort(),
    ).toEqual(['index.handler', 'index.sweep']);
  });

  it('synthesizes Organization mode from the package: the planner bundle, the StackSet, cdk-nag finding nothing', async () => {
    // Act: org.js was compiled with app.js above
    const outdir = path.join(work, 'cdk.out.org');
    await run(
      path.join(appDir, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--app', 'node org.js', '-o', outdir],
      { cwd: appDir, env: credentialFreeEnv(), maxBuffer: 16 * 1024 * 1024 },
    );

    // Assess
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    const functions = deployedFunctions(outdir);
    expect(functions.map((fn) => fn.handler).sort()).toEqual([
      'index.handler',
      'index.plan',
      'index.sweepAccount',
    ]);
    for (const fn of functions) expect(existsSync(path.join(fn.assetDir, 'index.js'))).toBe(true);
    const [template] = stackTemplates(outdir) as { Resources: Record<string, { Type: string }> }[];
    expect(
      Object.values(template?.Resources ?? {}).filter((r) => r.Type === 'AWS::CloudFormation::StackSet'),
    ).toHaveLength(1);
  });

  it("synthesizes the README's member stacks from the package: a rule and two roles each, no code, cdk-nag finding nothing", async () => {
    // Act: member.js was compiled with app.js above
    const outdir = path.join(work, 'cdk.out.member');
    await run(
      path.join(appDir, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--app', 'node member.js', '-o', outdir],
      { cwd: appDir, env: credentialFreeEnv(), maxBuffer: 16 * 1024 * 1024 },
    );

    // Assess
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    const templates = stackTemplates(outdir) as { Resources: Record<string, { Type: string }> }[];
    expect(templates).toHaveLength(3);
    for (const template of templates) {
      expect(
        Object.values(template.Resources)
          .map((resource) => resource.Type)
          .filter((type) => type !== 'AWS::CDK::Metadata')
          .sort(),
      ).toEqual(['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::Role']);
    }
    expect(deployedFunctions(outdir)).toEqual([]);
  });

  describe("the synthesized function's bundle, on Node 24", () => {
    let fake: LocalAws;
    let dynamo: LocalDynamo;
    beforeAll(async () => {
      fake = await LocalAws.start();
      fake.addTopic(TOPIC_ARN);
      dynamo = await startDynamo();
      fake.forwardDynamoDb(dynamo.endpoint);
    });
    afterAll(async () => {
      await fake?.stop();
      await dynamo?.stop();
    });

    it('counts a failing run and alerts on it', async () => {
      // Prepare
      const fn = deployedFunctions(assembly).find((candidate) => candidate.handler === 'index.handler');
      const execution = windowExecution(
        [taskExecution('RUN_COMMAND', { SUCCESS: 8, FAILED: 2 })],
        WATCHED_WINDOW,
      );
      fake.addWindowExecution(execution);
      const ledgerTable = await dynamo.createLedgerTable();

      // Act
      const invocation = await invokeBundle({
        fn: fn as DeployedFunction,
        event: executionEvent(execution, 'SUCCESS', new Date(Date.now() - 60_000)),
        endpoint: fake.endpoint,
        environment: resolveEnvironment(fn as DeployedFunction, {
          ALERT_TOPIC_ARN: TOPIC_ARN,
          LEDGER_TABLE_NAME: ledgerTable,
        }),
      });

      // Assess
      expect(invocation.nodeVersion).toMatch(/^v24\./);
      expect(invocation.result).toMatchObject({ total: 10, failed: 2, timedOut: 0 });
      expect(fake.callsTo('monitoring', 'PutMetricData')).toHaveLength(1);
      expect(fake.published.map((message) => message.subject)).toEqual([
        `Maintenance window ${execution.windowId}: 2 failed, 0 timed out of 10 targets`,
      ]);
    });
  });
});

describe.skipIf(!PYTHON)('the Python bindings', () => {
  let module: string;
  beforeAll(async () => {
    // `npm pack` above built the .jsii assembly the bindings are generated from.
    const out = path.join(work, 'bindings');
    await run(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'jsii-pacmak'),
      ['--code-only', '--targets', 'python', '--outdir', out],
      { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    module = path.join(out, 'python', 'src', 'maintenance_window_monitor');
  }, 300_000);

  const check = async (example: string) => {
    const file = path.join(work, `example-${Math.random().toString(16).slice(2)}.py`);
    await writeFile(file, example);
    const { stdout } = await run('python3', [PYTHON_CHECK, file, path.join(module, '__init__.py')]);
    return JSON.parse(stdout) as { checked: string[]; problems: string[] };
  };

  it('are generated, and their modules compile', async () => {
    await run('python3', ['-m', 'compileall', '-q', path.dirname(module)]);

    expect(readdirSync(module)).toEqual(expect.arrayContaining(['__init__.py', '_jsii', 'py.typed']));
  });

  it("take the README's Python example: every import, enum member and keyword exists", async () => {
    const result = await check(readmeExample('python'));

    expect(result.problems).toEqual([]);
    expect(result.checked).toEqual([
      'MaintenanceWindowMonitor(alert_emails, window_ids, reporting, expected_run_interval, sweep_interval)',
      'Reporting.EXECUTION',
      'MaintenanceWindowMonitor.metric_timed_out_invocations(period)',
    ]);
  });

  it('find a keyword the bindings do not take (the check can fail)', async () => {
    const misspelt = readmeExample('python').replace('sweep_interval=', 'reconcile_interval=');

    const result = await check(misspelt);

    expect(result.problems).toEqual(['MaintenanceWindowMonitor has no parameter reconcile_interval']);
  });
});

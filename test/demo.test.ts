/**
 * `npm run demo`: its scenarios, played through the bundles the global setup synthesized (each
 * deployment once), and the command line.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { playScenario } from '../scripts/demo';
import { account } from '../scripts/demo/scenarios/account';
import { organization } from '../scripts/demo/scenarios/organization';
import { memberAccountId } from '../tools/fixtures';
import { PROJECT_ROOT } from '../tools/lambda-runner/synth';
import { assemblyOf } from './support/deployed';

describe('npm run demo', () => {
  it('prints the metrics, the alert e-mail and the chat card of a 500-target run, from the synthesized bundle', async () => {
    // Act
    const output = await playScenario(account, inject('assemblyDir'));

    // Assess
    expect(output).toMatch(/on Node v24\.\d+\.\d+ \(module init \d+ ms\)/);
    expect(output).toContain('    5  ssm:DescribeMaintenanceWindowExecutionTaskInvocations');
    expect(output).toContain('    5  dynamodb:UpdateItem');
    expect(output).toContain('    2  sns:Publish');
    expect(output).toContain(
      'Message attributes delivered to subscribers (for filter policies): window_id=mw-000000000000a11ce, status=FAILED, execution_status=SUCCESS',
    );
    expect(output).toMatch(/FailedInvocations +\(fleet-wide\) +16 Count/);
    expect(output).toMatch(/Invocations +WindowId=mw-000000000000a11ce +500 Count/);
    expect(output).toContain(
      'Subject: Maintenance window patch-prod-linux (mw-000000000000a11ce): 16 failed, 7 timed out of 500 targets',
    );
    expect(output).toContain('  12 of 300 failed, 5 timed out, 0 cancelled');
    expect(output).toContain('  4 of 200 failed, 2 timed out, 1 cancelled');
    // The causes, read where AWS keeps them and grouped, before the targets.
    expect(output).toContain('   17  ssm:ListCommandInvocations');
    expect(output).toContain('Causes (23 targets did not succeed; all examined):');
    expect(output).toMatch(/^ {2}9 targets {2}E: Unable to acquire the dpkg frontend lock/m);
    expect(output.indexOf('Causes (')).toBeLessThan(output.indexOf('Task '));
    expect(output.match(/^ {4}(FAILED|TIMED_OUT) +i-[0-9a-f]{17} /gm)).toHaveLength(23);
    expect(output).not.toContain('hunter2');
    const card = output.slice(output.indexOf('an Amazon Q Developer custom notification):'));
    expect(card).toContain('"version": "1.0"');
    expect(card).toContain('"source": "custom"');
    expect(card).toContain(
      '"title": "Maintenance window patch-prod-linux (mw-000000000000a11ce): 16 failed, 7 timed out of 500 targets"',
    );
    expect(card).toContain('• 9 targets: `E: Unable to acquire the dpkg frontend lock');
  });
});

describe('npm run demo -- <scenario>', () => {
  it('exits 1 on a scenario it does not know, listing the scenarios, before synthesizing anything', async () => {
    // Act
    const run = await promisify(execFile)(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(PROJECT_ROOT, 'scripts', 'demo', 'index.ts'), 'nonsense'],
      { cwd: PROJECT_ROOT },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Unknown demo scenario: nonsense.');
    expect(run.stderr).toMatch(/^ {2}account +one account/m);
    expect(run.stderr).toMatch(/^ {2}organization +Organization mode/m);
    expect(run.stderr).toMatch(/^ {2}all +every scenario in turn/m);
    expect(run.stderr).not.toContain('Synthesizing');
  });
});

describe('npm run demo:org', () => {
  const [A, B, D] = [memberAccountId(1), memberAccountId(2), memberAccountId(3)];

  it('prints what each account and Region gave, the calls per account, the metrics and an alert', async () => {
    const output = await playScenario(organization, assemblyOf('organization'));

    expect(output).toContain('replayed through the synthesized bundles on Node v24.');
    expect(output).toContain(
      `  ${B}/eu-west-1   4 of 24 targets failed, alerted once, reported by the sweep`,
    );
    expect(output).toContain(
      `  ${A}/us-east-1   1 of 21 targets failed, alerted once, reported by its event`,
    );
    expect(output).toMatch(new RegExp(`  ${D}/eu-west-1 +UNREACHABLE, named in [1-9]\\d* error logs`));
    expect(output).toMatch(/UnreachableTargets +\(fleet-wide\) +2/);
    expect(output).toMatch(new RegExp(`FailedInvocations +AccountId=${A} +3`));
    expect(output).toContain('role assumptions, all signed for us-east-1');
    expect(output).toContain(`account_id=${A}, region=us-east-1`);
    expect(output).not.toContain('hunter2');
  });
});

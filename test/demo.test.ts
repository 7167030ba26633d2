import { describe, expect, inject, it } from 'vitest';
import { runDemo } from '../scripts/demo';

describe('npm run demo', () => {
  it('prints the metrics, the alert e-mail and the chat card of a 500-target run, from the synthesized bundle', async () => {
    // Act
    const output = await runDemo(inject('assemblyDir'));

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
    expect(output.match(/^ {4}(FAILED|TIMED_OUT) +i-[0-9a-f]{17} /gm)).toHaveLength(23);
    expect(output).not.toContain('hunter2');
    const card = output.slice(output.indexOf('an Amazon Q Developer custom notification):'));
    expect(card).toContain('"version": "1.0"');
    expect(card).toContain('"source": "custom"');
    expect(card).toContain(
      '"title": "Maintenance window patch-prod-linux (mw-000000000000a11ce): 16 failed, 7 timed out of 500 targets"',
    );
  });
});

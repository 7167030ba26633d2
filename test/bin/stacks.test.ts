/**
 * The app's stacks as `npx cdk deploy` defines them from the context: the single-account stack by
 * default, the central stack with organizationId, a member stack with centralAccountId; cdk-nag on
 * each, and on the member template the central stack carries.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineStacks } from '../../bin/stacks';

const outdirs: string[] = [];
afterEach(() => {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
});

/** The app with `context`, as `cdk synth -c ...` builds it; its one stack and its synthesis. */
function appWith(context: Record<string, unknown>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-app-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context });
  const stack = defineStacks(app);
  return { app, stack, synth: () => app.synth() };
}

describe('the app', () => {
  it('defines the single-account stack by default, and cdk-nag finds nothing in it', () => {
    const { app, stack, synth } = appWith({ alertEmails: 'ops@example.com' });
    expect(app.node.children.filter((child) => child !== stack && child.node.id !== 'Tree')).toEqual([]);
    expect(stack.stackName).toBe('MaintenanceWindowMonitor');
    expect(synth).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::StackSet', 0);
  });

  it('defines the central stack with organizationId, cdk-nag checking it and its member template', () => {
    // Act
    const { stack, synth } = appWith({
      organizationId: 'o-abcdefghij',
      regions: 'us-east-1,eu-west-1',
      organizationalUnitIds: 'r-ab12',
      alertEmails: 'ops@example.com',
    });

    // Assess
    expect(stack.stackName).toBe('MaintenanceWindowMonitorOrg');
    expect(synth).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'MaintenanceWindowMonitorOrg-MaintenanceWindowMonitor-Members',
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['us-east-1', 'eu-west-1'] },
      ],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'ops@example.com' });
  });

  it("has cdk-nag check the member template too, which the app's plugins would not reach", () => {
    // Prepare
    const validate = vi.spyOn(AwsSolutionsChecks.prototype, 'validate');
    try {
      // Act
      const { synth } = appWith({
        organizationId: 'o-abcdefghij',
        regions: 'us-east-1',
        organizationalUnitIds: 'r-ab12',
      });
      synth();

      // Assess: the member template at construction, then the app's stack, both clean
      expect(
        validate.mock.calls.map(([context]) => context.templatePaths.map((file) => path.basename(file))),
      ).toEqual([
        ['MaintenanceWindowMonitorMember.template.json'],
        ['MaintenanceWindowMonitorOrg.template.json'],
      ]);
      expect(
        validate.mock.results.map((result) => (result.value as PolicyValidationPluginReport).success),
      ).toEqual([true, true]);
    } finally {
      validate.mockRestore();
    }
  });

  it('defines a member stack with centralAccountId, forwarding to the bus the central stack names', () => {
    // Act
    const { stack, synth } = appWith({
      organizationId: 'o-abcdefghij',
      centralAccountId: '123456789012',
      centralRegion: 'us-east-1',
      rolePrefix: 'Ops',
    });

    // Assess
    expect(stack.stackName).toBe('MaintenanceWindowMonitorMember');
    expect(synth).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:event-bus/Ops-Events'],
            ],
          },
          Id: 'Target0',
          RoleArn: {
            'Fn::GetAtt': [
              Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.includes('Forward')),
              'Arn',
            ],
          },
        },
      ],
    });
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('deploys the member stack without a CDK bootstrap: no bootstrap role, version check or asset in the assembly', () => {
    // Act
    const { stack, synth } = appWith({
      organizationId: 'o-abcdefghij',
      centralAccountId: '123456789012',
      centralRegion: 'us-east-1',
    });
    const assembly = synth();

    // Assess: what `cdk deploy` reads, the stack artifact of the assembly manifest
    const artifact = assembly.getStackArtifact(stack.artifactId);
    expect(artifact.assumeRoleArn).toBeUndefined();
    expect(artifact.cloudFormationExecutionRoleArn).toBeUndefined();
    expect(artifact.lookupRole).toBeUndefined();
    expect(artifact.stackTemplateAssetObjectUrl).toBeUndefined();
    expect(artifact.requiresBootstrapStackVersion).toBeUndefined();
    expect(artifact.assets).toEqual([]);
    expect(artifact.dependencies).toEqual([]);
    expect(assembly.artifacts.filter((a) => a.manifest.type === 'cdk:asset-manifest')).toEqual([]);
    expect(artifact.template.Parameters?.BootstrapVersion).toBeUndefined();
    expect(artifact.template.Rules?.CheckBootstrapVersion).toBeUndefined();
    // Sent inline: the CLI uploads a template to the bootstrap bucket only above 50 KiB.
    expect(JSON.stringify(artifact.template).length).toBeLessThan(50 * 1024);
  });

  it(
    'synthesizes every kind of stack without a warning, deprecations included',
    async () => {
      // Act: a process of its own, as `cdk synth` runs the app (a deprecation is printed once per process)
      const { stdout, stderr } = await promisify(execFile)(
        path.join('node_modules', '.bin', 'tsx'),
        [path.join('test', 'support', 'synth-every-stack.ts')],
        { cwd: path.resolve(__dirname, '..', '..') },
      );

      // Assess
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toEqual({ single: [], central: [], member: [] });
    },
    5 * 60_000,
  );

  it('stops with an error naming the context key', () => {
    expect(() => appWith({ organizationId: 'o-abcdefghij' })).toThrow('Context organizationId needs regions');
    expect(() =>
      appWith({ organizationId: 'o-abcdefghij', regions: 'eu-west', organizationalUnitIds: 'r-ab12' }),
    ).toThrow('MaintenanceWindowMonitorOrg/Monitor: organization.regions: "eu-west" is not a Region');
  });
});

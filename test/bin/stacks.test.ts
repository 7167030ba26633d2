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
import { App, type PolicyValidationPluginReport, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defineStacks } from '../../bin/stacks';

const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
});

/** An app as `cdk synth -c ...` builds it, synthesized, with what cdk-nag was asked to check. */
interface Synthesis {
  readonly app: App;
  readonly stack: Stack;
  readonly assembly: CloudAssembly;
  /** Each call of cdk-nag's `validate`: the templates it checked, and whether they passed. */
  readonly validations: readonly { readonly templates: string[]; readonly success?: boolean }[];
}

const syntheses = new Map<string, Synthesis>();

/** The app with `context` (built and synthesized once per context in this file). */
function synthesized(context: Record<string, unknown>): Synthesis {
  const id = JSON.stringify(context);
  const known = syntheses.get(id);
  if (known) return known;
  const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-app-'));
  outdirs.push(outdir);
  // cdk-nag checks the member template at construction, the app's stack at synthesis.
  const validate = vi.spyOn(AwsSolutionsChecks.prototype, 'validate');
  try {
    const app = new App({ outdir, context });
    const stack = defineStacks(app);
    const assembly = app.synth();
    const passed = validate.mock.results.map(({ value }) => (value as PolicyValidationPluginReport).success);
    const validations = validate.mock.calls.map(([{ templatePaths }], call) => ({
      templates: templatePaths.map((file) => path.basename(file)),
      success: passed[call],
    }));
    const synthesis = { app, stack, assembly, validations };
    syntheses.set(id, synthesis);
    return synthesis;
  } finally {
    validate.mockRestore();
  }
}

/** The app's stack for `context`, defined only: for what construction shows (a refusal, a warning). */
function defineWith(context: Record<string, unknown>): Stack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-app-'));
  outdirs.push(outdir);
  return defineStacks(new App({ outdir, context }));
}

const SINGLE = { alertEmails: 'ops@example.com' };
const CENTRAL = {
  organizationId: 'o-abcdefghij',
  regions: 'us-east-1,eu-west-1',
  organizationalUnitIds: 'r-ab12',
  alertEmails: 'ops@example.com',
};
const MEMBER = {
  organizationId: 'o-abcdefghij',
  centralAccountId: '123456789012',
  centralRegion: 'us-east-1',
  rolePrefix: 'Ops',
};

describe('the app', () => {
  it('defines the single-account stack by default, and cdk-nag finds nothing in it', () => {
    const { app, stack, validations } = synthesized(SINGLE);
    expect(app.node.children.filter((child) => child !== stack && child.node.id !== 'Tree')).toEqual([]);
    expect(stack.stackName).toBe('MaintenanceWindowMonitor');
    expect(validations).toEqual([{ templates: ['MaintenanceWindowMonitor.template.json'], success: true }]);
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::StackSet', 0);
  });

  it('warns that nobody will be notified when no e-mail, topic or chat channel is given', () => {
    const warnings = (stack: Stack) =>
      stack.node.metadata.filter(({ type }) => type === 'aws:cdk:warning').map(({ data }) => String(data));

    expect(warnings(defineWith({}))).toEqual([
      expect.stringContaining('Nobody will be notified: no alertEmails'),
    ]);
    expect(warnings(synthesized(SINGLE).stack)).toEqual([]);
  });

  it('defines the central stack with organizationId, cdk-nag checking it and its member template', () => {
    // Act
    const { stack } = synthesized(CENTRAL);

    // Assess
    expect(stack.stackName).toBe('MaintenanceWindowMonitorOrg');
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
    // Act
    const { validations } = synthesized(CENTRAL);

    // Assess: the member template at construction, then the app's stack, both clean
    expect(validations).toEqual([
      { templates: ['MaintenanceWindowMonitorMember.template.json'], success: true },
      { templates: ['MaintenanceWindowMonitorOrg.template.json'], success: true },
    ]);
  });

  it('defines a member stack with centralAccountId, forwarding to the bus the central stack names', () => {
    // Act
    const { stack } = synthesized(MEMBER);

    // Assess
    expect(stack.stackName).toBe('MaintenanceWindowMonitorMember');
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
    const { stack, assembly } = synthesized(MEMBER);

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
    expect(() => defineWith({ alertEmail: 'ops@example.com' })).toThrow(
      'Context key alertEmail is not one this app reads: did you mean alertEmails?',
    );
    expect(() => defineWith({ organizationId: 'o-abcdefghij' })).toThrow(
      'Context organizationId needs regions',
    );
    expect(() =>
      defineWith({ organizationId: 'o-abcdefghij', regions: 'eu-west', organizationalUnitIds: 'r-ab12' }),
    ).toThrow('MaintenanceWindowMonitorOrg/Monitor: organization.regions: "eu-west" is not a Region');
  });
});

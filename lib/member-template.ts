/**
 * The StackSet's template: `MaintenanceWindowMonitorMember` synthesized into a stack of its own, in
 * an App of its own (so it is never a stack of the user's app, which `cdk deploy --all` would
 * deploy), with the central values as parameters (so one template serves every member), no
 * bootstrap parameter or rule, no metadata resource, no asset. The validation plugins given run on
 * it, and a finding fails synthesis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  App,
  BootstraplessSynthesizer,
  CfnParameter,
  type IPolicyValidationPlugin,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { ACCOUNT_ID_PATTERN, ORGANIZATION_ID_PATTERN, ROLE_PREFIX_PATTERN } from '../contract';
import { EVENT_BUS_ARN_PARAMETER } from './checks';
import { MaintenanceWindowMonitorMember } from './member';
import type { FailureCauses, Reporting } from './settings';

/** The member template's parameters: the central values, which the StackSet supplies. */
export const MemberParameter = {
  OrganizationId: 'OrganizationId',
  CentralAccountId: 'CentralAccountId',
  CentralBusArn: 'CentralBusArn',
  RolePrefix: 'RolePrefix',
} as const;

/** CloudFormation's limit on a StackSet's inline template body. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

export interface MemberTemplateOptions {
  /** The central monitor's reporting: which events the members forward. */
  readonly reporting: Reporting;
  /** Whether the read role may read failure causes. */
  readonly failureCauses: FailureCauses;
  /** Run on the member stack at its synthesis; a finding fails it. */
  readonly validations: readonly IPolicyValidationPlugin[];
  /** The context (feature flags) of the app the central stack is in, so both render alike. */
  readonly context: Record<string, unknown>;
}

/** The member template, as the JSON a StackSet takes. */
export function memberTemplateBody(options: MemberTemplateOptions): string {
  // An explicit folder: under the CLI, the default would be the app's own cdk.out.
  const outdir = mkdtempSync(path.join(tmpdir(), 'mwm-member-template-'));
  const app = new App({
    outdir,
    context: options.context,
    // Whatever the CLI passes: no path metadata in the template, a validation failure thrown
    // with its report, and no synthesis at exit.
    postCliContext: { 'aws:cdk:enable-path-metadata': false, '@aws-cdk/core:appMode': 'inmemory' },
    autoSynth: false,
    analyticsReporting: false,
    treeMetadata: false,
    stackTraces: false,
  });
  if (options.validations.length > 0) Validations.of(app).addPlugins(...options.validations);
  const stack = new Stack(app, 'MaintenanceWindowMonitorMember', {
    synthesizer: new BootstraplessSynthesizer(),
    description:
      'Maintenance window monitor, Organization member: forwards terminal maintenance window events to the ' +
      'central monitor and lets it read this Region',
  });
  // No defaults: the StackSet supplies every one.
  const parameter = (id: string, description: string, allowedPattern: RegExp) =>
    new CfnParameter(stack, id, { type: 'String', description, allowedPattern: allowedPattern.source })
      .valueAsString;
  new MaintenanceWindowMonitorMember(stack, 'Member', {
    organizationId: parameter(
      MemberParameter.OrganizationId,
      "The Organization's ID",
      ORGANIZATION_ID_PATTERN,
    ),
    centralAccountId: parameter(
      MemberParameter.CentralAccountId,
      "The central monitor's account",
      ACCOUNT_ID_PATTERN,
    ),
    centralBusArn: parameter(
      MemberParameter.CentralBusArn,
      "The central monitor's event bus",
      EVENT_BUS_ARN_PARAMETER,
    ),
    rolePrefix: parameter(MemberParameter.RolePrefix, 'The prefix of the role names', ROLE_PREFIX_PATTERN),
    reporting: options.reporting,
    failureCauses: options.failureCauses,
  });
  let template: unknown;
  try {
    template = app.synth().getStackArtifact(stack.artifactId).template;
  } catch (error: unknown) {
    // The report stays in `outdir`, which the message names.
    throw new Error(`The StackSet's member template failed validation: ${(error as Error).message}`, {
      cause: error,
    });
  }
  rmSync(outdir, { recursive: true, force: true });
  return JSON.stringify(template);
}

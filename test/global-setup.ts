/**
 * Runs `cdk synth` once per deployment the integration tests run, as a user does, into temporary
 * cloud assemblies that every integration file reads (none synthesizes the app again): the
 * single-account stack with no context, the Organization's central stack with the README's
 * deploy command's context, and the same opted in to failure causes (`failureCauses=summary`).
 */
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { ORGANIZATION_CONTEXT } from '../tools/fixtures';
import { synthesize } from '../tools/lambda-runner/synth';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The single-account stack, synthesized without context. */
    assemblyDir: string;
    /** The Organization's central stack, synthesized with `ORGANIZATION_CONTEXT`. */
    organizationAssemblyDir: string;
    /** The Organization's central stack, synthesized with `ORGANIZATION_CONTEXT` and `failureCauses=summary`. */
    organizationCausesAssemblyDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // One after the other: two synths at once only contend for the same cores.
  const account = await synthesize();
  const organization = await synthesize(ORGANIZATION_CONTEXT);
  const organizationCauses = await synthesize({ ...ORGANIZATION_CONTEXT, failureCauses: 'summary' });
  project.provide('assemblyDir', account);
  project.provide('organizationAssemblyDir', organization);
  project.provide('organizationCausesAssemblyDir', organizationCauses);
  return async () => {
    for (const dir of [account, organization, organizationCauses])
      await rm(dir, { recursive: true, force: true });
  };
}

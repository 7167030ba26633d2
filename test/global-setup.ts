/**
 * Runs `cdk synth` once per deployment the integration tests run, as a user does, into temporary
 * cloud assemblies that every integration file reads (none synthesizes the app again): the
 * single-account stack with no context, and the Organization's central stack with the README's
 * deploy command's context.
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
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // One after the other: two synths at once only contend for the same cores.
  const account = await synthesize();
  const organization = await synthesize(ORGANIZATION_CONTEXT);
  project.provide('assemblyDir', account);
  project.provide('organizationAssemblyDir', organization);
  return async () => {
    await rm(account, { recursive: true, force: true });
    await rm(organization, { recursive: true, force: true });
  };
}

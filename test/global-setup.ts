/**
 * Runs `cdk synth` once, as a user does, into a temporary cloud assembly that the bundle tests
 * and the demo test read.
 */
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { synthesize } from '../tools/lambda-runner/synth';

declare module 'vitest' {
  export interface ProvidedContext {
    assemblyDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outdir = await synthesize();
  project.provide('assemblyDir', outdir);
  return () => rm(outdir, { recursive: true, force: true });
}

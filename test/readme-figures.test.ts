/**
 * The documentation's figures: the bundle size docs/design.md states ("What gets deployed"),
 * against the bundle `cdk synth` produced: the bench measures it exactly (docs/BENCHMARKS.md); a
 * stated figure more than 2 % off is stale.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { deployedFunctions } from '../tools/lambda-runner/bundle';
import { page } from './support/readme';

const STATED = /the AWS SDK is bundled \(pinned\) rather than taken from the runtime, (\d+) KB minified/;

/** The page that states the bundle size. */
const PAGE = 'docs/design.md';

describe("the documentation's figures", () => {
  it("state the report function's bundle size (KB of 1,024 bytes, as the bench counts) to within 2 %", () => {
    // Prepare
    const stated = Number(STATED.exec(page(PAGE))?.[1]);
    const fn = deployedFunctions(inject('assemblyDir')).find(
      (candidate) => candidate.handler === 'index.handler',
    );

    // Act
    const kib = statSync(path.join(fn?.assetDir ?? '', 'index.js')).size / 1024;

    // Assess
    const message = `${PAGE} says ${stated} KB minified; the bundle is ${kib.toFixed(1)} KB`;
    expect(stated, message).toBeGreaterThanOrEqual(kib * 0.98);
    expect(stated, message).toBeLessThanOrEqual(kib * 1.02);
  });
});

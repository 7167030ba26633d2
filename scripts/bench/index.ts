/**
 * `npm run bench [-- <module> ...]`: cold start, API efficiency, handler time, memory, a cost model,
 * the cost of failure causes and the Organization sweep, each module measured side by side in one run against a baseline
 * measured in the same run. Medians of repeated runs. Every module by default; name some to run
 * only those (`npm run bench -- api-calls organization`), in the bench's order.
 * Not part of the tests: it takes minutes and its numbers depend on the machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMain, UsageError } from '../cli';
import { apiCalls } from './api-calls';
import { failureCauses } from './causes';
import { coldStart } from './cold-start';
import { type Fleet, startFleet } from './fleet';
import { handlerTime } from './handler';
import { type BenchModule, COLD_STARTS, RUNS } from './measure';
import { organization } from './organization';

/** Every module, in the order the report gives them. */
export const MODULES: readonly BenchModule[] = [
  coldStart,
  apiCalls,
  handlerTime,
  failureCauses,
  organization,
];

/** The modules a command line names, in the bench's order; every module when it names none. */
export function pickModules(args: readonly string[]): BenchModule[] {
  const unknown = args.filter((name) => !MODULES.some((known) => known.name === name));
  if (unknown.length > 0) {
    throw new UsageError(
      [
        `Unknown bench module: ${unknown.join(' ')}. Run npm run bench [-- <module> ...], modules:`,
        ...MODULES.map((known) => `  ${known.name.padEnd(14)} ${known.summary}`),
      ].join('\n'),
    );
  }
  return args.length === 0 ? [...MODULES] : MODULES.filter((known) => args.includes(known.name));
}

export async function main(args: readonly string[]): Promise<void> {
  const modules = pickModules(args);
  const started = performance.now();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`maintenance-window-monitor bench, ${new Date().toISOString()}`);
  out(
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; medians of ${COLD_STARTS} cold starts, ${RUNS} handler runs`,
  );
  out();

  const work = await mkdtemp(path.join(tmpdir(), 'mwm-bench-'));
  let fleet: Promise<Fleet> | undefined;
  try {
    for (const picked of modules) {
      await picked.run({
        out,
        work,
        fleet: () => {
          fleet ??= startFleet();
          return fleet;
        },
      });
    }
    out(`bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await (await fleet)?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);

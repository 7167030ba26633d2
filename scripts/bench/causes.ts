/**
 * Failure causes: what reading them costs a report, and what loading their bundle costs a container.
 * One RUN_COMMAND task of 1,000 targets with 10, 50 and 300 failed targets whose causes are seeded
 * (a dpkg lock, a full disk and a pending reboot in turn), 20 ms on every AWS call, each size run
 * with `FAILURE_CAUSES=summary` and with `off`, interleaved so that a slow moment of the machine hits
 * both; then `causes.js`'s module init, which the first cause read of a container pays, against
 * `index.js`'s. Prints whether the bar holds at 300 failed targets; it does not fail.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { CAUSE_READ_ACTIONS, FailureCauses } from '../../contract';
import {
  cycle,
  dpkgLock,
  noSpaceLeft,
  RAN_AND_FAILED,
  rebootRequired,
  seedCommandOutcomes,
} from '../../tools/fixtures';
import { resolveEnvironment } from '../../tools/lambda-runner/bundle';
import { loadMs } from './cold-start';
import { type Fleet, runDeployed, TOPIC_ARN } from './fleet';
import { type BenchModule, COLD_STARTS, median, RUNS, ratio, row } from './measure';

/** The bar at 300 failed targets: reads within the cap, at most twice the time without. */
export const BAR = {
  failed: 300,
  listReads: 50,
  deepReads: 10,
  timesOff: 2,
} as const;

const SETTINGS = [FailureCauses.Summary, FailureCauses.Off] as const;
type Setting = (typeof SETTINGS)[number];

export interface CauseBenchOptions {
  readonly targets: number;
  /** Failed targets of each size measured. */
  readonly failed: readonly number[];
  readonly runs: number;
  readonly latencyMs: number;
}

/** One setting at one size: medians of its runs. */
export interface SettingFigures {
  readonly ms: number;
  /** Every AWS call of the run. */
  readonly calls: number;
  /** The cause reads, by action (`ssm:ListCommandInvocations`), only those made. */
  readonly causeReads: Record<string, number>;
  /** Whether the (first run's) alert has a section of causes. */
  readonly causesInAlert: boolean;
}

export interface CauseSize {
  readonly failed: number;
  readonly figures: Record<Setting, SettingFigures>;
}

/** Each size's runs, `summary` and `off` in turn, and their medians. */
export async function benchCauses(fleet: Fleet, options: CauseBenchOptions): Promise<CauseSize[]> {
  const sizes: CauseSize[] = [];
  for (const failed of options.failed) {
    const runs = new Map<Setting, Awaited<ReturnType<typeof runDeployed>>[]>(SETTINGS.map((s) => [s, []]));
    for (let i = 0; i < options.runs; i++) {
      for (const setting of SETTINGS) {
        const run = await runDeployed(fleet, options.targets, options.latencyMs, {
          failed,
          invocationDetails: RAN_AND_FAILED,
          seed: (fake, task) => seedCommandOutcomes(fake, task, cycle(dpkgLock, noSpaceLeft, rebootRequired)),
          environment: { FAILURE_CAUSES: setting },
        });
        runs.get(setting)?.push(run);
      }
    }
    const figuresOf = (setting: Setting): SettingFigures => {
      const of = runs.get(setting) ?? [];
      const causeReads: Record<string, number> = {};
      for (const action of CAUSE_READ_ACTIONS) {
        const made = median(of.map((run) => run.actions[action] ?? 0));
        if (made > 0) causeReads[action] = made;
      }
      return {
        ms: median(of.map((run) => run.ms)),
        calls: median(of.map((run) => Object.values(run.actions).reduce((sum, n) => sum + n, 0))),
        causeReads,
        causesInAlert: /^Causes \(/m.test(of[0]?.alert ?? ''),
      };
    };
    sizes.push({ failed, figures: { summary: figuresOf('summary'), off: figuresOf('off') } });
  }
  return sizes;
}

/** One size's figures against the bar: reads within the cap, handler time within 2x off. */
export function verdict({ figures }: CauseSize) {
  const listReads = figures.summary.causeReads['ssm:ListCommandInvocations'] ?? 0;
  const deepReads = figures.summary.causeReads['ssm:GetCommandInvocation'] ?? 0;
  const timesOff = figures.summary.ms / figures.off.ms;
  return {
    listReads,
    deepReads,
    timesOff,
    readsWithinCap: listReads <= BAR.listReads && deepReads <= BAR.deepReads,
    timeWithinBar: timesOff <= BAR.timesOff,
  };
}

function readsText(reads: Record<string, number>): string {
  const made = Object.entries(reads).map(([action, n]) => `${action.split(':')[1]} ${n}`);
  return made.length > 0 ? made.join(', ') : 'none';
}

const holds = (ok: boolean) => (ok ? 'holds' : 'DOES NOT HOLD');

export const failureCauses: BenchModule = {
  name: 'causes',
  summary: 'cost of reading failure causes (summary vs off) at 10, 50 and 300 failed targets; causes.js load',
  async run({ out, fleet }) {
    const deployedFleet = await fleet();
    const targets = 1_000;
    const sizes = await benchCauses(deployedFleet, {
      targets,
      failed: [10, 50, BAR.failed],
      runs: RUNS,
      latencyMs: 20,
    });
    out(
      `Failure causes: one RUN_COMMAND task of ${targets} targets, causes seeded (dpkg lock, disk full, reboot in turn), 20 ms per call`,
    );
    out(`FAILURE_CAUSES=summary and off interleaved, medians of ${RUNS} runs each; handler ms vs off`);
    const widths = [8, 9, 10, 12, 9, 48];
    out(row(['failed', 'setting', 'AWS calls', 'handler ms', 'vs off', 'cause reads'], widths));
    for (const { failed, figures } of sizes) {
      for (const setting of SETTINGS) {
        const { ms, calls, causeReads } = figures[setting];
        out(
          row(
            [failed, setting, calls, ms.toFixed(0), ratio(ms, figures.off.ms), readsText(causeReads)],
            widths,
          ),
        );
      }
    }
    const atBar = sizes.find((size) => size.failed === BAR.failed);
    if (atBar) {
      const { listReads, deepReads, timesOff, readsWithinCap, timeWithinBar } = verdict(atBar);
      out(
        `  at ${BAR.failed} failed: reads ${listReads} ListCommandInvocations + ${deepReads} GetCommandInvocation (bar <= ${BAR.listReads} + ${BAR.deepReads}): ${holds(readsWithinCap)}`,
      );
      out(
        `  at ${BAR.failed} failed: handler time ${timesOff.toFixed(2)}x off (bar <= ${BAR.timesOff}x): ${holds(timeWithinBar)}`,
      );
    }
    out("  Each run is a fresh process: summary's handler time includes loading causes.js (below).");
    out();

    // The first cause read of a container loads causes.js: its module init after index.js's, in a
    // fresh process, interleaved with index.js's own init in another.
    const { fn } = deployedFleet;
    const env = {
      ...resolveEnvironment(fn, { ALERT_TOPIC_ARN: TOPIC_ARN, LEDGER_TABLE_NAME: 'bench' }),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    const index = path.join(fn.assetDir, 'index.js');
    const causes = path.join(fn.assetDir, 'causes.js');
    const samples = { index: [] as number[], causes: [] as number[] };
    for (let i = 0; i < COLD_STARTS; i++) {
      samples.index.push(await loadMs([index], env));
      samples.causes.push(await loadMs([index, causes], env));
    }
    const indexInit = median(samples.index);
    const indexBytes = statSync(index).size;
    out(
      `Loading causes.js (the first cause read of a container), medians of ${COLD_STARTS} interleaved fresh processes`,
    );
    const loadWidths = [11, 10, 14, 14, 14];
    out(row(['file', 'init ms', 'vs index.js', 'bytes', 'vs index.js'], loadWidths));
    for (const [name, file, init] of [
      ['index.js', index, indexInit],
      ['causes.js', causes, median(samples.causes)],
    ] as const) {
      const bytes = statSync(file).size;
      out(row([name, init.toFixed(1), ratio(init, indexInit), bytes, ratio(bytes, indexBytes)], loadWidths));
    }
    out(
      '  index.js: required alone (every cold start); causes.js: imported after index.js, as index.js does',
    );
    out();
  },
};

/**
 * Handler time with 20 ms on every AWS call and peak memory, for 1,000 and 10,000 targets (against
 * the calls' own latency and the 1,000-target run); from them, the memory size estimate and the
 * cost model. Failure causes off (`FAILURE_CAUSES=off`): the module `causes` measures what they add.
 */
import { CAUSES_OFF, runDeployed } from './fleet';
import { type BenchModule, median, RUNS, ratio, row } from './measure';

const MEMORY_GB = 0.25;

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rss: number;
  readonly calls: number;
}

export const handlerTime: BenchModule = {
  name: 'handler',
  summary: 'handler time and peak memory at 1,000 and 10,000 targets, the memory size and cost model',
  async run({ out, fleet }) {
    const deployedFleet = await fleet();
    out('Handler time (20 ms latency on every AWS call) and peak RSS of the process; no failure causes read');
    const timeWidths = [9, 12, 11, 18, 13, 14];
    out(
      row(
        ['targets', 'handler ms', 'AWS calls', 'vs calls x 20 ms', 'peak RSS MB', 'RSS vs 1,000'],
        timeWidths,
      ),
    );
    const results = new Map<number, Timing>();
    for (const targets of [1_000, 10_000]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++)
        runs.push(await runDeployed(deployedFleet, targets, 20, { environment: CAUSES_OFF }));
      const calls =
        Object.values(runs[0]?.calls ?? {}).reduce((sum, n) => sum + n, 0) -
        (runs[0]?.calls.invocationPages ?? 0);
      results.set(targets, {
        ms: median(runs.map((r) => r.ms)),
        cpuMs: median(runs.map((r) => r.cpuMs)),
        rss: median(runs.map((r) => r.maxRssKb / 1024)),
        calls,
      });
    }
    const base = results.get(1_000) as Timing;
    for (const [targets, result] of results) {
      out(
        row(
          [
            targets,
            result.ms.toFixed(0),
            result.calls,
            ratio(result.ms, result.calls * 20),
            result.rss.toFixed(1),
            ratio(result.rss, base.rss),
          ],
          timeWidths,
        ),
      );
    }
    out();

    // Memory size: Lambda gives CPU in proportion to memory (1,769 MB = one vCPU). Waiting on
    // AWS is unaffected; CPU time stretches below one vCPU. An estimate from this machine's CPU.
    const large = results.get(10_000) as Timing;
    out(
      `Memory size, estimated for 10,000 targets: ${large.cpuMs.toFixed(0)} ms CPU, ${(large.ms - large.cpuMs).toFixed(0)} ms waiting, peak RSS ${large.rss.toFixed(0)} MB`,
    );
    const memWidths = [9, 16, 16, 12];
    out(row(['memory', 'est. duration ms', 'GB-s per 1,000', 'RSS headroom'], memWidths));
    for (const memory of [128, 256, 512, 1024]) {
      const estimate = large.ms - large.cpuMs + large.cpuMs * Math.max(1, 1769 / memory);
      out(
        row(
          [
            `${memory} MB`,
            estimate.toFixed(0),
            ((estimate / 1000) * (memory / 1024) * 1000).toFixed(0),
            `${(memory / large.rss).toFixed(1)}x`,
          ],
          memWidths,
        ),
      );
    }
    out();

    // Cost model.
    const perThousand = (ms: number) => ((ms / 1000) * MEMORY_GB * 1000).toFixed(1);
    out('Cost model per 1,000 executions (1,000 targets each, 20 ms per call; 256 MB)');
    out(
      `  Lambda: ${perThousand(base.ms)} GB-seconds (~$${((base.ms / 1000) * MEMORY_GB * 1000 * 0.0000133334).toFixed(4)} on arm64)`,
    );
    out(
      `  API requests: ${base.calls * 1000} (SSM, CloudWatch, SNS and DynamoDB), of which ${1000} PutMetricData`,
    );
    out(
      '  Custom metrics: 5 per window (WindowId) + 4 fleet-wide, billed only for the hours they are published',
    );
    out();
  },
};

// Compares the module init time of two synthesized bundles (say, before and after a refactor):
// each is required in a fresh Node process, 31 times, the two interleaved so that machine noise
// falls on both alike; prints the medians and their ratio.
//
// usage: npx node scripts/compare-init.mjs <asset dir before> <asset dir after>
// (asset dirs from `npx cdk synth -o <out>` of each version: <out>/asset.<hash>)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  process.stderr.write('usage: npx node scripts/compare-init.mjs <asset dir before> <asset dir after>\n');
  process.exit(2);
}
// What the stack sets, so that the bundle's cold start reads its configuration as in Lambda.
const env = {
  ...process.env,
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  METRIC_NAMESPACE: 'MaintenanceWindowMonitor',
  LEDGER_TABLE_NAME: 'ledger',
  LEDGER_RETENTION_DAYS: '17',
  FAILURE_CAUSES: 'summary',
  MAX_CAUSE_READS: '50',
  REPORTING: 'execution',
  SWEEP_LOOKBACK_MINUTES: '1440',
  SWEEP_GRACE_MINUTES: '15',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
};
const initMs = (dir) =>
  Number(
    execFileSync(
      process.execPath,
      [
        '-e',
        `const t=performance.now();require(${JSON.stringify(join(dir, 'index.js'))});process.stdout.write(String(performance.now()-t))`,
      ],
      { env },
    ),
  );
const times = { before: [], after: [] };
for (let i = 0; i < 31; i++) {
  const order = i % 2 ? ['before', 'after'] : ['after', 'before'];
  for (const which of order) times[which].push(initMs(which === 'before' ? before : after));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const [b, a] = [median(times.before), median(times.after)];
process.stdout.write(
  `module init, medians of 31: before ${b.toFixed(1)} ms, after ${a.toFixed(1)} ms, after/before ${(a / b).toFixed(3)}\n`,
);

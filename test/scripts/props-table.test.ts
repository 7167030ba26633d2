import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { propsTable, README, readmeWithPropsTable } from '../../scripts/props-table';

describe("the README's props table", () => {
  it('is the one the TSDoc of lib/props.ts generates (npm run docs:props rewrites it)', () => {
    const readme = readFileSync(README, 'utf8');

    expect(readme).toBe(readmeWithPropsTable(readme));
  });

  it('has one row per prop, with its type and its @default', () => {
    const rows = propsTable().split('\n').slice(2);

    expect(rows).toHaveLength(20);
    expect(rows).toContain(
      '| `sweepInterval` | `Duration` | Duration.hours(1) | How often the sweep looks for executions whose event never arrived: whole minutes, from 5 minutes to 1 day. |',
    );
    expect(rows.find((row) => row.startsWith('| `reporting` '))).toContain(
      '| `Reporting` | Reporting.EXECUTION |',
    );
  });

  it('replaces a stale table between the markers, and only that', () => {
    const stale = 'intro\n<!-- props:start -->\n| old |\n<!-- props:end -->\noutro\n';

    const written = readmeWithPropsTable(stale);

    expect(written).toBe(`intro\n<!-- props:start -->\n${propsTable()}\n<!-- props:end -->\noutro\n`);
  });

  it('names the markers a README without them needs', () => {
    expect(() => readmeWithPropsTable('no table here')).toThrow(
      'README.md needs <!-- props:start --> and <!-- props:end --> markers',
    );
  });
});

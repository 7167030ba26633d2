import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROPS_TABLES, propsTable, README, readmeWithPropsTable } from '../../scripts/props-table';

describe("the README's props tables", () => {
  it('are the ones the TSDoc of lib/props.ts and lib/member.ts generates (npm run docs:props rewrites them)', () => {
    const readme = readFileSync(README, 'utf8');

    expect(readme).toBe(readmeWithPropsTable(readme));
  });

  it('have one row per prop, with its type and its @default', () => {
    const rows = propsTable().split('\n').slice(2);

    expect(rows).toHaveLength(20);
    expect(rows).toContain(
      '| `sweepInterval` | `Duration` | Duration.hours(1) | How often the sweep looks for executions whose event never arrived: whole minutes, from 5 minutes to 1 day. |',
    );
    expect(rows.find((row) => row.startsWith('| `reporting` '))).toContain(
      '| `Reporting` | Reporting.EXECUTION |',
    );
  });

  it("document the member construct's props, the required ones as required", () => {
    const rows = propsTable('MaintenanceWindowMonitorMemberProps').split('\n').slice(2);

    expect(rows.map((row) => row.split(' | ').filter((_, cell) => cell === 0 || cell === 2))).toEqual([
      ['| `organizationId`', 'required'],
      ['| `centralAccountId`', 'required'],
      ['| `centralBusArn`', 'required'],
      ['| `rolePrefix`', "'MaintenanceWindowMonitor'"],
      ['| `reporting`', 'Reporting.EXECUTION'],
    ]);
  });

  it('end a description at its first full stop outside code', () => {
    const rolePrefix = propsTable('OrganizationOptions')
      .split('\n')
      .find((row) => row.startsWith('| `rolePrefix` '));

    expect(rolePrefix).toContain('at most 32 of `A-Z a-z 0-9 . _ -`, starting with a letter. |');
  });

  it('replace stale tables between their markers, and only those', () => {
    const markers = PROPS_TABLES.map(
      ({ marker }) => `<!-- ${marker}:start -->\n| old |\n<!-- ${marker}:end -->`,
    );
    const stale = `intro\n${markers.join('\ntext\n')}\noutro\n`;

    const written = readmeWithPropsTable(stale);

    const tables = PROPS_TABLES.map(
      ({ name, marker }) => `<!-- ${marker}:start -->\n${propsTable(name)}\n<!-- ${marker}:end -->`,
    );
    expect(written).toBe(`intro\n${tables.join('\ntext\n')}\noutro\n`);
  });

  it('name the markers a README without them needs', () => {
    expect(() => readmeWithPropsTable('no table here')).toThrow(
      'README.md needs <!-- props:start --> and <!-- props:end --> markers',
    );
    expect(() => readmeWithPropsTable('<!-- props:start -->\n<!-- props:end -->')).toThrow(
      'README.md needs <!-- organization-props:start --> and <!-- organization-props:end --> markers',
    );
  });
});

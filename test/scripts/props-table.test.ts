import { describe, expect, it } from 'vitest';
import {
  PROPS_PAGES,
  PROPS_TABLES,
  pageWithPropsTables,
  propsTable,
  readmeWithPropsTable,
  readPage,
} from '../../scripts/props-table';

describe("the documentation's props tables", () => {
  it.each(PROPS_PAGES)(
    'in %s are the ones the TSDoc of lib/props.ts and lib/member.ts generates (npm run docs:props rewrites them)',
    (page) => {
      const text = readPage(page);

      expect(text).toBe(pageWithPropsTables(page, text));
    },
  );

  it("are the monitor's props in the README, the Organization ones in docs/organization.md", () => {
    expect(PROPS_TABLES.map(({ marker, page }) => [marker, page])).toEqual([
      ['props', 'README.md'],
      ['organization-props', 'docs/organization.md'],
      ['member-props', 'docs/organization.md'],
    ]);
    expect(readPage('README.md')).toContain('<!-- props:start -->');
    expect(readPage('docs/organization.md')).toContain('<!-- member-props:start -->');
  });

  it('have one row per prop, with its type and its @default', () => {
    const rows = propsTable().split('\n').slice(2);

    expect(rows).toHaveLength(23);
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
      ['| `failureCauses`', 'FailureCauses.OFF'],
    ]);
  });

  it('end a description at its first full stop outside code', () => {
    const rolePrefix = propsTable('OrganizationOptions')
      .split('\n')
      .find((row) => row.startsWith('| `rolePrefix` '));

    expect(rolePrefix).toContain('at most 32 of `A-Z a-z 0-9 . _ -`, starting with a letter. |');
  });

  it("replace stale tables between their markers, and only those of the page's own tables", () => {
    const markers = PROPS_TABLES.map(
      ({ marker }) => `<!-- ${marker}:start -->\n| old |\n<!-- ${marker}:end -->`,
    );
    const stale = `intro\n${markers.join('\ntext\n')}\noutro\n`;

    const written = pageWithPropsTables('docs/organization.md', stale);

    const tables = PROPS_TABLES.map(({ name, marker, page }) =>
      page === 'docs/organization.md'
        ? `<!-- ${marker}:start -->\n${propsTable(name)}\n<!-- ${marker}:end -->`
        : `<!-- ${marker}:start -->\n| old |\n<!-- ${marker}:end -->`,
    );
    expect(written).toBe(`intro\n${tables.join('\ntext\n')}\noutro\n`);
    expect(readmeWithPropsTable('<!-- props:start -->\n| old |\n<!-- props:end -->')).toBe(
      `<!-- props:start -->\n${propsTable()}\n<!-- props:end -->`,
    );
  });

  it('name the markers a page without them needs', () => {
    expect(() => readmeWithPropsTable('no table here')).toThrow(
      'README.md needs <!-- props:start --> and <!-- props:end --> markers',
    );
    expect(() =>
      pageWithPropsTables(
        'docs/organization.md',
        '<!-- organization-props:start -->\n<!-- organization-props:end -->',
      ),
    ).toThrow('docs/organization.md needs <!-- member-props:start --> and <!-- member-props:end --> markers');
  });
});

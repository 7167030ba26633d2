import { describe, expect, it } from 'vitest';
import {
  brokenLinks,
  docPages,
  existsInRepository,
  FRONT_PAGE_LINES,
  frontPageProblems,
  githubSlug,
  headingAnchors,
  readme,
  relativeLinks,
  scanFences,
  unreachablePages,
} from '../support/readme';

/** The problems of fences left open: the one rule every page keeps (the README keeps more). */
const unclosedFences = (pages: Map<string, string>) =>
  [...pages].flatMap(([file, markdown]) =>
    scanFences(markdown)
      .problems.filter((problem) => problem.includes('never closed'))
      .map((problem) => `${file}: ${problem}`),
  );

describe('the documentation', () => {
  it(`has a README of at most ${FRONT_PAGE_LINES} lines`, () => {
    expect(frontPageProblems(readme())).toEqual([]);
  });

  it('finds a README one line too long', () => {
    const lines = (count: number) => 'a line\n'.repeat(count);

    expect(frontPageProblems(lines(FRONT_PAGE_LINES))).toEqual([]);
    expect(frontPageProblems(lines(FRONT_PAGE_LINES + 1))).toEqual([
      `README.md has ${FRONT_PAGE_LINES + 1} lines; a front page has at most ${FRONT_PAGE_LINES}: move the rest to docs/`,
    ]);
  });

  it('has every relative link lead to a file, and every #anchor to a heading of its page', () => {
    expect(brokenLinks(docPages(), existsInRepository)).toEqual([]);
  });

  it('has no code fence left open on any page', () => {
    expect(unclosedFences(docPages())).toEqual([]);
  });

  it('has every page under docs/ reachable from the README', () => {
    expect(unreachablePages(docPages())).toEqual([]);
  });

  it('reads every page: the README and docs/ with its ADRs', () => {
    const files = [...docPages().keys()];

    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'docs/organization.md', 'docs/adr/0001-foundation.md']),
    );
  });
});

describe('the checks of the documentation', () => {
  const pages = new Map([
    [
      'README.md',
      [
        '# Title',
        'See [the guide](docs/guide.md#set-up-once), [its alarms](docs/guide.md#alarms),',
        '[a gone page](docs/gone.md), [here](#title), [nowhere](#no-such), and',
        '[the web](https://example.com), `[code](not/a/link.md)`, [a folder](docs/adr).',
        '```md',
        '[in a fence](not/read.md)',
        '```',
      ].join('\n'),
    ],
    ['docs/guide.md', '# Guide\n\n## Set up, once\n\nBack to [the README](../README.md#title).\n'],
    ['docs/orphan.md', '# Orphan\n\n[guide](guide.md)\n'],
    ['docs/adr/0001-first.md', '# ADR 0001\n'],
    ['docs/adr/deeper/0002-nested.md', '# ADR 0002\n'],
  ]);
  const exists = (file: string) => file === 'docs/adr';

  it('find a link to a missing file, and an anchor no heading has', () => {
    expect(brokenLinks(pages, exists)).toEqual([
      'README.md:2: docs/guide.md#alarms: no heading #alarms in docs/guide.md',
      'README.md:3: docs/gone.md: no docs/gone.md',
      'README.md:3: #no-such: no heading #no-such in README.md',
    ]);
  });

  it('read links outside code only, and only relative ones', () => {
    expect(relativeLinks(pages.get('README.md') as string).map(({ target }) => target)).toEqual([
      'docs/guide.md#set-up-once',
      'docs/guide.md#alarms',
      'docs/gone.md',
      '#title',
      '#no-such',
      'docs/adr',
    ]);
  });

  it('anchor headings as GitHub does: no code ticks or punctuation, repeats numbered', () => {
    expect(githubSlug('Chat (Slack, Microsoft Teams)')).toBe('chat-slack-microsoft-teams');
    expect(githubSlug('Costs at 10, 100 and 1,000 accounts')).toBe('costs-at-10-100-and-1000-accounts');
    expect(githubSlug('The `organization` options: `rolePrefix`')).toBe(
      'the-organization-options-roleprefix',
    );
    expect([...headingAnchors('# A\n## A\n```bash\n# not a heading\n```\n### A\n')]).toEqual([
      'a',
      'a-1',
      'a-2',
    ]);
  });

  it('find a page no link reaches from the README (a link to a folder reaches the pages right in it)', () => {
    expect(unreachablePages(pages)).toEqual(['docs/orphan.md', 'docs/adr/deeper/0002-nested.md']);
  });

  it('find a fence left open on any page', () => {
    const open = new Map([...pages, ['docs/guide.md', '# Guide\n\n```text\nnever closed\n']]);

    expect(unclosedFences(open)).toEqual([
      'docs/guide.md: line 3: a fence never closed (everything after it renders as code)',
    ]);
  });
});

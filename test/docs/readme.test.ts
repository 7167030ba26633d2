import { describe, expect, it } from 'vitest';
import { docPages, README_EXAMPLES, readme, scanFences } from '../support/readme';

describe("the README's code blocks", () => {
  it('are all closed, and each opener names its language', () => {
    expect(scanFences(readme()).problems).toEqual([]);
  });

  it('are found wrong when a fence is left open or an opener has no language', () => {
    const markdown = [
      '# t',
      '```bash',
      'npm test',
      '```',
      '',
      '```',
      'layout',
      '```',
      '',
      '```',
      '## rest',
    ].join('\n');

    expect(scanFences(markdown).problems).toEqual([
      'line 6: a fence opener without a language',
      'line 10: a fence opener without a language',
      'line 10: a fence never closed (everything after it renders as code)',
    ]);
  });

  it('close only on a fence of the same kind, at least as long as the opener', () => {
    const markdown = ['````md', '```ts', 'x', '```', '~~~', '````', '~~~text', 'y', '~~~~'].join('\n');

    const { blocks, problems } = scanFences(markdown);

    expect(problems).toEqual([]);
    expect(blocks.map(({ line, language, code }) => ({ line, language, code }))).toEqual([
      { line: 1, language: 'md', code: '```ts\nx\n```\n~~~\n' },
      { line: 7, language: 'text', code: 'y\n' },
    ]);
  });

  it('in TypeScript and Python, here and in docs/, are all examples the package test compiles, between their markers', () => {
    const examples = [...docPages()].flatMap(([file, markdown]) =>
      scanFences(markdown)
        .blocks.filter(({ language }) => ['ts', 'typescript', 'python', 'py'].includes(language))
        .map(({ line, example }) => example ?? `${file}:${line}: no example marker`),
    );

    expect(examples.sort()).toEqual([...README_EXAMPLES.typescript, ...README_EXAMPLES.python].sort());
  });
});

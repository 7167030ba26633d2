/**
 * The README and the pages under docs/ as tests read them: their fenced code blocks (CommonMark's
 * rules for backtick and tilde fences), their headings and relative links, and the examples between
 * `<!-- example:<name>:start/end -->` markers, which the package test compiles and synthesizes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
export const README_PATH = path.join(ROOT, 'README.md');

export function readme(): string {
  return readFileSync(README_PATH, 'utf8');
}

/** A page of the documentation, by its path in the repository (`docs/design.md`). */
export function page(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

/** README.md and every Markdown page under docs/, by path in the repository (with `/`). */
export function docPages(): Map<string, string> {
  const files = readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file.split(path.sep).join('/')}`)
    .sort();
  return new Map(['README.md', ...files].map((file) => [file, page(file)]));
}

/** Whether a path of the repository (a file or a folder) exists. */
export function existsInRepository(file: string): boolean {
  return existsSync(path.join(ROOT, file));
}

/** One fenced code block: the line of its opener (1-based), its language, its code. */
export interface FencedBlock {
  readonly line: number;
  readonly language: string;
  readonly code: string;
  /** The `<!-- example:<name>:start -->` marker on the line just above the opener, if any. */
  readonly example?: string;
}

export interface FenceScan {
  readonly blocks: FencedBlock[];
  /** Openers without a language, and a fence left open at the end (which turns the rest into code). */
  readonly problems: string[];
}

const OPENER = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const START_MARKER = /^<!-- example:([\w-]+):start -->$/;

/** Every fenced block of `markdown`, with what is wrong with its fences. */
export function scanFences(markdown: string): FenceScan {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  const problems: string[] = [];
  let open: { line: number; fence: string; language: string; example?: string } | undefined;
  let code: string[] = [];
  lines.forEach((text, index) => {
    const line = index + 1;
    if (open) {
      const fence = open.fence;
      const closer = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (closer.test(text)) {
        blocks.push({
          line: open.line,
          language: open.language,
          code: code.map((codeLine) => `${codeLine}\n`).join(''),
          ...(open.example ? { example: open.example } : {}),
        });
        open = undefined;
      } else {
        code.push(text);
      }
      return;
    }
    const opener = OPENER.exec(text);
    if (!opener) return;
    const [, fence = '', language = ''] = opener;
    if (!language) problems.push(`line ${line}: a fence opener without a language`);
    const example = START_MARKER.exec(lines[index - 1] ?? '')?.[1];
    open = { line, fence, language, ...(example ? { example } : {}) };
    code = [];
  });
  if (open) problems.push(`line ${open.line}: a fence never closed (everything after it renders as code)`);
  return { blocks, problems };
}

/**
 * The code of the example `name`: the one fenced block between `<!-- example:<name>:start -->` and
 * `<!-- example:<name>:end -->`, in `markdown`, or else in the README or the docs page that has it
 * (the Organization examples are in docs/organization.md).
 */
export function readmeExample(name: string, markdown?: string): string {
  const pattern = new RegExp(
    `<!-- example:${name}:start -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- example:${name}:end -->`,
  );
  const texts = markdown === undefined ? [...docPages().values()] : [markdown];
  const code = texts.map((text) => pattern.exec(text)?.[1]).find((found) => found);
  if (!code) throw new Error(`README.md and docs/ have no example ${name} between its markers`);
  return code;
}

/** The examples, by language: the package test compiles and synthesizes each TypeScript one. */
export const README_EXAMPLES = {
  typescript: ['typescript', 'organization-central', 'organization-member'],
  python: ['python'],
} as const;

/** The most lines the README may have: a front page, the rest in docs/. */
export const FRONT_PAGE_LINES = 400;

/** What keeps `markdown` from being a front page: more than `FRONT_PAGE_LINES` lines. */
export function frontPageProblems(markdown: string): string[] {
  const lines = markdown.endsWith('\n') ? markdown.split('\n').length - 1 : markdown.split('\n').length;
  return lines > FRONT_PAGE_LINES
    ? [`README.md has ${lines} lines; a front page has at most ${FRONT_PAGE_LINES}: move the rest to docs/`]
    : [];
}

/** The lines of `markdown` outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const inCode = new Set<number>();
  for (const { line, code } of scanFences(markdown).blocks) {
    const last = line + code.split('\n').length - 1;
    for (let number = line; number <= last; number++) inCode.add(number);
  }
  return markdown
    .split('\n')
    .map((text, index) => ({ line: index + 1, text }))
    .filter(({ line }) => !inCode.has(line));
}

/**
 * The anchor GitHub gives a heading: its text as rendered (no code ticks, emphasis or link
 * targets), lower-cased, without punctuation but `-` and `_`, each space a `-`.
 */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of `markdown`'s headings (ATX, outside code), a repeated one numbered as GitHub does. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    let anchor = slug;
    for (let repeat = 1; anchors.has(anchor); repeat++) anchor = `${slug}-${repeat}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** One relative link of a page: the line it is on, and its target as written. */
export interface RelativeLink {
  readonly line: number;
  readonly target: string;
}

/** The relative links of `markdown` (inline links and images, outside code): no scheme, no `//`. */
export function relativeLinks(markdown: string): RelativeLink[] {
  return proseLines(markdown).flatMap(({ line, text }) =>
    [...text.replace(/`[^`]*`/g, '').matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
      .map((match) => match[1] as string)
      .filter((target) => !/^([a-z][a-z\d+.-]*:|\/\/)/i.test(target))
      .map((target) => ({ line, target })),
  );
}

/** The page a link of `from` leads to (a path of the repository), and its anchor if any. */
function resolveLink(from: string, target: string): { file: string; anchor?: string } {
  const [linked = '', anchor] = target.split('#');
  const file = linked ? path.posix.normalize(path.posix.join(path.posix.dirname(from), linked)) : from;
  return { file: file.replace(/\/$/, ''), ...(anchor !== undefined ? { anchor } : {}) };
}

/**
 * Every relative link of `pages` (path → Markdown) that leads nowhere: to a path that does not
 * exist, or to an anchor that no heading of the linked page has.
 */
export function brokenLinks(pages: Map<string, string>, exists: (file: string) => boolean): string[] {
  return [...pages].flatMap(([from, markdown]) =>
    relativeLinks(markdown).flatMap(({ line, target }) => {
      const { file, anchor } = resolveLink(from, target);
      if (!pages.has(file) && !exists(file)) return [`${from}:${line}: ${target}: no ${file}`];
      if (anchor === undefined || !file.endsWith('.md')) return [];
      const linked = pages.get(file);
      if (linked === undefined) return [`${from}:${line}: ${target}: ${file} is not a page read here`];
      return headingAnchors(linked).has(anchor)
        ? []
        : [`${from}:${line}: ${target}: no heading #${anchor} in ${file}`];
    }),
  );
}

/**
 * The pages of `pages` that no chain of links from `start` reaches. A link to a folder reaches the
 * pages directly in it, which GitHub lists there (the README links docs/adr, so a new ADR is reached).
 */
export function unreachablePages(pages: Map<string, string>, start = 'README.md'): string[] {
  const reached = new Set([start]);
  const queue = [start];
  for (let from = queue.shift(); from !== undefined; from = queue.shift()) {
    for (const { target } of relativeLinks(pages.get(from) ?? '')) {
      const { file } = resolveLink(from, target);
      const linked = [...pages.keys()].filter(
        (candidate) => candidate === file || path.posix.dirname(candidate) === file,
      );
      for (const next of linked.filter((candidate) => !reached.has(candidate))) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return [...pages.keys()].filter((file) => !reached.has(file));
}

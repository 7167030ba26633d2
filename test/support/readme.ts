/**
 * The README as tests read it: its fenced code blocks (CommonMark's rules for backtick and tilde
 * fences), and the examples between its `<!-- example:<name>:start/end -->` markers, which the
 * package test compiles and synthesizes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const README_PATH = path.resolve(__dirname, '..', '..', 'README.md');

export function readme(): string {
  return readFileSync(README_PATH, 'utf8');
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
 * The code of the README's example `name`: the one fenced block between
 * `<!-- example:<name>:start -->` and `<!-- example:<name>:end -->`.
 */
export function readmeExample(name: string, markdown: string = readme()): string {
  const pattern = new RegExp(
    `<!-- example:${name}:start -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- example:${name}:end -->`,
  );
  const code = pattern.exec(markdown)?.[1];
  if (!code) throw new Error(`README.md has no example ${name} between its markers`);
  return code;
}

/** The README's examples, by language: the package test compiles and synthesizes each TypeScript one. */
export const README_EXAMPLES = {
  typescript: ['typescript', 'organization-central', 'organization-member'],
  python: ['python'],
} as const;

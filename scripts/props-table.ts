/**
 * The README's table of construct props, generated from their TSDoc in `lib/props.ts`: name,
 * type, default and the first sentence of the description. `npm run docs:props` writes it between
 * the README's `<!-- props:start -->` and `<!-- props:end -->` markers; a test checks it is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..');
export const README = path.join(ROOT, 'README.md');
const START = '<!-- props:start -->';
const END = '<!-- props:end -->';

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

/** The Markdown table of `MaintenanceWindowMonitorProps`, one row per prop in source order. */
export function propsTable(): string {
  const file = path.join(ROOT, 'lib', 'props.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const props = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === 'MaintenanceWindowMonitorProps',
  );
  if (!props) throw new Error('No MaintenanceWindowMonitorProps in lib/props.ts');
  const rows = props.members.filter(ts.isPropertySignature).map((member) => {
    const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
    const doc = docs.at(-1);
    const comment = ts.getTextOfJSDocComment(doc?.comment) ?? '';
    const defaultTag = doc?.tags?.find((tag) => tag.tagName.text === 'default');
    const defaultText = (ts.getTextOfJSDocComment(defaultTag?.comment) ?? '').replace(/\s+/g, ' ').trim();
    const type = member.type?.getText(source).replace(/\|/g, '\\|') ?? '';
    const name = (member.name as ts.Identifier).text;
    return `| \`${name}\` | \`${type}\` | ${defaultText.replace(/^- /, '')} | ${firstSentence(comment).replace(/\|/g, '\\|')} |`;
  });
  return ['| prop | type | default | what it is |', '|---|---|---|---|', ...rows].join('\n');
}

/** The README with the generated table between its markers. */
export function readmeWithPropsTable(readme: string = readFileSync(README, 'utf8')): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md needs ${START} and ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${propsTable()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  writeFileSync(README, readmeWithPropsTable());
  process.stdout.write('README.md: props table written\n');
}

/**
 * The documentation's tables of construct props, generated from their TSDoc: name, type, default
 * (or "required") and the first sentence of the description. `npm run docs:props` writes each
 * between its markers in its page (`<!-- props:start -->` and `<!-- props:end -->` in the README
 * for the monitor's props; the Organization ones in docs/organization.md); a test checks they are
 * current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..');
export const README = path.join(ROOT, 'README.md');

/** Each props interface documented, where it is declared, the page that shows it, and its markers there. */
export const PROPS_TABLES = [
  { name: 'MaintenanceWindowMonitorProps', file: 'lib/props.ts', page: 'README.md', marker: 'props' },
  {
    name: 'OrganizationOptions',
    file: 'lib/props.ts',
    page: 'docs/organization.md',
    marker: 'organization-props',
  },
  {
    name: 'MaintenanceWindowMonitorMemberProps',
    file: 'lib/member.ts',
    page: 'docs/organization.md',
    marker: 'member-props',
  },
] as const;

/** The pages that show props tables (paths in the repository). */
export type PropsPage = (typeof PROPS_TABLES)[number]['page'];
export const PROPS_PAGES: PropsPage[] = [...new Set(PROPS_TABLES.map(({ page }) => page))];

export type PropsInterface = (typeof PROPS_TABLES)[number]['name'];

/** Up to the first full stop outside a code span (`A-Z . _` is not the end of a sentence). */
function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  let inCode = false;
  for (let index = 0; index < flat.length; index++) {
    if (flat[index] === '`') inCode = !inCode;
    else if (!inCode && flat[index] === '.' && (index + 1 === flat.length || flat[index + 1] === ' ')) {
      return flat.slice(0, index + 1);
    }
  }
  return flat;
}

/** The Markdown table of one props interface, one row per prop in source order. */
export function propsTable(name: PropsInterface = 'MaintenanceWindowMonitorProps'): string {
  const { file } = PROPS_TABLES.find((table) => table.name === name) as (typeof PROPS_TABLES)[number];
  const source = ts.createSourceFile(
    file,
    readFileSync(path.join(ROOT, file), 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const props = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === name,
  );
  if (!props) throw new Error(`No ${name} in ${file}`);
  const rows = props.members.filter(ts.isPropertySignature).map((member) => {
    const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
    const doc = docs.at(-1);
    const comment = ts.getTextOfJSDocComment(doc?.comment) ?? '';
    const defaultTag = doc?.tags?.find((tag) => tag.tagName.text === 'default');
    const defaultText = (ts.getTextOfJSDocComment(defaultTag?.comment) ?? '').replace(/\s+/g, ' ').trim();
    const type = member.type?.getText(source).replace(/\|/g, '\\|') ?? '';
    const propName = (member.name as ts.Identifier).text;
    const shownDefault = member.questionToken ? defaultText.replace(/^- /, '') : 'required';
    return `| \`${propName}\` | \`${type}\` | ${shownDefault} | ${firstSentence(comment).replace(/\|/g, '\\|')} |`;
  });
  return ['| prop | type | default | what it is |', '|---|---|---|---|', ...rows].join('\n');
}

/** The text of a page of the repository. */
export function readPage(page: PropsPage): string {
  return readFileSync(path.join(ROOT, page), 'utf8');
}

/** `page`'s text with each table that page shows generated between its markers. */
export function pageWithPropsTables(page: PropsPage, text: string = readPage(page)): string {
  return PROPS_TABLES.filter((table) => table.page === page).reduce((written, { name, marker }) => {
    const start = `<!-- ${marker}:start -->`;
    const end = `<!-- ${marker}:end -->`;
    const from = written.indexOf(start);
    const to = written.indexOf(end);
    if (from === -1 || to < from) throw new Error(`${page} needs ${start} and ${end} markers`);
    return `${written.slice(0, from + start.length)}\n${propsTable(name)}\n${written.slice(to)}`;
  }, text);
}

/** The README with the monitor's props table between its markers. */
export function readmeWithPropsTable(readme: string = readPage('README.md')): string {
  return pageWithPropsTables('README.md', readme);
}

if (require.main === module) {
  for (const page of PROPS_PAGES) {
    writeFileSync(path.join(ROOT, page), pageWithPropsTables(page));
    process.stdout.write(`${page}: props tables written\n`);
  }
}

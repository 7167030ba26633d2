/**
 * Command output made safe and stable to group by: secrets redacted, then what differs from node to
 * node and day to day (times, IDs, addresses, numbers) replaced by a placeholder. Pure.
 */
import { cut } from '../budget';

/** The longest cause text the alert shows, in characters. */
export const MAX_CAUSE_TEXT = 160;

const REDACTED = '<redacted>';
/** The longest part of a line that is normalized (the rest could never be shown). */
const MAX_RAW_LINE = 2_000;

/**
 * Terminal escape sequences (ANSI colours, cursor moves, OSC titles and links) and every other
 * control character but tab, line feed and carriage return (which split and collapse as whitespace).
 */
const CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
  /\u001b\[[0-?]{0,64}[ -/]{0,16}[@-~]|\u001b\][^\u0007\u001b\n]{0,512}(?:\u0007|\u001b\\)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** A quoted or bare value. */
const VALUE = `("[^"\\n]*"|'[^'\\n]*'|[^\\s,;]+)`;
/** Names whose value is a secret (`DB_PASS`, `client_secret`, `AccountKey`, `x-api-key`…). */
const SECRET_NAME =
  '(?:passw(?:or)?d|passphrase|(?<![a-z])pass(?![a-z])|pwd|secret|token|api[_-]?key|credential|account[_-]?key|shared[_-]?access[_-]?(?:key|signature))';

/** Values that look like secrets, each with what replaces it (`$1`… keep the name, not the value). */
const SECRETS: readonly (readonly [RegExp, string])[] = [
  // A PEM or PGP private key block, or its head when the output was cut before the end.
  [
    /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----|$)/g,
    REDACTED,
  ],
  [/\b(Authorization\s*[:=]\s*)(?:(Bearer|Basic)\s+)?[^\s,;"']+/gi, `$1$2 ${REDACTED}`],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, `Bearer ${REDACTED}`],
  // Credentials in a URL: scheme://user:password@host, the password up to the last `@`.
  [/(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:/@]{1,100}:)[^\s/]{0,200}@/gi, `$1${REDACTED}@`],
  // name = value, name: value, "name": "value", for password, pass, secret, token, API key…
  [new RegExp(`(${SECRET_NAME}[\\w.-]{0,40}["']?\\s*[=:]\\s*)${VALUE}`, 'gi'), `$1${REDACTED}`],
  // --name value, -name value.
  [
    /((?<!-)--?[\w-]{0,40}?(?:password|passwd|passphrase|secret|token|api-?key)[\w-]{0,40}\s+)("[^"]*"|'[^']*'|\S+)/gi,
    `$1${REDACTED}`,
  ],
  // name value, where name is an identifier (`client_secret`, `db_password`), and "with password value".
  [
    new RegExp(`((?:(?<=_)${SECRET_NAME}|${SECRET_NAME}(?=_))[\\w-]{0,40}\\s+)${VALUE}`, 'gi'),
    `$1${REDACTED}`,
  ],
  [
    /(\b(?:with|using)\s+(?:the\s+)?(?:password|passphrase|secret|token)\s+)("[^"]*"|'[^']*'|\S+)/gi,
    `$1${REDACTED}`,
  ],
  // mysql -pvalue, sshpass -p value, curl -u user:value, ConvertTo-SecureString "value".
  [
    /(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb)\b[^\n]{0,200}?\s-p)[^\s-]\S*/g,
    `$1${REDACTED}`,
  ],
  [/(\bsshpass\b[^\n]{0,100}?\s-p\s*)\S+/g, `$1${REDACTED}`],
  [/((?<![\w-])(?:-u|--user)[\s=]{0,5}["']?[^\s:"']{1,100}:)[^\s"']+/g, `$1${REDACTED}`],
  [/(ConvertTo-SecureString\s+(?:-String\s+)?)("[^"\n]*"|'[^'\n]*'|[^\s$-]\S*)/gi, `$1${REDACTED}`],
  [/("[^"\n]{0,200}"|'[^'\n]{0,200}')(\s*\|\s*ConvertTo-SecureString)/gi, `${REDACTED}$2`],
  [/\b(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b/g, REDACTED],
  // Service tokens: GitHub, GitLab, Slack.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abeprs]-[\w-]{10,})/g, REDACTED],
  // A JSON web token.
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+/g, REDACTED],
  // A 40-character secret access key: mixed case and digits, on its own or after `=`. A path segment
  // run of exactly 40 such characters is redacted too: a broken link is the lesser harm.
  [
    /(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    REDACTED,
  ],
];

/**
 * `text` with control characters and terminal escapes removed, then every value that looks like a
 * secret replaced by `<redacted>`. Every pattern is anchored or bounded: output is up to 24,000
 * characters of anything, and must not take quadratic time.
 */
export function redact(text: string): string {
  return SECRETS.reduce(
    (out, [pattern, replacement]) => out.replace(pattern, replacement),
    text.replace(CONTROLS, ''),
  );
}

/** Top-level domains of host names worth hiding (file extensions such as `.gz`, `.sh` are not). */
const HOST =
  /(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|internal|local|localdomain|lan|corp|intra|intranet|home|cloud|dev|edu|gov|mil|biz|info|co|us|uk|de|fr|eu|jp|cn|au|ca|nl|ch|se|br|it|es|pl)\b/g;
/** AWS's own endpoints stay: they say which service was unreachable. */
const AWS_HOST = /(?:^|\.)(?:amazonaws\.com(?:\.cn)?|amazon\.com|api\.aws)$/i;

const REGION =
  /\b(?:us-gov|us-iso[a-z]?|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/g;

/**
 * What varies between nodes and runs, in the order it is replaced (an earlier rule sees the raw
 * text: a node ID before hex runs, a host before its Region, timestamps before numbers).
 */
const VARIABLE: readonly (readonly [RegExp, string | ((match: string) => string)])[] = [
  // Encoded authorization messages (Automation) and request IDs, whatever their shape.
  [/(Encoded authorization failure message:)\s*[^\s;)]+/gi, '$1 <encoded>'],
  [/(Request ID:?|RequestId:?|request-id:?)\s*[\w-]+/gi, '$1 <id>'],
  // SSM's working directory for a command, Linux and Windows.
  [/\/var\/lib\/amazon\/ssm\/[^/\s]+\/document\/orchestration\/[^/\s]+\//gi, '<ssm-dir>/'],
  [
    /[A-Za-z]:\\ProgramData\\Amazon\\SSM\\InstanceData\\[^\\\s]+\\document\\orchestration\\[^\\\s]+\\/gi,
    '<ssm-dir>\\',
  ],
  // Timestamps: 12/20/2019 21:41:48, ISO 8601, 2024-01-02 03:04:05,678, Dec  2 12:06:32.
  [/\b\d{1,2}\/\d{1,2}\/\d{2,4}[ T]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\b/g, '<time>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<time>'],
  [/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}\b/g, '<time>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\bm?i-[0-9a-f]{8,17}\b/g, '<node>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '<ip>'],
  [/(?<![\w:])(?=[0-9a-f:]*\d)(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])/gi, '<ip>'],
  [
    /(?<![\w:])(?=[0-9a-f:]*\d)(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])/gi,
    '<ip>',
  ],
  [HOST, (host) => (AWS_HOST.test(host) ? host : '<host>')],
  [/\bip-\d+-\d+-\d+-\d+\b/g, '<host>'],
  [/\bEC2AMAZ-[A-Z0-9]+\b/g, '<host>'],
  [/\b\d{12}\b/g, '<account>'],
  [REGION, '<region>'],
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/gi, '<hex>'],
];

/**
 * Digit runs become `N`, except where the number is the cause: an exit status or code, an errno,
 * an HRESULT or other `0x…` code, an HTTP status code. Digits inside a word (`ps1`, `Python3`) stay.
 */
const NUMBERS =
  /(0x[0-9a-f]+)|((?:exit status|exit code|errno|hresult|status code|error code)\s*:?\s*(?:0x[0-9a-f]+|-?\d+))|((?<![A-Za-z0-9_])\d+)/gi;

/** Leading timestamps and logger prefixes (`root [ERROR]: `, `| Error |`, `[ERROR]`). */
const PREFIX =
  /^(?:<time>\s*)+|^(?:[\w.-]+\s+)?\[(?:ERROR|INFO|WARN|WARNING|DEBUG|CRITICAL|FATAL)\]:?\s*|^\|\s*\w+\s*\|\s*/i;

/**
 * One line as the alert shows it and a key groups it: redacted, variable parts replaced, prefixes
 * dropped, whitespace collapsed, at most `max` characters (cut on a character, not a byte).
 */
export function normalize(line: string, max = MAX_CAUSE_TEXT): string {
  // Redacted whole, then cut: far more than the shown length survives the placeholders' shrinking.
  let text = cut(redact(line), MAX_RAW_LINE);
  for (const [pattern, replacement] of VARIABLE) {
    text =
      typeof replacement === 'string'
        ? text.replace(pattern, replacement)
        : text.replace(pattern, replacement);
  }
  text = text.replace(NUMBERS, (match, _hex, _kept, bare) => (bare ? 'N' : match));
  text = text.replace(/\s+/g, ' ').trim();
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(PREFIX, '').trim();
  }
  return cut(text, max);
}

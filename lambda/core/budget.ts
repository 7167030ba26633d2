/**
 * Room for text that must fit a size limit (an SNS message, a chat card): lines are taken while
 * they fit, each with its line break. One rule for everything the monitor must keep small.
 */
export class TextBudget {
  constructor(
    private left: number,
    /** How a line is measured: bytes by default, as SNS counts; characters where a renderer does. */
    private readonly measure: (text: string) => number = Buffer.byteLength,
  ) {}

  /** Takes `line` and its line break if they fit in what is left; false, taking nothing, if not. */
  take(line: string): boolean {
    const size = this.measure(line) + 1;
    if (size > this.left) return false;
    this.left -= size;
    return true;
  }

  /** Takes nothing more, ever: for lists that must not skip a line and go on with shorter ones. */
  close(): void {
    this.left = 0;
  }
}

/** `text` cut to `max` characters (code points), ending in `…` when cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * What a bench module is and what it is given: a way to print, a work directory, and the
 * single-account fleet (the synthesized app's event handler on the local endpoint), made on first use
 * and shared by the modules of one run. Each module measures its own baseline in the same run and
 * prints its figures as ratios against it.
 */
import type { Fleet } from './fleet';

export const COLD_STARTS = 15;
export const RUNS = 3;

export interface Bench {
  /** Prints one line of the report. */
  out(line?: string): void;
  /** A temporary directory, removed at the end of the run. */
  readonly work: string;
  /** The fleet, synthesized and started on first use; stopped at the end of the run. */
  fleet(): Promise<Fleet>;
}

export interface BenchModule {
  /** The one word that picks it: `npm run bench -- <name>`. */
  readonly name: string;
  readonly summary: string;
  /** Measures, and prints its section of the report followed by a blank line. */
  run(bench: Bench): Promise<void>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

export function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 12)).join(' ');
}

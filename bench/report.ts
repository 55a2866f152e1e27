/**
 * Tables of the benchmark: Markdown, so the README can quote them as printed. Every row that has a
 * budget carries the measured figure, the budget and PASS/FAIL; `summary()` lists the failures.
 */

export interface Row {
  cells: string[];
  /** undefined: an informative row without a budget */
  pass?: boolean;
}

const results: { table: string; row: string; pass: boolean }[] = [];

export class Table {
  private readonly rows: Row[] = [];
  private readonly notes: string[] = [];

  constructor(
    readonly title: string,
    readonly columns: string[],
  ) {}

  /** A row; `pass` adds the result column. */
  row(cells: (string | number)[], pass?: boolean): this {
    const row = { cells: cells.map(String), pass };
    this.rows.push(row);
    if (pass !== undefined) results.push({ table: this.title, row: row.cells.join(" · "), pass });
    return this;
  }

  note(text: string): this {
    this.notes.push(text);
    return this;
  }

  render(): string {
    const header = [...this.columns, "result"];
    const lines = [`### ${this.title}`, "", `| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
    for (const r of this.rows) lines.push(`| ${[...r.cells, r.pass === undefined ? "" : r.pass ? "PASS" : "**FAIL**"].join(" | ")} |`);
    if (this.notes.length) lines.push("", ...this.notes.map((n) => `${n}`));
    return lines.join("\n") + "\n";
  }
}

export function summary(): string {
  const failed = results.filter((r) => !r.pass);
  const lines = [`${results.length - failed.length} of ${results.length} budgets met.`];
  for (const f of failed) lines.push(`- FAIL: ${f.table}: ${f.row}`);
  return lines.join("\n") + "\n";
}

export const fmt = {
  us: (ms: number): string => `${(ms * 1000).toFixed(ms * 1000 < 10 ? 2 : 1)} µs`,
  ms: (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`,
  x: (r: number): string => `${r.toFixed(2)}×`,
  int: (n: number): string => Math.round(n).toLocaleString("en-US"),
  bytes: (n: number): string => (n < 10_000 ? `${Math.round(n).toLocaleString("en-US")} B` : `${(n / 1024).toFixed(1)} KB`),
  pct: (f: number, digits = 2): string => `${(f * 100).toFixed(digits)} %`,
};

/**
 * CPU milliseconds this process spent running `fn` (user + system, all its threads). Unlike wall
 * time it does not count time the process waited for a core, so a machine shared with other work
 * does not inflate it; what other processes do to caches still can.
 */
export function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

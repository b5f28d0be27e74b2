/** One line of the benchmark's table, as printed and as written to bench/results.json. */
export interface Row {
  section: string;
  measure: string;
  value: number;
  unit: string;
  /** The figure measured next to it, in the same run. */
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  target?: { text: string; met: boolean };
  note?: string;
  extra?: Record<string, unknown>;
}

export const round = (x: number, digits = 0) => Number(x.toFixed(digits));

const fmt = (x: number, unit: string) => {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  return `${x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`;
};

/** The table as Markdown (printed, and pasted into the README, Performance). */
export function table(rows: Row[]): string {
  const lines = ['| Measure | attesto | Baseline (same run) | Ratio | Target |', '|---|---:|---|---:|---|'];
  for (const r of rows) {
    const baseline = r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value, r.unit)}` : '';
    const ratio = r.ratio !== undefined ? `${(r.ratio * 100).toFixed(r.ratio < 0.1 ? 1 : 0)} %` : '';
    const target = r.target ? `${r.target.text} ${r.target.met ? '✅' : '❌'}` : '';
    lines.push(`| ${r.measure} | ${fmt(r.value, r.unit)} | ${baseline} | ${ratio} | ${target} |`);
  }
  return lines.join('\n');
}

/** Benchmark output: plain `name: value` lines, and the statistics behind them. */

export type FigureValue = string | number;

export interface Figure {
  readonly name: string;
  readonly value: FigureValue;
}

export function figure(name: string, value: FigureValue): Figure {
  return { name, value };
}

/** Writes figures as `name: value` lines, each at once (a long run shows progress). */
export function printFigures(figures: readonly Figure[]): void {
  for (const { name, value } of figures) process.stdout.write(`${name}: ${value}\n`);
}

/** Rounds for printing: integers as they are, others to `digits` significant decimals. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The p-th percentile (0–100) by the nearest-rank method; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Small descriptive statistics over samples (milliseconds unless said otherwise). */

export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (position - low);
}

export const median = (samples: readonly number[]) => quantile(samples, 0.5);

export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: median(samples),
    p25: quantile(samples, 0.25),
    p75: quantile(samples, 0.75),
    p99: quantile(samples, 0.99),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/** Fixed decimals, without a useless "-0.0". */
export function fixed(value: number, digits = 1): string {
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

export const ms = (value: number, digits = 1) => `${fixed(value, digits)} ms`;
export const us = (valueMs: number) => `${fixed(valueMs * 1000, 0)} µs`;
export const ratio = (value: number, digits = 2) => `${fixed(value, digits)}×`;
export const kb = (bytes: number) => `${fixed(bytes / 1000, 1)} KB`;
/** µs below 10 ms, ms above. */
export const duration = (valueMs: number) => (valueMs < 10 ? us(valueMs) : ms(valueMs));

/** A difference with its sign: "+3.2 ms", "−1.0 ms". */
export const signed = (value: number, format: (magnitude: number) => string) =>
  `${value < 0 ? '−' : '+'}${format(Math.abs(value))}`;

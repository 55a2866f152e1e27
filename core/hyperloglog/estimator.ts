/**
 * Estimator: Otmar Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017),
 * the improved raw estimator built on the register histogram. It needs neither empirical bias
 * tables nor a switch to linear counting, so there is no discontinuity at small cardinalities. Using
 * the asymptotic α∞ leaves a relative upward bias of about 1.08/m once n ≫ m (measured: 0.1 % at
 * p = 10, 7 % at p = 4), well inside the standard error 1.04/√m for every allowed precision.
 */

const ALPHA_INF = 1 / (2 * Math.LN2);

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1); accounts for registers still at 0. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const prev = z;
    z += x * y;
    y += y;
    if (z === prev) return z;
  }
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k) / 3; accounts for registers at the maximum rank. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const prev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
    if (z === prev) return z / 3;
  }
}

/** Ertl's improved raw estimate from dense registers (m of them, ranks up to maxRank). */
export function estimateRegisters(regs: Uint8Array, m: number, maxRank: number): number {
  const hist = new Uint32Array(maxRank + 1);
  for (let i = 0; i < m; i++) hist[regs[i]!]!++;
  return estimateHistogram(hist, m, maxRank);
}

/** The estimate from the register histogram: hist[r] = registers holding rank r, 0 ≤ r ≤ maxRank. */
export function estimateHistogram(hist: ArrayLike<number>, m: number, maxRank: number): number {
  const q = maxRank - 1;
  let z = m * tau(1 - hist[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + hist[k]!);
  z += m * sigma(hist[0]! / m);
  return (ALPHA_INF * m * m) / z;
}

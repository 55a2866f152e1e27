/** Summary statistics for the statistical tests. */

/** Mean and sample standard deviation. */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  const mean = sum / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}

/** A deterministic shuffle, so every run benchmarks the same algos. */
export function pick<T>(ids: readonly T[], count: number, seed: number): T[] {
  const copy = [...ids];
  let s = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

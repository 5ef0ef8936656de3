/** A small seeded PRNG (mulberry32): the same demo data on every machine. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    /** Picks by weight: [[value, weight], ...]. */
    pick<T>(choices: ReadonlyArray<readonly [T, number]>): T {
      const total = choices.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [v, w] of choices) {
        r -= w;
        if (r < 0) return v;
      }
      return (choices[choices.length - 1] as readonly [T, number])[0];
    },
    id64: () =>
      BigInt.asIntN(64, (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32))),
    /** Exponential with the given mean. */
    exp: (mean: number) => -Math.log(1 - next()) * mean,
  };
}
export type Random = ReturnType<typeof seeded>;

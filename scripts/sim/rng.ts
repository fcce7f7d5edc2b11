// Seeded random numbers for the simulation harness: the same seed gives the same figures on any
// machine (integer arithmetic only for the stream; floating point only in the transforms).

/** 32-bit FNV-1a of a string: turns scenario keys into seeds. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded stream: sfc32 (PractRand-clean, 128-bit state) with Gaussian, Poisson and Bernoulli draws. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: string | number) {
    const s = typeof seed === "number" ? seed >>> 0 : hash32(seed);
    // splitmix32 fills the state so that nearby seeds give unrelated streams.
    let x = s;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in (0, 1): safe under a logarithm. */
  open(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return u;
  }

  bernoulli(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Standard normal (Marsaglia's polar method, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Poisson(lambda): multiplication for small means, Hörmann's PTRS (as numpy) for large ones; both exact. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.open();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lnFactorial(k)) return k;
    }
  }
}

const LN_FACT: number[] = [0];
/** ln k! (exact sums up to 1,000, Stirling's series beyond). */
export function lnFactorial(k: number): number {
  if (k < 1000) {
    for (let i = LN_FACT.length; i <= k; i++) LN_FACT.push(LN_FACT[i - 1]! + Math.log(i));
    return LN_FACT[k]!;
  }
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** A seeded uniform [0, 1) function: the one PRNG of the benches and tests that need reproducible data. */
export function seededRandom(seed: string | number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

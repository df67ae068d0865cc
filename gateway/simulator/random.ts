/**
 * Seeded randomness for the simulator. Every vessel, buoy and device draws from its own stream
 * (derived from the run's seed and its own name), so what one of them does never depends on how
 * often another was asked: the same seed and start time give the same traffic, byte for byte.
 */

/** 32-bit hash of the parts (FNV-1a over their text, then an avalanche so near inputs spread). */
export function hashOf(...parts: readonly (string | number)[]): number {
  const text = parts.join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stateless draw in [0, 1) for a key: the same key always gives the same number. */
export function unitHash(...parts: readonly (string | number)[]): number {
  return hashOf(...parts) / 2 ** 32;
}

/**
 * Smooth noise in [-1, 1] along a time axis: random values at knots `period` ms apart, blended
 * with a cosine so weather and water quality wander without steps.
 */
export function smoothNoise(key: string, time: number, period: number): number {
  const x = time / period;
  const k = Math.floor(x);
  const f = x - k;
  const a = unitHash(key, k) * 2 - 1;
  const b = unitHash(key, k + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}

/** A stream of pseudo-random numbers (Marsaglia xorshift32). */
export class Random {
  private state: number;

  constructor(...seedParts: readonly (string | number)[]) {
    this.state = hashOf(...seedParts) || 0x9e3779b9; // xorshift has a fixed point at 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 2 ** 32;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Pick by weight: `[[value, weight], …]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1][0];
  }
}

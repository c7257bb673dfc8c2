/**
 * Stateless hashing: every simulated attribute is a pure function of (seed, entity index, salt, …),
 * so any day can be computed directly and the same seed gives the same bytes.
 */

/** murmur3's 32-bit finalizer: a bijection on uint32 (distinct inputs never collide). */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The inverse of fmix32, to turn an id back into the index it was made from. */
export function unfmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7ed1b41d);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, 0xa5cb9243);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 hash of a few integers. */
export function hash(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = fmix32(h ^ fmix32(Math.imul(part | 0, 0x27d4eb2d) + (Math.floor(part / 4294967296) | 0)));
  }
  return h;
}

/** A uniform number in [0, 1) from a few integers. */
export function unit(...parts: number[]): number {
  return hash(...parts) / 4294967296;
}

/** An integer in [0, n). */
export function pick(n: number, ...parts: number[]): number {
  return Math.floor(unit(...parts) * n);
}

/** One element of `items` chosen by hash. */
export function choose<T>(items: readonly T[], ...parts: number[]): T {
  return items[pick(items.length, ...parts)]!;
}

/** Index into cumulative weights (ascending, last = total) for a uniform u in [0, 1). */
export function weightedIndex(cumulative: Float64Array | number[], u: number): number {
  const target = u * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `length` base64url characters of a uint32 (6 characters hold all 32 bits). */
export function encode(value: number, length: number): string {
  let out = '';
  let v = value >>> 0;
  for (let i = 0; i < length; i++) {
    out += ID_ALPHABET[v & 63];
    v = Math.floor(v / 64);
  }
  return out;
}

/**
 * A Yelp-like 22-character id, unique per (seed, kind, a, b): the first 12 characters are
 * bijections of `a` and `b`, the rest is filler.
 */
export function opaqueId(seed: number, kind: number, a: number, b = 0): string {
  const mixA = fmix32((a ^ hash(seed, kind)) >>> 0);
  const mixB = fmix32((b ^ hash(seed, kind, 1)) >>> 0);
  return (
    encode(mixA, 6) +
    encode(mixB, 6) +
    encode(hash(seed, kind, a, b, 1), 5) +
    encode(hash(seed, kind, a, b, 2), 5)
  );
}

/** Reads back a uint32 written by `encode` (NaN for a character outside the alphabet). */
export function decode(text: string): number {
  let v = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const digit = ID_ALPHABET.indexOf(text[i]!);
    if (digit < 0) return Number.NaN;
    v = v * 64 + digit;
  }
  return v;
}

/** The `a` an id of `opaqueId(seed, kind, a, b)` was made from, or -1 when it is not such an id. */
export function opaqueIndex(id: string, seed: number, kind: number): number {
  if (id.length !== 22) return -1;
  const mixA = decode(id.slice(0, 6));
  const mixB = decode(id.slice(6, 12));
  if (!(mixA <= 0xffffffff) || !(mixB <= 0xffffffff)) return -1;
  const a = (unfmix32(mixA) ^ hash(seed, kind)) >>> 0;
  const b = (unfmix32(mixB) ^ hash(seed, kind, 1)) >>> 0;
  return opaqueId(seed, kind, a, b) === id ? a : -1;
}

/** URL slug as Yelp builds aliases: lower case, accents kept, runs of other characters become '-'. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

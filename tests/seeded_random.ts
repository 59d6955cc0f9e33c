/**
 * A deterministic byte source for tests (xorshift32), shaped like `crypto.getRandomValues`, so
 * code that takes an injected random source produces the same tokens and serials every run.
 *
 * @module
 */

/** Returns a function that fills arrays with a reproducible byte stream for `seed`. */
export function seededRandom(seed: number): (bytes: Uint8Array) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      bytes[i] = x & 0xff;
    }
    return bytes;
  };
}

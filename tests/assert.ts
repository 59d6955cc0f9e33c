/**
 * The assertions our tests use: `node:assert/strict` under the names Deno developers expect
 * (`@std/assert` is not reachable from our registries).
 *
 * @module
 */
import assert from "node:assert/strict";

export const assertEquals: <T>(actual: unknown, expected: T, message?: string) => asserts actual is T =
  assert.deepStrictEqual;
export const assertNotEquals = assert.notDeepStrictEqual;
export const assertMatch = (actual: string, re: RegExp, message?: string): void => assert.match(actual, re, message);
export const assertNotMatch = (actual: string, re: RegExp, message?: string): void =>
  assert.doesNotMatch(actual, re, message);
export const assertRejects = assert.rejects;
export const assertThrows = assert.throws;
export const fail = assert.fail;

/** Asserts a value is truthy, narrowing its type. */
export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

/** Asserts `haystack` contains `needle`, printing both when it does not. */
export function assertIncludes(haystack: string, needle: string, message?: string): void {
  if (!haystack.includes(needle)) {
    assert.fail(message ?? `expected text to include ${JSON.stringify(needle)}, got:\n${haystack}`);
  }
}

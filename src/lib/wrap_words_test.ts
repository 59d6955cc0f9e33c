import { assertEquals } from "../../tests/assert.ts";
import { wrapWords } from "./wrap_words.ts";

Deno.test("wrapWords() breaks at spaces within the width and keeps a too-long word whole", () => {
  assertEquals(wrapWords("one two three four", 9), ["one two", "three", "four"]);
  assertEquals(wrapWords("a verylongword b", 5), ["a", "verylongword", "b"]);
  assertEquals(wrapWords("fits", 10), ["fits"]);
});

import { assertEquals } from "../../tests/assert.ts";
import { toKubeError } from "./errors.ts";

Deno.test("toKubeError() takes reason and message from a Status body, and marks network failures", () => {
  const apiException = Object.assign(new Error("HTTP-Code: 409"), {
    code: 409,
    body: JSON.stringify({ kind: "Status", reason: "Conflict", message: 'secrets "s" was modified' }),
  });
  const e = toKubeError(apiException, 'update Secret "s"');
  assertEquals([e.status, e.reason, e.message], [
    409,
    "Conflict",
    'Cannot update Secret "s": secrets "s" was modified',
  ]);
  const plain = toKubeError(Object.assign(new Error("x"), { code: 503, body: "upstream down" }), "list Nodes");
  assertEquals([plain.reason, plain.message], ["ServiceUnavailable", "Cannot list Nodes: upstream down"]);
  const net = toKubeError(new Error("connect ECONNREFUSED 127.0.0.1:6443"), "get Namespace");
  assertEquals([net.status, net.reason], [0, "NetworkError"]);
});

import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import {
  decodeGrpcMessage,
  encodeGrpcFrame,
  encodeGrpcMessage,
  encodeGrpcTimeout,
  GrpcFrameDecoder,
  parseGrpcTimeout,
} from "./framing.ts";
import { parseEndpoint } from "./endpoint.ts";
import { grpcCodeName, isTalosError, NodeError, TalosError } from "./errors.ts";

Deno.test("encodeGrpcFrame() writes flag 0 and the big-endian length before the message", () => {
  assertEquals([...encodeGrpcFrame(new Uint8Array([7, 8]))], [0, 0, 0, 0, 2, 7, 8]);
  assertEquals([...encodeGrpcFrame(new Uint8Array(300)).subarray(0, 5)], [0, 0, 0, 1, 44]);
});

Deno.test("GrpcFrameDecoder reassembles messages split at any byte and several in one chunk", () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array(0);
  const c = new Uint8Array(70_000).fill(9);
  const wire = new Uint8Array([...encodeGrpcFrame(a), ...encodeGrpcFrame(b), ...encodeGrpcFrame(c)]);
  for (const step of [1, 4, 5, 6, 1000, wire.length]) {
    const decoder = new GrpcFrameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i += step) out.push(...decoder.push(wire.subarray(i, i + step)));
    assertEquals(out.map((m) => m.length), [3, 0, 70_000], `step ${step}`);
    assertEquals(out[0], a);
    assertEquals(decoder.pendingBytes, 0);
  }
});

Deno.test("GrpcFrameDecoder rejects compressed frames and messages over the limit", () => {
  assertThrows(() => new GrpcFrameDecoder().push(new Uint8Array([1, 0, 0, 0, 0])), /compressed/);
  assertThrows(() => new GrpcFrameDecoder(10).push(new Uint8Array([0, 0, 0, 0, 11])), /exceeds the limit/);
});

Deno.test("grpc-timeout uses at most 8 digits and parses back", () => {
  assertEquals(encodeGrpcTimeout(1500), "1500m");
  assertEquals(encodeGrpcTimeout(0.2), "1m");
  assertEquals(encodeGrpcTimeout(200_000_000), "200000S");
  assertEquals(parseGrpcTimeout("1500m"), 1500);
  assertEquals(parseGrpcTimeout("2S"), 2000);
  assertEquals(parseGrpcTimeout("5H"), 18_000_000);
  assertEquals(parseGrpcTimeout("123456789m"), undefined);
  assertEquals(parseGrpcTimeout("5x"), undefined);
});

Deno.test("grpc-message percent-encoding round-trips non-ASCII and percent signs", () => {
  const text = "failed: ünïcode 100% \n done";
  const encoded = encodeGrpcMessage(text);
  assertEquals(encoded, "failed: %C3%BCn%C3%AFcode 100%25 %0A done");
  assertEquals(decodeGrpcMessage(encoded), text);
  assertEquals(decodeGrpcMessage("50%zz"), "50%zz");
});

Deno.test("parseEndpoint() adds port 50000 and understands IPv6", () => {
  assertEquals(parseEndpoint("10.0.0.2").address, "10.0.0.2:50000");
  assertEquals(parseEndpoint("node-1:50001").url, "https://node-1:50001");
  assertEquals(parseEndpoint("[2a01:4f8::1]:50000").host, "2a01:4f8::1");
  assertEquals(parseEndpoint("2a01:4f8::1").address, "[2a01:4f8::1]:50000");
  assertThrows(() => parseEndpoint("10.0.0.2:99999"), /Cannot use Talos endpoint "10.0.0.2:99999"/);
  assertThrows(() => parseEndpoint("https://x"), /expected host/);
});

Deno.test("TalosError names its code and isTalosError() sees through NodeError", () => {
  const err = new TalosError(7, "not authorized", { method: "/machine.MachineService/Bootstrap", endpoint: "a:1" });
  assertEquals(err.message, "Cannot call Talos API Bootstrap on a:1: PERMISSION_DENIED: not authorized");
  assertEquals(grpcCodeName(99), "UNKNOWN");
  assertEquals(isTalosError(new NodeError("n1", err), "PERMISSION_DENIED"), true);
  assertEquals(isTalosError(err, "UNAVAILABLE"), false);
  assertEquals(isTalosError(new Error("x")), false);
});

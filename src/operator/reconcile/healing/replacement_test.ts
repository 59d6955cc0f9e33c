import { assertEquals } from "../../../../tests/assert.ts";
import type { NodeJudgement } from "./node_health.ts";
import { joinProgress, readReplacement, type Replacement, writeReplacement } from "./replacement.ts";

const MIN = 60_000;
const replacement: Replacement = {
  name: "demo-w-1",
  role: "worker",
  step: "join",
  startedAt: 0,
  replacedUid: "old-uid",
  addedAt: MIN,
};
const judgement = (nodeUid: string | undefined, verdict: NodeJudgement["verdict"]): NodeJudgement => ({
  name: "demo-w-1",
  role: "worker",
  index: 1,
  privateIp: "10.0.1.2",
  verdict,
  nodeUid,
  ready: undefined,
  notReadyForMs: undefined,
  notReadySinceMs: undefined,
  serverExists: true,
  replaceInMs: undefined,
});

Deno.test("joinProgress() ignores the replaced Node still in the watch cache and waits for the new one", () => {
  assertEquals(joinProgress(replacement, judgement("old-uid", "unreachable"), 2 * MIN, 5 * MIN), "registering");
  assertEquals(joinProgress(replacement, judgement(undefined, "joining"), 2 * MIN, 5 * MIN), "registering");
  assertEquals(joinProgress(replacement, judgement("new-uid", "joining"), 2 * MIN, 5 * MIN), "not-ready");
  assertEquals(joinProgress(replacement, judgement("new-uid", "ready"), 2 * MIN, 5 * MIN), "ready");
});

Deno.test("joinProgress() gives up when no new Node registered within the threshold or the new one is unreachable", () => {
  assertEquals(joinProgress(replacement, judgement(undefined, "absent"), 6 * MIN, 5 * MIN), "failed");
  assertEquals(joinProgress(replacement, judgement("new-uid", "unreachable"), 9 * MIN, 5 * MIN), "failed");
});

Deno.test("readReplacement() returns a copy of what writeReplacement() stored, and nothing once cleared", () => {
  const memory = new Map<string, unknown>();
  assertEquals(readReplacement(memory), undefined);
  writeReplacement(memory, replacement);
  const read = readReplacement(memory)!;
  read.step = "add";
  assertEquals(readReplacement(memory), replacement);
  writeReplacement(memory, undefined);
  assertEquals(memory.size, 0);
});

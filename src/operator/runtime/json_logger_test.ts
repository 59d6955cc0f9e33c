import { assertEquals } from "../../../tests/assert.ts";
import { createJsonLogger } from "./json_logger.ts";

const NOW = new Date("2026-01-01T12:00:00.000Z");

Deno.test("createJsonLogger() writes one JSON object a line with time, level, msg first, then fields", () => {
  const lines: string[] = [];
  const log = createJsonLogger({ write: (l) => lines.push(l), now: () => NOW }).with({ cluster: "prod" });
  log.info("reconciled", { durationMs: 812, nodes: { ready: 3 } });
  log.debug("dropped below info");
  log.error("reconcile failed", { err: new Error("Cannot create server", { cause: new Error("503") }) });
  assertEquals(lines.length, 2);
  assertEquals(lines.every((l) => !l.includes("\n")), true);
  assertEquals(JSON.parse(lines[0]!), {
    time: "2026-01-01T12:00:00.000Z",
    level: "info",
    msg: "reconciled",
    cluster: "prod",
    durationMs: 812,
    nodes: { ready: 3 },
  });
  assertEquals(Object.keys(JSON.parse(lines[0]!)).slice(0, 3), ["time", "level", "msg"]);
  assertEquals(JSON.parse(lines[1]!).err, {
    name: "Error",
    message: "Cannot create server",
    cause: { name: "Error", message: "503" },
  });
});

Deno.test("createJsonLogger() never writes credential values, however deep, and fields cannot forge level", () => {
  const lines: string[] = [];
  const log = createJsonLogger({ write: (l) => lines.push(l), level: "debug", now: () => NOW });
  log.warn("applied", {
    hcloudToken: "sekrit-1",
    nested: { machineConfig: "sekrit-2", talosconfig: "sekrit-3", list: [{ password: "sekrit-4" }] },
    level: "debug",
    privateKey: "sekrit-5",
  });
  assertEquals(/sekrit/.test(lines[0]!), false, lines[0]);
  const parsed = JSON.parse(lines[0]!);
  assertEquals([parsed.level, parsed.hcloudToken, parsed.nested.list[0].password], [
    "warn",
    "[redacted]",
    "[redacted]",
  ]);
});

import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { action, apiError, scriptedClient, server, TEST_TOKEN } from "../../tests/hcloud_fixtures.ts";
import { createTraceWriter, REDACTED, redactSecrets, renderTraceHuman, type TraceEntry } from "./trace.ts";

const PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";

Deno.test("redactSecrets() hides user_data, root_password, private keys and the token at any depth", () => {
  const input = {
    server: { name: "a", user_data: "machine: {token: x}", nested: [{ root_password: "pw", keep: 1 }] },
    private_key: "k",
    note: `key follows ${PEM} end`,
    echo: `Bearer ${TEST_TOKEN}`,
    root_password: null,
  };
  assertEquals(redactSecrets(input, [TEST_TOKEN]), {
    server: { name: "a", user_data: REDACTED, nested: [{ root_password: REDACTED, keep: 1 }] },
    private_key: REDACTED,
    note: `key follows ${REDACTED} end`,
    echo: `Bearer ${REDACTED}`,
    root_password: null,
  });
});

Deno.test("createTraceWriter() is off unless HCLOUD_DEBUG or HCLOUD_DEBUG_FILE is set", () => {
  const sinks = { err: () => {}, appendLine: () => {} };
  assertEquals(createTraceWriter(() => undefined, sinks), undefined);
  assertEquals(createTraceWriter((n) => (n === "HCLOUD_DEBUG" ? "0" : undefined), sinks), undefined);
  assertOk(createTraceWriter((n) => (n === "HCLOUD_DEBUG" ? "1" : undefined), sinks));
});

Deno.test("HCLOUD_DEBUG=1 prints each exchange to stderr", async () => {
  const printed: string[] = [];
  const trace = createTraceWriter((n) => (n === "HCLOUD_DEBUG" ? "1" : undefined), {
    err: (t) => printed.push(t),
    appendLine: () => {
      throw new Error("no file expected");
    },
  })!;
  const { client, script } = scriptedClient([
    { method: "GET", path: "/servers/1", response: { status: 200, body: { server: server(1, "cp-1") } } },
  ], { trace });
  await client.servers.get(1);
  assertEquals(printed.length, 1);
  assertIncludes(printed[0]!, "--> GET https://api.hetzner.cloud/v1/servers/1");
  assertIncludes(printed[0]!, "<-- 200");
  assertIncludes(printed[0]!, '"cp-1"');
  script.assertDone();
});

Deno.test("a trace file written with HCLOUD_DEBUG_FILE has one JSON object per exchange and no token or user_data", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/trace.jsonl`;
  try {
    const trace = createTraceWriter((n) => (n === "HCLOUD_DEBUG_FILE" ? file : undefined), {
      err: () => {},
      appendLine: (path, line) => Deno.writeTextFile(path, line, { append: true }),
    })!;
    const userData = "version: v1alpha1\nmachine:\n  token: abcdef.0123456789abcdef\n";
    const body = { name: "cp-1", server_type: "cx23", image: "1", user_data: userData };
    const { client, script } = scriptedClient([
      { method: "POST", path: "/servers", body, response: { status: 504, body: apiError("timeout") } },
      {
        method: "GET",
        path: "/servers",
        query: { name: "cp-1" },
        response: {
          status: 200,
          body: {
            servers: [],
            meta: {
              pagination: {
                page: 1,
                per_page: 25,
                previous_page: null,
                next_page: null,
                last_page: 1,
                total_entries: 0,
              },
            },
          },
        },
      },
      {
        method: "POST",
        path: "/servers",
        body,
        response: {
          status: 201,
          body: {
            server: server(1, "cp-1"),
            action: action(1, "create_server"),
            next_actions: [],
            root_password: "s3cret-root",
          },
        },
      },
    ], { trace });
    const created = await client.servers.create(body);
    assertEquals(created.rootPassword, "s3cret-root");
    script.assertDone();

    const text = await Deno.readTextFile(file);
    const lines = text.trim().split("\n");
    assertEquals(lines.length, 3);
    const entries = lines.map((l) => JSON.parse(l) as TraceEntry);
    assertEquals(Object.keys(entries[0]!), ["ts", "method", "url", "status", "durationMs", "request", "response"]);
    assertEquals(entries.map((e) => `${e.method} ${e.status}`), ["POST 504", "GET 200", "POST 201"]);
    assertEquals((entries[0]!.request as { user_data: string }).user_data, REDACTED);
    assertEquals((entries[2]!.response as { root_password: string }).root_password, REDACTED);
    assertEquals(entries[1]!.request, null);
    for (const secret of [TEST_TOKEN, "abcdef.0123456789abcdef", "v1alpha1", "s3cret-root"]) {
      assertOk(!text.includes(secret), `trace contains ${secret}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderTraceHuman() shows a failed exchange's reason", () => {
  const text = renderTraceHuman({
    ts: "2026-07-01T00:00:00.000Z",
    method: "GET",
    url: "https://x/v1/servers",
    status: 0,
    durationMs: 3,
    request: null,
    response: null,
    error: "connection refused",
  });
  assertIncludes(text, "<-- failed: connection refused (3 ms)");
});

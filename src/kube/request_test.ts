import { assertEquals, assertOk } from "../../tests/assert.ts";
import { createAgentPool } from "./agent_pool.ts";
import { KubeError } from "./errors.ts";
import type { KubeContext } from "./kubeconfig.ts";
import { requestJson } from "./request.ts";

/** A plain-HTTP context for `server` (no TLS, no credentials). */
function contextFor(server: string) {
  const kube: KubeContext = {
    server,
    proxyUrl: undefined,
    namespace: undefined,
    applyToHTTPSOptions: () => Promise.resolve(),
  };
  return { kube, agents: createAgentPool() };
}

/** A server that takes connections and reads requests but answers with `answer` (or never). */
async function withServer(
  answer: (conn: Deno.Conn) => Promise<void>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      answer(conn).catch(() => {});
    }
  })();
  try {
    await fn(`http://127.0.0.1:${listener.addr.port}`);
  } finally {
    listener.close();
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await serving.catch(() => {});
  }
}

async function failure(call: Promise<unknown>): Promise<KubeError> {
  try {
    await call;
  } catch (err) {
    assertOk(err instanceof KubeError, String(err));
    return err;
  }
  throw new Error("the request did not fail");
}

Deno.test("a request without a complete answer fails as Timeout instead of waiting forever", async () => {
  await withServer(async (conn) => {
    await conn.read(new Uint8Array(4096)); // the request, then silence
  }, async (url) => {
    const ctx = contextFor(url);
    const started = Date.now();
    const err = await failure(
      requestJson(ctx, { method: "GET", url: `${url}/api/v1/nodes`, timeoutMs: 300 }, "list Nodes"),
    );
    assertEquals([err.status, err.reason], [0, "Timeout"]);
    assertEquals(err.message, "Cannot list Nodes: no complete answer within 0.3 s");
    assertOk(Date.now() - started < 10_000, "it failed at its timeout");
    ctx.agents.destroy();
  });
});

Deno.test("a connection closed in the middle of an answer fails the request", async () => {
  await withServer(async (conn) => {
    await conn.read(new Uint8Array(4096));
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"kind":';
    await conn.write(new TextEncoder().encode(head));
    conn.close();
  }, async (url) => {
    const ctx = contextFor(url);
    const err = await failure(
      requestJson(ctx, { method: "GET", url: `${url}/api/v1/nodes`, timeoutMs: 10_000 }, "list Nodes"),
    );
    assertEquals(err.status, 0);
    assertOk(err.reason !== "Timeout", `${err.reason}: ${err.message}`);
    ctx.agents.destroy();
  });
});

Deno.test("a complete answer within the timeout resolves and leaves no timer behind", async () => {
  await withServer(async (conn) => {
    await conn.read(new Uint8Array(4096));
    const body = '{"kind":"NodeList","items":[]}';
    await conn.write(
      new TextEncoder().encode(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      ),
    );
  }, async (url) => {
    const ctx = contextFor(url);
    const answer = await requestJson(ctx, { method: "GET", url: `${url}/api/v1/nodes` }, "list Nodes");
    assertEquals(answer, { kind: "NodeList", items: [] });
    ctx.agents.destroy();
  });
});

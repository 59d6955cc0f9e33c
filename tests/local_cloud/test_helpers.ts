/**
 * Small helpers for local-cloud tests: a Hetzner call that fails loudly, waiting for actions and
 * conditions, and checking that nothing listens at an address any more.
 *
 * @module
 */
import { call, type CallResult } from "../hcloud_sim/test_client.ts";

/** Calls the simulator and throws (with the response body) unless the status is `expect`. */
export async function hcloud(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  expect = method === "POST" ? 201 : 200,
): Promise<CallResult> {
  const res = await call(base, method, path, body);
  if (res.status !== expect) {
    throw new Error(`${method} ${path} answered ${res.status}, expected ${expect}: ${JSON.stringify(res.body)}`);
  }
  return res;
}

/**
 * Polls `check` every 10 ms until it returns a value other than undefined/false; throws naming `what`.
 * The default deadline only ends a hang (no test waits for it to pass): 5 s was once too short for a
 * node to be configured on a machine at load 15-17.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the action `id` succeeded (throws when it failed). */
export async function waitForAction(base: string, id: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(`action ${id}`, async () => {
    const { body } = await hcloud(base, "GET", `/actions/${id}`);
    if (body.action.status === "error") throw new Error(`action ${id} failed: ${JSON.stringify(body.action.error)}`);
    return body.action.status === "success";
  }, timeoutMs);
}

/** Whether a TCP connection to `hostname:port` is refused (nothing listens). */
export async function isRefused(hostname: string, port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return false;
  } catch (err) {
    if (err instanceof Deno.errors.ConnectionRefused) return true;
    throw err;
  }
}

/** A server of cluster `cluster` with role `role`, booted from `image` on `network`: its id and addresses. */
export async function createClusterServer(
  url: string,
  server: { name: string; cluster: string; role: string; image: number; network: number },
): Promise<{ id: number; ip: string; privateIp: string }> {
  const { body } = await hcloud(url, "POST", "/servers", {
    name: server.name,
    server_type: "cx23",
    image: server.image,
    location: "nbg1",
    networks: [server.network],
    labels: { "k8zner.io/cluster": server.cluster, "k8zner.io/role": server.role },
  });
  return {
    id: body.server.id as number,
    ip: body.server.public_net.ipv4.ip as string,
    privateIp: body.server.private_net[0].ip as string,
  };
}

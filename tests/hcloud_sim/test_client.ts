/**
 * A tiny plain-fetch caller for simulator tests (deliberately not the real client, so the
 * simulator is tested on its own).
 *
 * @module
 */

/** A parsed response. */
export interface CallResult {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

/** Calls `method base+path` with a bearer token and an optional JSON body. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? "test-token" : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await (opts.fetch ?? fetch)(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: opts.signal,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Polls `GET /actions?id=…` until every action left `running` (simulated time runs fast in tests). */
export async function waitForActions(base: string, ids: number[], opts: { fetch?: typeof fetch } = {}) {
  for (let i = 0; i < 2000; i++) {
    const res = await call(base, "GET", `/actions?${ids.map((id) => `id=${id}`).join("&")}`, undefined, opts);
    // deno-lint-ignore no-explicit-any
    if (res.status === 200 && res.body.actions.every((a: any) => a.status !== "running")) return res.body.actions;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`actions ${ids.join(",")} still running`);
}

/** A syntactically valid ed25519 public key line derived from `seed` (not a usable key pair). */
export function fakeEd25519Key(seed: number, comment = `test-${seed}`): string {
  const type = new TextEncoder().encode("ssh-ed25519");
  const blob = new Uint8Array(4 + type.length + 4 + 32);
  const view = new DataView(blob.buffer);
  view.setUint32(0, type.length);
  blob.set(type, 4);
  view.setUint32(4 + type.length, 32);
  for (let i = 0; i < 32; i++) blob[8 + type.length + i] = (seed * 31 + i * 7) & 255;
  return `ssh-ed25519 ${btoa(String.fromCharCode(...blob))} ${comment}`;
}

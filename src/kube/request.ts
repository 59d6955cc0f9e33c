/**
 * Requests with the TLS options and auth headers of the kubeconfig (kubeconfig.ts, read as
 * @kubernetes/client-node reads it) over `node:http(s)` with the client's keep-alive agents (agent_pool.ts), for every call
 * k8zner makes, since its typed APIs open a connection per call and also get these wrong:
 *
 * - writes: its typed models serialize built-in kinds field by field and silently drop any field they
 *   do not know, so a typo in a rendered manifest never reached the server to be refused. Raw JSON
 *   bodies with `fieldValidation=Strict` let the API server refuse it;
 * - watches: its `Watch` can drop the last line when the server closes right after it (exactly how a
 *   410 ERROR event arrives) and never shows the `Status` body of a non-200 answer.
 *
 * @module
 */
import { KubeError, toKubeError } from "./errors.ts";
import type { KubeObject, WatchEventType } from "./types.ts";
import type { KubeWatch } from "./client.ts";
import type { AgentPool } from "./agent_pool.ts";
import type { KubeContext } from "./kubeconfig.ts";

/** What a request needs from its client: the kubeconfig's current context and the client's keep-alive agents. */
export interface RequestContext {
  kube: KubeContext;
  agents: AgentPool;
}

async function open({ kube, agents }: RequestContext, url: URL, use: "request" | "watch") {
  const options: import("node:https").RequestOptions = {};
  await kube.applyToHTTPSOptions(options);
  // client-node made a fresh agent for this one request; a proxy agent (cluster `proxy-url`) stays.
  if (!kube.proxyUrl) options.agent = agents.agentFor(url, options, use);
  const transport = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return { options, transport };
}

/**
 * How long one request (not a watch) may go without its complete answer before it fails as a
 * `Timeout`. kube-apiserver ends a request that is not long-running after 60 s (`--request-timeout`)
 * with a 504 of its own, so no answer well after that means a dead connection; before this, such a
 * request (a half-open keep-alive socket) could hang an operator pass or a test forever.
 */
export const REQUEST_TIMEOUT_MS = 90_000;

/**
 * Sends one request with a JSON (or apply-patch) body and resolves with the parsed answer; a
 * non-2xx answer rejects with the KubeError of its `Status`, no complete answer within `timeoutMs`
 * (default {@link REQUEST_TIMEOUT_MS}) or a connection closed mid-answer with a KubeError of status 0.
 * `what` names the call for messages.
 */
export async function requestJson(
  ctx: RequestContext,
  request: {
    method: string;
    url: string;
    query?: Record<string, string>;
    body?: unknown;
    contentType?: string;
    /** The media type asked for; default `application/json`. */
    accept?: string;
    /** See {@link REQUEST_TIMEOUT_MS}. */
    timeoutMs?: number;
  },
  what: string,
): Promise<unknown> {
  const url = new URL(request.url);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const { options, transport } = await open(ctx, url, "request");
  const headers: Record<string, string | string[] | number | undefined> = {
    ...(options.headers as Record<string, string> | undefined),
    accept: request.accept ?? "application/json",
  };
  if (payload !== undefined) headers["content-type"] = request.contentType ?? "application/json";
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  const req = transport.request(url, { ...options, method: request.method, headers }, (res) => {
    res.setEncoding("utf8");
    let text = "";
    let ended = false;
    res.on("data", (chunk: string) => text += chunk);
    res.on("close", () => {
      if (!ended) reject(new KubeError(0, "NetworkError", `Cannot ${what}: the connection closed mid-answer`));
    });
    res.on("end", () => {
      ended = true;
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) return reject(toKubeError({ code, body: text }, what));
      try {
        resolve(text === "" ? undefined : JSON.parse(text));
      } catch {
        reject(new KubeError(code, "InvalidResponse", `Cannot ${what}: the answer is not JSON`));
      }
    });
    res.on("error", (err: Error) => reject(toKubeError(err, what)));
  });
  req.on("error", (err: Error) => reject(toKubeError(err, what)));
  const timeoutMs = request.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const timer = setTimeout(() => {
    const err = new KubeError(0, "Timeout", `Cannot ${what}: no complete answer within ${timeoutMs / 1000} s`);
    reject(err);
    req.destroy(err);
  }, timeoutMs);
  req.end(payload);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
  }
}

/** One watch request, parsing the newline-delimited events itself (see the module docs for why). */
export async function streamWatch(
  ctx: RequestContext,
  url: string,
  query: Record<string, string>,
  what: { kind: string; path: string },
  onEvent: (type: WatchEventType, object: KubeObject) => void,
  watches: Set<() => void>,
): Promise<KubeWatch> {
  const target = new URL(url);
  target.searchParams.set("watch", "true");
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  const { options, transport } = await open(ctx, target, "watch");
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  // Resolves once the response starts (or the request fails: then `done` carries the error).
  const { promise: started, resolve: headersArrived } = Promise.withResolvers<void>();
  let stopped = false;
  let settled = false;
  const settle = (err?: KubeError) => {
    if (settled) return;
    settled = true;
    watches.delete(stop);
    if (err && !stopped) reject(err);
    else resolve();
    headersArrived();
  };
  const describeWatch = `watch ${what.kind} (${what.path})`;
  const req = transport.request(target, { ...options, method: "GET" }, (res) => {
    res.setEncoding("utf8");
    let buffer = "";
    if (res.statusCode !== 200) {
      res.on("data", (chunk: string) => buffer += chunk);
      res.on("end", () => {
        settle(toKubeError({ code: res.statusCode ?? 0, body: buffer }, describeWatch));
      });
      return;
    }
    headersArrived();
    const deliver = (line: string) => {
      if (line.trim() === "" || stopped) return;
      let event: { type: WatchEventType; object: KubeObject };
      try {
        event = JSON.parse(line);
      } catch {
        return settle(new KubeError(0, "WatchFailed", `Cannot ${describeWatch}: malformed event ${line.slice(0, 80)}`));
      }
      onEvent(event.type, event.object);
    };
    res.on("data", (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        deliver(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    });
    res.on("end", () => {
      deliver(buffer);
      settle();
    });
    res.on("error", (err: Error) => settle(toKubeError(err, describeWatch)));
    res.on("aborted", () => settle(new KubeError(0, "NetworkError", `Cannot ${describeWatch}: connection aborted`)));
  });
  req.on("error", (err: Error) => settle(toKubeError(err, describeWatch)));
  req.end();
  function stop(): void {
    stopped = true;
    req.destroy();
    settle();
  }
  watches.add(stop);
  await started;
  return { stop, done };
}

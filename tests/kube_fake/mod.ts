/**
 * A fake Kubernetes API server for tests and the local cloud: a real HTTP(S) server speaking the
 * Kubernetes REST conventions (discovery, aggregated discovery, OpenAPI v3, CRUD, merge/JSON patch,
 * server-side apply with field ownership and conflicts, status subresource, watch, live CRDs,
 * garbage collection), backed by an in-memory {@link FakeKubeStore}. Every GA built-in type of
 * Kubernetes v1.35 is served, derived from `../shared/contracts/kubernetes-openapi-v2.json`; the real
 * Helm v4 and kubectl 1.35 are checked against it (helm_test.ts, kubectl_test.ts).
 *
 * ```ts
 * const api = await startFakeKubeApi();
 * await Deno.writeTextFile("kubeconfig", api.kubeconfigYaml());
 * // … kubectl or @kubernetes/client-node against api.url …
 * await api.close();
 * ```
 *
 * @module
 */
import { type AuthorizationMode, FakeKubeHandler, type Fault, isWatchRequest, type RecordedRequest } from "./server.ts";
import { serveMutualTls } from "./mtls_serve.ts";
import { FakeKubeStore } from "./store.ts";
import { ADMIN_TOKEN } from "./authn.ts";

export { FakeKubeStore, type KubeObj, type WatchEvent } from "./store.ts";
export type { AuthorizationMode, Fault, RecordedRequest } from "./server.ts";
export { ADMIN_TOKEN, type UserInfo } from "./authn.ts";
export { BUILTIN_RESOURCES, type ResourceType } from "./resources.ts";

/** Options of {@link startFakeKubeApi}. */
export interface FakeKubeApiOptions {
  /** Address to listen on (any 127.x.y.z works without setup). Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /**
   * Serve HTTPS with this certificate and key (PEM) instead of plain HTTP; with `clientCaPem`, client
   * certificates chaining to it authenticate as their CN (user) and O (groups).
   */
  tls?: { certPem: string; keyPem: string; clientCaPem?: string };
  /**
   * `RBAC` authorizes every request from the RBAC objects in the store, as kube-apiserver with
   * `--authorization-mode=RBAC`; `AlwaysAllow` (default) lets every authenticated or anonymous request
   * through. Invalid credentials are refused (401) in both.
   */
  authorization?: AuthorizationMode;
  /** What `/version` reports. Default `v1.32.0`. */
  kubernetesVersion?: string;
  /** Clock for timestamps. */
  now?: () => Date;
  /** Serve an existing store (e.g. to restart a server on the same state). */
  store?: FakeKubeStore;
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK. Default 60 s, as the API server. */
  bookmarkIntervalMs?: number;
}

/** A running fake API server. */
export interface FakeKubeApi {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly store: FakeKubeStore;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Makes the next matching request(s) fail with a `Status` of the given code. */
  failNext(fault: Fault): void;
  /** Ends the open watches of one plural resource (`nodes`), or all; returns how many. */
  dropWatches(resource?: string): number;
  /** Keeps the open watches of one plural resource, or all, connected but silent; returns how many. */
  stallWatches(resource?: string): number;
  /** Forgets the change history (etcd compaction): a watch from an older resourceVersion gets 410 Expired. */
  compactHistory(): void;
  /** A kubeconfig (YAML) pointing at this server, TLS verification off, context `fake`. */
  kubeconfigYaml(options?: { namespace?: string }): string;
  /**
   * The connections clients opened so far, as the User-Agent of each one's first request ("" without
   * one): each HTTPS one costs both sides a TLS handshake, so a client that reuses its connections keeps
   * their number near its concurrency, not its request count.
   */
  connections(): readonly string[];
  /**
   * Closes the connections with no request in progress, as kube-apiserver does after 90 s idle (or a
   * load balancer sooner); returns how many. Only the mutual-TLS server (`tls.clientCaPem`) can.
   */
  closeIdleConnections(): number;
  /** Cuts the next request sent on a reused connection without an answer (mutual-TLS server only). */
  cutNextReusedRequest(): void;
  /** Ends open watches and stops the server. */
  close(): Promise<void>;
}

/** How a server tells its connections. */
interface Connections {
  count(): readonly string[];
  closeIdle(): number;
  cutNextReused(): void;
}

/** Starts a fake Kubernetes API server and resolves once it listens. */
export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const hostname = options.hostname ?? "127.0.0.1";
  const store = options.store ?? new FakeKubeStore({ now: options.now });
  let address = "";
  const handler = new FakeKubeHandler(store, {
    kubernetesVersion: options.kubernetesVersion ?? "v1.32.0",
    serverAddress: () => address,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    authorization: options.authorization ?? "AlwaysAllow",
  });
  if (options.tls?.clientCaPem) {
    const mtls = await serveMutualTls(
      {
        hostname,
        port: options.port ?? 0,
        ...options.tls,
        clientCaPem: options.tls.clientCaPem,
        longRunning: isWatchRequest,
      },
      (req, peer) => handler.handle(req, peer),
    );
    address = `${mtls.addr.hostname}:${mtls.addr.port}`;
    const connections = {
      count: () => mtls.connections,
      closeIdle: () => mtls.closeIdleConnections(),
      cutNextReused: () => mtls.cutNextReusedRequest(),
    };
    return runningApi(`https://${address}`, store, handler, connections, async () => await mtls.shutdown());
  }
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const serveOptions = {
    hostname,
    port: options.port ?? 0,
    onListen: (addr: Deno.NetAddr) => resolve(addr),
    onError: (err: unknown) =>
      new Response(JSON.stringify({ kind: "Status", status: "Failure", message: String(err), code: 500 }), {
        status: 500,
      }),
  };
  // Deno.serve shows no connections, only each request's peer address: a connection is a client port.
  const peers = new Map<string, string>();
  const serve = (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => {
    const peer = `${info.remoteAddr.hostname}:${info.remoteAddr.port}`;
    if (!peers.has(peer)) peers.set(peer, req.headers.get("user-agent") ?? "");
    return handler.handle(req);
  };
  const server = options.tls
    ? Deno.serve({ ...serveOptions, cert: options.tls.certPem, key: options.tls.keyPem }, serve)
    : Deno.serve(serveOptions, serve);
  const connections = {
    count: () => [...peers.values()],
    closeIdle: () => {
      throw new TypeError("closeIdleConnections() needs the mutual-TLS server: pass tls.clientCaPem");
    },
    cutNextReused: () => {
      throw new TypeError("cutNextReusedRequest() needs the mutual-TLS server: pass tls.clientCaPem");
    },
  };
  const addr = await listening;
  address = `${addr.hostname}:${addr.port}`;
  return runningApi(
    `${options.tls ? "https" : "http"}://${address}`,
    store,
    handler,
    connections,
    () => server.shutdown(),
  );
}

function runningApi(
  url: string,
  store: FakeKubeStore,
  handler: FakeKubeHandler,
  connections: Connections,
  shutdown: () => Promise<void>,
): FakeKubeApi {
  let closed: Promise<void> | undefined;
  return {
    url,
    store,
    requests: handler.requests,
    failNext: (fault) => handler.failNext(fault),
    dropWatches: (resource) => handler.dropWatches(resource),
    stallWatches: (resource) => handler.stallWatches(resource),
    compactHistory: () => store.compactHistory(),
    connections: () => connections.count(),
    closeIdleConnections: () => connections.closeIdle(),
    cutNextReusedRequest: () => connections.cutNextReused(),
    kubeconfigYaml: (kc = {}) =>
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: fake",
        "  cluster:",
        `    server: ${url}`,
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: fake",
        "  user:",
        `    token: ${ADMIN_TOKEN}`,
        "contexts:",
        "- name: fake",
        "  context:",
        "    cluster: fake",
        "    user: fake",
        ...(kc.namespace ? [`    namespace: ${kc.namespace}`] : []),
        "current-context: fake",
        "",
      ].join("\n"),
    close: () => {
      closed ??= (async () => {
        handler.closeStreams();
        await shutdown();
      })();
      return closed;
    },
  };
}

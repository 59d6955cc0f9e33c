/**
 * The HTTP surface of the fake Kubernetes API: URL routing by Kubernetes REST conventions,
 * content types for patches and server-side apply, `Status` errors and streaming watches.
 *
 * @module
 */
import { renderCoreVersions, renderGroup1, renderGroupList, renderResourceList, renderVersion } from "./discovery.ts";
import { applyJsonPatch, applyMergePatch } from "./patch.ts";
import { parseApplyPatchBody } from "./apply_patch_body.ts";
import { evictPod } from "./eviction.ts";
import type { FieldValidation } from "./openapi_validation.ts";
import { type IncludeObject, printerColumnsOf, renderTable, wantsTable } from "./tables.ts";
import { renderPartialMetadataList, wantsPartialMetadataList } from "./partial_metadata.ts";
import { renderNodeTable } from "./node_table.ts";
import { renderEventTable } from "./event_table.ts";
import type { ResourceType } from "./resources.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { badRequest, KubeStatusError } from "./status.ts";
import type { PeerCertificate, UserInfo } from "./authn.ts";
import { authorize, type RequestAttributes, reviewSelfSubjectAccess } from "./rbac.ts";
import { decodeSelfSubjectAccessReview } from "./protobuf_review.ts";
import type { FakeKubeStore, KubeObj, WatchEvent } from "./store.ts";
import { OpenApiV3 } from "./openapi_v3.ts";
import { AggregatedDiscovery, wantsAggregatedDiscovery } from "./aggregated_discovery.ts";
import { decodeProtobufSecret } from "./protobuf_secret.ts";
import { propagationPolicyOf } from "./garbage_collector.ts";
import { type AdmissionAttributes, admitByWebhooks } from "./admission_webhooks.ts";

/** One request the fake received, for assertions. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The query string, without `?` ("" when none). */
  query: string;
  contentType: string | undefined;
  /** The Accept header, if any. */
  accept?: string;
  /** The User-Agent header, if any (Helm's and kubectl's name them; k8zner's client sends none). */
  userAgent?: string;
  /** The authenticated user (`system:anonymous` without credentials); unset when authentication failed. */
  user?: string;
  /** The response status (set once answered). */
  status?: number;
}

/** How requests are authorized: every authenticated request allowed, or kube-apiserver's RBAC. */
export type AuthorizationMode = "AlwaysAllow" | "RBAC";

/** A failure to return instead of handling a matching request. */
export interface Fault {
  method?: string;
  /** A path prefix or a pattern the request path must match. */
  path?: string | RegExp;
  code: number;
  reason?: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

interface Route {
  rt: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const encoder = new TextEncoder();

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Whether a request asks for a watch (`?watch=true`), the only answer of this server that streams. */
export function isWatchRequest(url: URL): boolean {
  const watch = url.searchParams.get("watch");
  return watch === "1" || watch === "true";
}

/** Routes requests to a store; owns the open watch streams. */
export class FakeKubeHandler {
  readonly requests: RecordedRequest[] = [];
  #faults: (Fault & { left: number })[] = [];
  #streams = new Set<OpenWatch>();
  #openapi: OpenApiV3;
  #discovery: AggregatedDiscovery;

  constructor(
    readonly store: FakeKubeStore,
    readonly options: {
      kubernetesVersion: string;
      serverAddress: () => string;
      bookmarkIntervalMs: number;
      authorization?: AuthorizationMode;
    },
  ) {
    const crds = store.typeOf("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    this.#openapi = new OpenApiV3({
      types: () => store.registry.all(),
      crd: (name) => store.get(crds, undefined, name),
      crdResourceVersion: (name) => store.resourceVersionOf(crds, undefined, name),
    });
    this.#discovery = new AggregatedDiscovery(store.registry);
  }

  /** Makes the next matching request(s) fail with a Status of `code`. */
  failNext(fault: Fault): void {
    this.#faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /**
   * Ends every open watch stream of this server (each unsubscribes its own watcher). Not the store's other
   * watchers: every API server of a cluster shares one store (etcd), and one server stopping must not
   * silence the watches served by the others.
   */
  closeStreams(): void {
    for (const stream of [...this.#streams]) stream.end();
  }

  /** Ends the open watches (of one plural resource, or all) as a server restart or a load balancer would. */
  dropWatches(resource?: string): number {
    const doomed = [...this.#streams].filter((s) => resource === undefined || s.resource === resource);
    for (const stream of doomed) stream.end();
    return doomed.length;
  }

  /** Keeps the open watches (of one plural resource, or all) connected but silent from now on. */
  stallWatches(resource?: string): number {
    const stalled = [...this.#streams].filter((s) => resource === undefined || s.resource === resource);
    for (const stream of stalled) stream.stall();
    return stalled.length;
  }

  /** Handles one request; `peer` is the client certificate of its TLS connection, if any. */
  handle = async (req: Request, peer?: PeerCertificate): Promise<Response> => {
    const url = new URL(req.url);
    const record: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      contentType: req.headers.get("content-type") ?? undefined,
      ...(req.headers.has("accept") ? { accept: req.headers.get("accept")! } : {}),
      ...(req.headers.has("user-agent") ? { userAgent: req.headers.get("user-agent")! } : {}),
    };
    this.requests.push(record);
    try {
      const user = this.#authenticate(req, peer);
      record.user = user.name;
      const fault = this.#takeFault(req.method, url.pathname);
      if (fault) {
        await req.body?.cancel();
        throw new KubeStatusError(fault.code, fault.reason ?? "InternalError", fault.message ?? "injected fault");
      }
      const res = await this.#route(req, url, user);
      record.status = res.status;
      return res;
    } catch (err) {
      const failure = err instanceof KubeStatusError
        ? err
        : new KubeStatusError(500, "InternalError", err instanceof Error ? err.message : String(err));
      record.status = failure.code;
      return json(failure.code, failure.toStatus());
    }
  };

  #authenticate(req: Request, peer: PeerCertificate | undefined): UserInfo {
    const rt = this.store.typeOf("v1", "ServiceAccount");
    const user = this.store.auth.authenticate(req.headers.get("authorization"), peer, (namespace, name) => {
      const uid = (this.store.get(rt, namespace, name)?.metadata as Record<string, unknown> | undefined)?.uid;
      return typeof uid === "string" ? uid : undefined;
    });
    return impersonated(req.headers, user, (attrs) => this.#authorize(user, attrs));
  }

  #authorize(user: UserInfo, attrs: RequestAttributes): void {
    if ((this.options.authorization ?? "AlwaysAllow") === "RBAC") authorize(this.store, user, attrs);
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) =>
      (f.method === undefined || f.method === method) &&
      (f.path === undefined || (typeof f.path === "string" ? path.startsWith(f.path) : f.path.test(path)))
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    if (--fault.left <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  async #route(req: Request, url: URL, user: UserInfo): Promise<Response> {
    const path = url.pathname.replace(/\/+$/, "");
    const registry = this.store.registry;
    const isResourcePath = /^\/api\/v1\/.+/.test(path) || /^\/apis\/[^/]+\/[^/]+\/.+/.test(path);
    if (!isResourcePath) {
      const verb = { GET: "get", HEAD: "head", POST: "post", PUT: "put", PATCH: "patch", DELETE: "delete" }[req.method];
      this.#authorize(user, { kind: "nonResource", verb: verb ?? req.method.toLowerCase(), path: path || "/" });
    }
    if (req.method === "GET") {
      if (path === "/version") return json(200, renderVersion(this.options.kubernetesVersion));
      if (path === "/healthz" || path === "/livez" || path === "/readyz") {
        return new Response("ok", { headers: { "content-type": "text/plain" } });
      }
      if ((path === "/api" || path === "/apis") && wantsAggregatedDiscovery(req.headers.get("accept"))) {
        return this.#discovery.serve(req, path === "/api");
      }
      if (path === "/api") return json(200, renderCoreVersions(this.options.serverAddress()));
      if (path === "/apis") return json(200, renderGroupList(registry));
      const openapi = this.#openapi.serve(req, url);
      if (openapi) return openapi;
    }
    const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api" && parts[1] === "v1") {
      [group, version, rest] = ["", "v1", parts.slice(2)];
    } else if (parts[0] === "apis" && parts.length >= 2) {
      if (parts.length === 2) {
        const doc = req.method === "GET" ? renderGroup1(registry, parts[1]!) : undefined;
        if (doc) return json(200, doc);
        throw notFoundPath(path);
      }
      [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
    } else {
      throw notFoundPath(path);
    }
    if (rest.length === 0) {
      const doc = req.method === "GET" ? renderResourceList(registry, group, version) : undefined;
      if (doc) return json(200, doc);
      throw notFoundPath(path);
    }
    const route = this.#resolve(group, version, rest, path);
    const attributes = resourceAttributes(req.method, url.searchParams, route);
    this.#authorize(user, attributes);
    // A type served without a verb (ComponentStatus: get and list only) refuses it, as the API server does.
    const mainVerb = attributes.verb === "deletecollection" || route.subresource !== undefined
      ? undefined
      : attributes.verb;
    if (route.rt.verbs && mainVerb !== undefined && !route.rt.verbs.includes(mainVerb)) {
      throw methodNotAllowed(req.method);
    }
    if (route.rt.createOnly) {
      if (req.method !== "POST" || route.name !== undefined) throw methodNotAllowed(req.method);
      const mode = this.options.authorization ?? "AlwaysAllow";
      const body = (req.headers.get("content-type") ?? "").includes("protobuf")
        ? decodeSelfSubjectAccessReview(new Uint8Array(await req.arrayBuffer()))
        : await readBody(req);
      return json(201, reviewSelfSubjectAccess(this.store, user, body, mode));
    }
    return await this.#dispatch(req, url, route);
  }

  #resolve(group: string, version: string, rest: string[], path: string): Route {
    const registry = this.store.registry;
    const namespacedForm = rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" &&
      rest[2] !== "finalize";
    if (namespacedForm) {
      const rt = registry.byResource(group, version, rest[2]!);
      if (!rt || !rt.namespaced || rest.length > 5) throw notFoundPath(path);
      return { rt, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const rt = registry.byResource(group, version, rest[0]!);
    if (!rt || rest.length > 3) throw notFoundPath(path);
    if (rt.namespaced && rest.length > 1) throw notFoundPath(path);
    return { rt, namespace: undefined, name: rest[1], subresource: rest[2] };
  }

  async #dispatch(req: Request, url: URL, route: Route): Promise<Response> {
    const { rt, namespace, name, subresource } = route;
    const q = url.searchParams;
    const dryRun = q.get("dryRun") === "All";
    const fieldManager = q.get("fieldManager") ?? undefined;
    const fieldValidation = fieldValidationOf(q);
    const warnings: string[] = [];
    if (subresource === "eviction" && rt.group === "" && rt.kind === "Pod" && name !== undefined) {
      if (req.method !== "POST") throw methodNotAllowed(req.method);
      return json(201, evictPod(this.store, namespace ?? "", name, await readBody(req)));
    }
    if (subresource !== undefined && (subresource !== "status" || !rt.hasStatus)) {
      throw notFoundPath(url.pathname);
    }
    const sub = subresource as "status" | undefined;
    if (name === undefined) {
      const matches = selectorOf(q);
      switch (req.method) {
        case "GET": {
          const table = this.#tableFor(rt, req, q);
          if (isWatchRequest(url)) {
            return this.#watch(rt, namespace, matches, q, table);
          }
          const list = this.#listBody(rt, namespace, matches);
          if (wantsPartialMetadataList(req.headers.get("accept"))) return json(200, renderPartialMetadataList(list));
          return json(200, table ? table(list.items as KubeObj[], false) : list);
        }
        case "POST": {
          const body = await readBody(req);
          this.#admit({ operation: "CREATE", rt, namespace, object: body });
          const created = this.store.create(rt, namespace, body, {
            dryRun,
            fieldManager,
            fieldValidation,
            warnings,
          });
          return withWarnings(json(201, created), warnings);
        }
        case "DELETE": {
          const propagationPolicy = await propagationPolicyOf(req, q);
          const doomed = this.store.list(rt, namespace, matches);
          for (const obj of doomed) {
            const meta = obj.metadata as Record<string, unknown>;
            this.#admit({ operation: "DELETE", rt, namespace, object: undefined, oldObject: obj });
            this.store.delete(rt, namespace ?? String(meta.namespace ?? ""), String(meta.name), {
              dryRun,
              propagationPolicy,
            });
          }
          return json(200, this.#listBody(rt, namespace, () => false, doomed));
        }
        default:
          throw methodNotAllowed(req.method);
      }
    }
    switch (req.method) {
      case "GET": {
        const object = this.store.read(rt, namespace, name);
        const table = this.#tableFor(rt, req, q);
        return json(200, table ? table([object], false) : object);
      }
      case "PUT": {
        const body = await readBody(req);
        this.#admit({
          operation: "UPDATE",
          rt,
          namespace,
          subresource: sub,
          object: body,
          oldObject: this.store.read(rt, namespace, name),
        });
        const updated = this.store.update(rt, namespace, name, body, {
          subresource: sub,
          dryRun,
          fieldManager,
          fieldValidation,
          warnings,
        });
        return withWarnings(json(200, updated), warnings);
      }
      case "PATCH":
        return withWarnings(
          await this.#patch(req, q, route, name, { subresource: sub, dryRun, fieldManager, fieldValidation, warnings }),
          warnings,
        );
      case "DELETE": {
        const propagationPolicy = await propagationPolicyOf(req, q);
        if (sub) throw methodNotAllowed(req.method);
        this.#admit({
          operation: "DELETE",
          rt,
          namespace,
          object: undefined,
          oldObject: this.store.read(rt, namespace, name),
        });
        return json(200, this.store.delete(rt, namespace, name, { dryRun, propagationPolicy }));
      }
      default:
        throw methodNotAllowed(req.method);
    }
  }

  /** The admission webhooks' say on a write (admission_webhooks.ts); throws the API server's refusal. */
  #admit(attributes: AdmissionAttributes): void {
    const store = this.store;
    admitByWebhooks(attributes, {
      list: (apiVersion, kind, namespace) => {
        const rt = store.registry.byKind(apiVersion, kind);
        return rt ? store.list(rt, namespace) : [];
      },
      get: (apiVersion, kind, name, namespace) => {
        const rt = store.registry.byKind(apiVersion, kind);
        return rt ? store.get(rt, namespace, name) : undefined;
      },
    });
  }

  /**
   * A Table renderer when the client asked for one and the type is a custom resource, a Node or an
   * Event (see tables.ts for why other built-in kinds answer with plain lists), else undefined.
   */
  #tableFor(
    rt: ResourceType,
    req: Request,
    q: URLSearchParams,
  ): ((objects: KubeObj[], noHeaders: boolean) => KubeObj) | undefined {
    const isNode = rt.group === "" && rt.kind === "Node";
    const isEvent = rt.group === "" && rt.kind === "Event";
    if ((rt.crd === undefined && !isNode && !isEvent) || !wantsTable(req.headers.get("accept"))) return undefined;
    const include = q.get("includeObject") ?? "Metadata";
    if (include !== "None" && include !== "Metadata" && include !== "Object") {
      throw badRequest(
        `includeObject: Unsupported value: "${include}": supported values: "None", "Metadata", "Object"`,
      );
    }
    if (isNode || isEvent) {
      const render = isNode ? renderNodeTable : renderEventTable;
      return (objects, noHeaders) =>
        render(objects, {
          resourceVersion: this.store.resourceVersion,
          now: this.store.now().getTime(),
          includeObject: include as IncludeObject,
          noHeaders,
        });
    }
    const crd = this.store.get(
      this.store.typeOf("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
      undefined,
      rt.crd!,
    );
    const columns = printerColumnsOf(crd, rt.version);
    return (objects, noHeaders) =>
      renderTable(objects, columns, {
        resourceVersion: this.store.resourceVersion,
        now: this.store.now().getTime(),
        includeObject: include as IncludeObject,
        noHeaders,
      });
  }

  #listBody(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean,
    items?: KubeObj[],
  ): Record<string, unknown> {
    return {
      apiVersion: rt.group === "" ? rt.version : `${rt.group}/${rt.version}`,
      kind: rt.listKind,
      metadata: { resourceVersion: this.store.resourceVersion },
      items: items ?? this.store.list(rt, namespace, matches),
    };
  }

  async #patch(
    req: Request,
    q: URLSearchParams,
    route: Route,
    name: string,
    options: {
      subresource: "status" | undefined;
      dryRun: boolean;
      fieldManager: string | undefined;
      fieldValidation: FieldValidation | undefined;
      warnings: string[];
    },
  ): Promise<Response> {
    const { rt, namespace } = route;
    const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim();
    if (type === "application/apply-patch+yaml") {
      const body = parseApplyPatchBody(await req.text()) as KubeObj;
      const force = q.get("force") === "true";
      const existing = this.store.get(rt, namespace, name);
      this.#admit({
        operation: existing ? "UPDATE" : "CREATE",
        rt,
        namespace,
        subresource: options.subresource,
        object: body,
        ...(existing ? { oldObject: existing } : {}),
      });
      const result = this.store.apply(rt, namespace, name, body, { ...options, force });
      return json(result.created ? 201 : 200, result.object);
    }
    let patcher: (current: KubeObj, patch: unknown) => KubeObj;
    if (type === "application/merge-patch+json") {
      patcher = (current, patch) => applyMergePatch(current, patch) as KubeObj;
    } else if (type === "application/json-patch+json") {
      patcher = (current, patch) => applyJsonPatch(current, patch) as KubeObj;
    } else if (type === "application/strategic-merge-patch+json" && rt.crd === undefined) {
      // Lists are replaced rather than merged by key: enough for labels, annotations and scalar fields.
      patcher = (current, patch) => applyMergePatch(current, stripDirectives(patch)) as KubeObj;
    } else {
      await req.body?.cancel();
      throw new KubeStatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ` +
          "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      );
    }
    const patch = await readBody(req);
    const current = this.store.read(rt, namespace, name);
    const patched = patcher(current, patch);
    this.#admit({
      operation: "UPDATE",
      rt,
      namespace,
      subresource: options.subresource,
      object: patched,
      oldObject: current,
    });
    const updated = this.store.update(rt, namespace, name, patched, options);
    return json(200, updated);
  }

  #watch(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean,
    q: URLSearchParams,
    table?: (objects: KubeObj[], noHeaders: boolean) => KubeObj,
  ): Response {
    let headersSent = false;
    const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const initialEvents = watchListInitialEvents(q);
    // A watch list (client-go's default since 1.35) gets the current state as ADDED events whatever
    // resourceVersion it names (NotOlderThan: the newest state is never older), then the bookmark below.
    const sinceRv = initialEvents ? undefined : q.get("resourceVersion") ?? undefined;
    let unsubscribe = () => {};
    const timers: ReturnType<typeof setTimeout>[] = [];
    let ended = false;
    const streams = this.#streams;
    const stream: OpenWatch = { resource: rt.resource, end: () => {}, stall: () => {} };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const stop = () => {
          unsubscribe();
          for (const t of timers) clearTimeout(t);
        };
        stream.end = () => {
          if (ended) return;
          ended = true;
          stop();
          streams.delete(stream);
          try {
            controller.close();
          } catch {
            // already closed by the client going away
          }
        };
        // A stalled watch keeps its connection open but never sends another byte (a hung proxy).
        stream.stall = stop;
        const send = (event: WatchEvent) => {
          if (ended) return;
          if (table && event.type !== "BOOKMARK" && event.type !== "ERROR") {
            // As the API server: each event carries a one-row Table, column definitions only in the first.
            event = { type: event.type, object: table([event.object], headersSent) };
            headersSent = true;
          }
          controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
        };
        streams.add(stream);
        try {
          unsubscribe = this.store.watch(rt, namespace, matches, sinceRv, send, { bookmarks });
        } catch (err) {
          // The watch cache answers a too-old resourceVersion with 200 and one ERROR event, then closes.
          if (!(err instanceof KubeStatusError)) throw err;
          send({ type: "ERROR", object: err.toStatus() });
          stream.end();
          return;
        }
        if (initialEvents) this.store.bookmark(rt, send, bookmarks, { [INITIAL_EVENTS_END]: "true" });
        if (timeoutSeconds > 0) timers.push(setTimeout(stream.end, timeoutSeconds * 1000));
        if (bookmarks) {
          timers.push(setInterval(() => this.store.bookmark(rt, send, true), this.options.bookmarkIntervalMs));
        }
      },
      cancel: () => {
        ended = true;
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        streams.delete(stream);
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  }
}

/** The annotation of the BOOKMARK that ends a watch list's initial events. */
const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * Whether a watch asks for its initial events (a "watch list", KEP-3157), validated as the API server's
 * `validateWatchOptions` does (422, ListOptions invalid): `sendInitialEvents` needs
 * `resourceVersionMatch=NotOlderThan`, and `resourceVersionMatch` on a watch needs `sendInitialEvents`.
 */
function watchListInitialEvents(q: URLSearchParams): boolean {
  const send = q.get("sendInitialEvents");
  const match = q.get("resourceVersionMatch") ?? "";
  const errors: string[] = [];
  if (send !== null && match !== "NotOlderThan") {
    errors.push(
      "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
    );
  }
  if (match !== "") {
    if (send === null) {
      errors.push(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
      );
    }
    if (match !== "NotOlderThan") {
      errors.push(`resourceVersionMatch: Unsupported value: "${match}": supported values: "NotOlderThan"`);
    }
  }
  if (errors.length > 0) {
    const message = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
    throw new KubeStatusError(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${message}`, {
      group: "meta.k8s.io",
      kind: "ListOptions",
    });
  }
  return send === "true";
}

/** The verb, resource and scope RBAC checks for a resource request (`RequestInfoFactory`). */
function resourceAttributes(method: string, q: URLSearchParams, route: Route): RequestAttributes {
  const watch = q.get("watch") === "1" || q.get("watch") === "true";
  const named = route.name !== undefined;
  const verbs: Record<string, string> = {
    GET: watch ? "watch" : named ? "get" : "list",
    POST: "create",
    PUT: "update",
    PATCH: "patch",
    DELETE: named ? "delete" : "deletecollection",
  };
  return {
    kind: "resource",
    verb: verbs[method] ?? method.toLowerCase(),
    apiGroup: route.rt.group,
    resource: route.rt.resource,
    subresource: route.subresource ?? "",
    // As RequestInfoFactory: a namespace is scoped by itself (`/api/v1/namespaces/foo` is in namespace foo).
    namespace: route.namespace ?? (route.rt.group === "" && route.rt.kind === "Namespace" ? route.name ?? "" : ""),
    name: route.name ?? "",
  };
}

/**
 * The user a request acts as: `Impersonate-User` (and `-Group`) headers switch to another user when the
 * caller may `impersonate` it (users, groups, or serviceaccounts for `system:serviceaccount:` names).
 */
function impersonated(
  headers: Headers,
  caller: UserInfo,
  authorize: (attrs: RequestAttributes) => void,
): UserInfo {
  const name = headers.get("impersonate-user");
  if (name === null) return caller;
  const groups = (headers.get("impersonate-group") ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
  const sa = name.match(/^system:serviceaccount:([^:]+):([^:]+)$/);
  authorize(
    sa
      ? {
        kind: "resource",
        verb: "impersonate",
        apiGroup: "",
        resource: "serviceaccounts",
        subresource: "",
        namespace: sa[1]!,
        name: sa[2]!,
      }
      : {
        kind: "resource",
        verb: "impersonate",
        apiGroup: "",
        resource: "users",
        subresource: "",
        namespace: "",
        name,
      },
  );
  for (const group of groups) {
    authorize({
      kind: "resource",
      verb: "impersonate",
      apiGroup: "",
      resource: "groups",
      subresource: "",
      namespace: "",
      name: group,
    });
  }
  const implied = sa ? ["system:serviceaccounts", `system:serviceaccounts:${sa[1]}`] : [];
  return { name, groups: [...new Set([...groups, ...implied, "system:authenticated"])] };
}

/** An open watch stream, for the test hooks that end or stall it. */
interface OpenWatch {
  /** Plural resource name watched (`pods`). */
  resource: string;
  end: () => void;
  stall: () => void;
}

/** Adds one `Warning` header per message, in the API server's `299 - "<text>"` form. */
function withWarnings(res: Response, warnings: string[]): Response {
  for (const w of warnings) res.headers.append("warning", `299 - ${JSON.stringify(w)}`);
  return res;
}

function fieldValidationOf(q: URLSearchParams): FieldValidation | undefined {
  const value = q.get("fieldValidation");
  if (value === null || value === "") return undefined;
  if (value === "Strict" || value === "Warn" || value === "Ignore") return value;
  throw badRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`);
}

function selectorOf(q: URLSearchParams): (obj: KubeObj) => boolean {
  const labels = parseLabelSelector(q.get("labelSelector"));
  const fields = parseFieldSelector(q.get("fieldSelector"));
  return (obj) => labels(obj) && fields(obj);
}

async function readBody(req: Request): Promise<KubeObj> {
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("protobuf")) return decodeProtobufSecret(new Uint8Array(await req.arrayBuffer()));
  const text = await req.text();
  if (text.trim() === "") throw badRequest("the request body is empty");
  try {
    return JSON.parse(text) as KubeObj;
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function stripDirectives(patch: unknown): unknown {
  if (Array.isArray(patch)) return patch.map(stripDirectives);
  if (typeof patch !== "object" || patch === null) return patch;
  return Object.fromEntries(
    Object.entries(patch).filter(([k]) => !k.startsWith("$")).map(([k, v]) => [k, stripDirectives(v)]),
  );
}

function notFoundPath(path: string): KubeStatusError {
  return new KubeStatusError(404, "NotFound", `the server could not find the requested resource (${path})`, {});
}

function methodNotAllowed(method: string): KubeStatusError {
  return new KubeStatusError(405, "MethodNotAllowed", `the server does not allow this method (${method}) here`);
}

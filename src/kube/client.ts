/**
 * A thin client over @kubernetes/client-node for what k8zner does with a cluster: server-side
 * apply, get/list/delete, merge patches, status patches, watches and waiting for the API.
 *
 * The kubeconfig is read by kubeconfig.ts, which loads the library (about 0.7 CPU-seconds and 60 MB)
 * only for a kubeconfig of a form k8zner does not write, so commands and operators rarely load it.
 *
 * @module
 */
import type * as K8s from "@kubernetes/client-node";
import { isKubeError, KubeError, toKubeError } from "./errors.ts";
import { requestJson, streamWatch } from "./request.ts";
import { createAgentPool } from "./agent_pool.ts";
import { findKnownResource, renderResourcePath, type ResourceInfo, splitApiVersion } from "./kinds.ts";
import type { KubeObject, WatchEventType } from "./types.ts";
import { sleep as realSleep } from "../lib/sleep.ts";
import { createTokenFileReader } from "./token_file.ts";
import { type KubeContext, loadKubeContext } from "./kubeconfig.ts";

/** Options of {@link createKubeClient}. */
export interface KubeClientOptions {
  /** The kubeconfig (YAML) to use, current context. */
  kubeconfigYaml: string;
  /** Waits `ms` (injected for tests); rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds clock (injected for tests). */
  now?: () => number;
  /**
   * Authenticate with the bearer token in this file (a service account's), re-read whenever it
   * changes; the kubeconfig's user then needs no credentials of its own.
   */
  tokenFile?: string;
}

/** Label and field selectors of a list or watch. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** What to watch. */
export interface WatchOptions extends ListOptions {
  /** Namespace to watch; all namespaces when absent. */
  namespace?: string;
  /** Start after this resourceVersion; without it the current objects arrive first as ADDED. */
  resourceVersion?: string;
  /** Ask for BOOKMARK events, which carry only a newer resourceVersion to resume from. */
  allowWatchBookmarks?: boolean;
  /** The server ends the watch cleanly after this many seconds. */
  timeoutSeconds?: number;
}

/** A list with the collection's resourceVersion, the point a watch continues from. */
export interface VersionedList {
  items: KubeObject[];
  resourceVersion: string;
}

/** A running watch. */
export interface KubeWatch {
  /** Ends the watch. */
  stop(): void;
  /** Settles when the stream ends: resolves on a clean end or stop(), rejects with a KubeError otherwise. */
  readonly done: Promise<void>;
}

/** The calls k8zner makes to a Kubernetes API. */
export interface KubeClient {
  /** The API server URL of the current context. */
  readonly server: string;
  /**
   * Applies objects in order with server-side apply (forcing ownership of conflicting fields), waiting
   * after each CustomResourceDefinition until it is Established so later objects may use it.
   */
  applyServerSide(objects: readonly KubeObject[], fieldManager?: string): Promise<KubeObject[]>;
  /** Creates an object; AlreadyExists surfaces as a KubeError. */
  create(object: KubeObject): Promise<KubeObject>;
  /** Reads an object; undefined when it (or its kind) does not exist. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Lists objects of a kind, in one namespace or (namespace undefined) all. */
  list(apiVersion: string, kind: string, namespace?: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Lists like {@link list} and also returns the list's resourceVersion (to start a watch from). */
  listWithVersion(
    apiVersion: string,
    kind: string,
    namespace?: string,
    options?: ListOptions,
  ): Promise<VersionedList>;
  /**
   * Lists only the metadata of a kind's objects (`PartialObjectMetadataList`, as `kubectl get -o name`
   * and controllers' metadata informers ask): labels and names without the bodies, e.g. Helm's release
   * Secrets without the release payloads they carry.
   */
  listMetadata(apiVersion: string, kind: string, namespace?: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Replaces an object (PUT); a stale `metadata.resourceVersion` surfaces as KubeError `Conflict`. */
  replace(object: KubeObject): Promise<KubeObject>;
  /** Deletes an object; false when it was already gone. */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean>;
  /**
   * Evicts a pod through the `policy/v1` Eviction subresource, which honours PodDisruptionBudgets: true when
   * it was evicted, false when it was already gone. A budget that allows no disruption now answers 429, a
   * KubeError `TooManyRequests` (try again later, as `kubectl drain` does).
   */
  evict(name: string, namespace: string): Promise<boolean>;
  /** Applies a JSON merge patch to an object. */
  patchMerge(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    patch: Record<string, unknown>,
  ): Promise<KubeObject>;
  /** Merge-patches the `/status` subresource of an object (named API groups only). */
  patchStatus(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    status: Record<string, unknown>,
  ): Promise<KubeObject>;
  /** Polls `/version` until the API answers; resolves with its gitVersion, throws KubeError `Timeout`. */
  waitForApi(
    options: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number },
  ): Promise<{ gitVersion: string }>;
  /** Watches a kind; events are delivered to `onEvent` in order. */
  watch(
    apiVersion: string,
    kind: string,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): Promise<KubeWatch>;
  /** Stops every watch this client started. */
  close(): void;
}

function describe(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind} "${namespace}/${name}"` : `${kind} "${name}"`;
}

/** The query of a list or watch with these selectors (absent or empty ones left out). */
function selectorQuery(options: { labelSelector?: string; fieldSelector?: string }): Record<string, string> {
  const query: Record<string, string> = {};
  if (options.labelSelector) query.labelSelector = options.labelSelector;
  if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
  return query;
}

/** Creates a client for the current context of a kubeconfig (see kubeconfig.ts for when it loads client-node). */
export async function createKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  // node-fetch inside the library requires the deprecated `punycode` module on the first request, and
  // Deno prints a DeprecationWarning for it on stderr, which users of the CLI cannot act on.
  const { default: process } = await import("node:process");
  process.noDeprecation = true;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  let kube: KubeContext;
  try {
    kube = await loadKubeContext(
      options.kubeconfigYaml,
      options.tokenFile === undefined ? {} : { token: createTokenFileReader(options.tokenFile).token },
    );
  } catch (err) {
    throw new KubeError(0, "InvalidKubeconfig", `Cannot read kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (kube.server === "") {
    throw new KubeError(0, "InvalidKubeconfig", "Cannot read kubeconfig: it has no current cluster");
  }
  const cluster = { server: kube.server };
  // Every call goes through requestJson/streamWatch and so through these keep-alive agents: the typed
  // APIs of client-node open a new TLS connection per call (see agent_pool.ts) and take no agent.
  const ctx = { kube, agents: createAgentPool() };
  const discovered = new Map<string, ResourceInfo>();
  const watches = new Set<() => void>();

  async function resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const known = findKnownResource(apiVersion, kind) ?? discovered.get(`${apiVersion}/${kind}`);
    if (known) return known;
    const { group, version: v } = splitApiVersion(apiVersion);
    const list = await requestJson(ctx, {
      method: "GET",
      url: cluster!.server + (group === "" ? `/api/${v}` : `/apis/${group}/${v}`),
    }, `discover the resources of ${apiVersion}`) as K8s.V1APIResourceList;
    const found = list.resources.find((r) => r.kind === kind && !r.name.includes("/"));
    if (!found) {
      throw new KubeError(404, "NotFound", `Cannot find kind ${kind} in ${apiVersion}: the server does not serve it`);
    }
    const info = { group, version: v, plural: found.name, namespaced: found.namespaced };
    discovered.set(`${apiVersion}/${kind}`, info);
    return info;
  }

  /** The namespace a write of `object` goes to: its own, else the context's, else `default`. */
  function namespaceFor(info: ResourceInfo, object: KubeObject): string | undefined {
    if (!info.namespaced) return undefined;
    return object.metadata.namespace ?? contextNamespace();
  }

  /** The namespace of the current context, else `default`, as kubectl and client-node default to. */
  function contextNamespace(): string {
    return kube.namespace ?? "default";
  }

  /** The URL of one object: a namespaced kind without a namespace is read in the context's. */
  function objectUrl(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return cluster!.server +
      renderResourcePath(info, info.namespaced ? namespace ?? contextNamespace() : undefined, name);
  }

  /** The URL of a list: of one namespace, or of all when `namespace` is unset. */
  function listUrl(info: ResourceInfo, namespace: string | undefined): string {
    return cluster!.server + renderResourcePath(info, info.namespaced ? namespace : undefined);
  }

  async function waitForEstablished(name: string): Promise<void> {
    const deadline = now() + 30_000;
    for (;;) {
      const crd = await client.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name);
      const conditions = ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions) ?? [];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) return;
      if (now() >= deadline) {
        throw new KubeError(0, "Timeout", `Cannot use CustomResourceDefinition "${name}": not Established after 30 s`);
      }
      await sleep(200);
    }
  }

  const client: KubeClient = {
    server: cluster.server,

    async applyServerSide(list, fieldManager = "k8zner") {
      const applied: KubeObject[] = [];
      for (const object of list) {
        const { name } = object.metadata;
        const info = await resolve(object.apiVersion, object.kind);
        const namespace = namespaceFor(info, object);
        applied.push(
          await requestJson(ctx, {
            method: "PATCH",
            url: cluster.server + renderResourcePath(info, namespace, name),
            query: { fieldManager, force: "true", fieldValidation: "Strict" },
            body: namespace === undefined ? object : { ...object, metadata: { ...object.metadata, namespace } },
            contentType: "application/apply-patch+yaml",
          }, `apply ${describe(object.kind, name, namespace)}`) as KubeObject,
        );
        if (object.kind === "CustomResourceDefinition") await waitForEstablished(name);
      }
      return applied;
    },

    async create(object) {
      const info = await resolve(object.apiVersion, object.kind);
      const namespace = namespaceFor(info, object);
      return await requestJson(ctx, {
        method: "POST",
        url: cluster.server + renderResourcePath(info, namespace),
        query: { fieldValidation: "Strict" },
        body: object,
      }, `create ${describe(object.kind, object.metadata.name, namespace)}`) as KubeObject;
    },

    async get(apiVersion, kind, name, namespace) {
      try {
        const info = await resolve(apiVersion, kind);
        return await requestJson(ctx, {
          method: "GET",
          url: objectUrl(info, namespace, name),
        }, `get ${describe(kind, name, namespace)}`) as KubeObject;
      } catch (err) {
        // A 404 from discovery too: the kind (its CRD) is not served, so the object does not exist.
        if (isKubeError(err) && err.status === 404) return undefined;
        throw err;
      }
    },

    async list(apiVersion, kind, namespace, listOptions = {}) {
      return (await client.listWithVersion(apiVersion, kind, namespace, listOptions)).items;
    },

    async listWithVersion(apiVersion, kind, namespace, listOptions = {}) {
      const info = await resolve(apiVersion, kind);
      const query = selectorQuery(listOptions);
      const result = await requestJson(ctx, {
        method: "GET",
        url: listUrl(info, namespace),
        query,
      }, `list ${kind} in ${namespace ?? "all namespaces"}`) as {
        items?: KubeObject[];
        metadata?: { resourceVersion?: string };
      };
      return {
        items: (result.items ?? []).map((item) => ({ ...item, apiVersion, kind }) as KubeObject),
        resourceVersion: result.metadata?.resourceVersion ?? "",
      };
    },

    async listMetadata(apiVersion, kind, namespace, listOptions = {}) {
      const info = await resolve(apiVersion, kind);
      const query = selectorQuery(listOptions);
      const list = await requestJson(ctx, {
        method: "GET",
        url: listUrl(info, namespace),
        query,
        accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
      }, `list the metadata of ${kind} in ${namespace ?? "all namespaces"}`) as { items?: KubeObject[] };
      return list.items ?? [];
    },

    async replace(object) {
      const info = await resolve(object.apiVersion, object.kind);
      const namespace = namespaceFor(info, object);
      return await requestJson(ctx, {
        method: "PUT",
        url: cluster.server + renderResourcePath(info, namespace, object.metadata.name),
        query: { fieldValidation: "Strict" },
        body: object,
      }, `replace ${describe(object.kind, object.metadata.name, namespace)}`) as KubeObject;
    },

    async delete(apiVersion, kind, name, namespace) {
      try {
        const info = await resolve(apiVersion, kind);
        await requestJson(ctx, {
          method: "DELETE",
          url: objectUrl(info, namespace, name),
        }, `delete ${describe(kind, name, namespace)}`);
        return true;
      } catch (err) {
        if (isKubeError(err) && err.status === 404) return false;
        throw err;
      }
    },

    async evict(name, namespace) {
      const info = await resolve("v1", "Pod");
      try {
        await requestJson(ctx, {
          method: "POST",
          url: `${cluster.server}${renderResourcePath(info, namespace, name)}/eviction`,
          body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
        }, `evict ${describe("Pod", name, namespace)}`);
        return true;
      } catch (err) {
        if (isKubeError(err, "NotFound")) return false;
        throw err;
      }
    },

    async patchMerge(apiVersion, kind, name, namespace, patch) {
      const info = await resolve(apiVersion, kind);
      const ns = info.namespaced ? namespace ?? "default" : undefined;
      return await requestJson(ctx, {
        method: "PATCH",
        url: cluster.server + renderResourcePath(info, ns, name),
        query: { fieldManager: "k8zner", fieldValidation: "Strict" },
        body: patch,
        contentType: "application/merge-patch+json",
      }, `patch ${describe(kind, name, ns)}`) as KubeObject;
    },

    async patchStatus(apiVersion, kind, name, namespace, status) {
      const info = await resolve(apiVersion, kind);
      if (info.group === "") {
        throw new TypeError(`patchStatus() supports named API groups only, not core ${kind}`);
      }
      const ns = info.namespaced ? namespace ?? "default" : undefined;
      return await requestJson(ctx, {
        method: "PATCH",
        url: `${cluster.server}${renderResourcePath(info, ns, name)}/status`,
        body: { status },
        contentType: "application/merge-patch+json",
      }, `update the status of ${describe(kind, name, namespace)}`) as KubeObject;
    },

    async waitForApi({ timeoutMs, signal, intervalMs = 2000 }) {
      const deadline = now() + timeoutMs;
      let last: KubeError | undefined;
      for (;;) {
        signal?.throwIfAborted();
        try {
          const info = await requestJson(
            ctx,
            { method: "GET", url: `${cluster.server}/version` },
            `reach the Kubernetes API at ${cluster.server}`,
          );
          return { gitVersion: (info as { gitVersion: string }).gitVersion };
        } catch (err) {
          last = toKubeError(err, `reach the Kubernetes API at ${cluster.server}`);
        }
        if (now() + intervalMs > deadline) {
          throw new KubeError(
            0,
            "Timeout",
            `Cannot reach the Kubernetes API at ${cluster.server} within ${Math.round(timeoutMs / 1000)} s: ` +
              last.message.replace(/^Cannot [^:]*: /, ""),
            { cause: last },
          );
        }
        await sleep(intervalMs, signal);
      }
    },

    async watch(apiVersion, kind, watchOptions, onEvent) {
      const info = await resolve(apiVersion, kind);
      const path = renderResourcePath(info, watchOptions.namespace);
      const query = selectorQuery(watchOptions);
      if (watchOptions.resourceVersion) query.resourceVersion = watchOptions.resourceVersion;
      if (watchOptions.allowWatchBookmarks) query.allowWatchBookmarks = "true";
      if (watchOptions.timeoutSeconds !== undefined) query.timeoutSeconds = String(watchOptions.timeoutSeconds);
      return await streamWatch(ctx, cluster.server + path, query, { kind, path }, onEvent, watches);
    },

    close() {
      for (const stop of [...watches]) stop();
      watches.clear();
      // Idle sockets would not keep the process alive (they are unref'd) but would stay open until
      // their idle timeout; a closed client leaves nothing behind.
      ctx.agents.destroy();
    },
  };
  return client;
}

/**
 * Builds the {@link ReconcileContext} of one pass: the cluster's Hetzner client from the token in
 * `spec.credentialsRef`, its Talos clients from the secrets bundle and talosconfig in
 * `spec.talosCredentialsRef` (both Secrets read with `get` by name only, as the Role allows), dialled
 * through the Talos address map. Parsed credentials are kept per Secret resourceVersion, so an idle
 * pass costs two GETs to the Kubernetes API and no certificate parsing.
 *
 * @module
 */
import { CREDENTIALS_CLOUDFLARE_KEY } from "../addons/k8zner_cluster.ts";
import { createActionWaiter } from "../cluster/infra/action_waiter.ts";
import type { ClusterDeps } from "../cluster/infra/deps.ts";
import { createTalosDeps, type TalosDeps } from "../cluster/nodes/talos_deps.ts";
import type { DesiredState } from "../config/mod.ts";
import type { HcloudClient } from "../hcloud/mod.ts";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import { createMaintenanceClient, createTalosClient } from "../talos/api_client.ts";
import { loadSecretsBundle, type SecretsBundle } from "../talos/secrets_bundle.ts";
import { parseTalosconfig } from "../talos/talosconfig.ts";
import type { AddonDeps, ReconcileContext } from "./reconcile/context.ts";
import type { EventRecorder, JsonLogger, OperatorMetrics } from "./runtime/mod.ts";
import type { TalosAddressMap } from "./talos_address_map.ts";
import { keyOf } from "./runtime/event_keys.ts";

/** A Secret or key the operator needs is missing; names which (never the value). */
export class CredentialsError extends Error {
  override name = "CredentialsError";
}

/** Dependencies of {@link createContextFactory} (one factory per leadership term). */
export interface ContextFactoryDeps {
  kube: KubeClient;
  events: EventRecorder;
  log: JsonLogger;
  metrics: OperatorMetrics;
  /** A Hetzner client for a token (the composition root counts its requests). */
  hcloud(token: string): HcloudClient;
  talosAddressMap: TalosAddressMap;
  /** The Nodes of cluster `name` as the Node watch last saw them. */
  nodesOf(name: string): KubeObject[];
  requireLeadership(action: string): Promise<void>;
  /** Aborted when this term ends (lost leadership or shutdown). */
  signal: AbortSignal;
  /** Queues another pass of the cluster with this work-queue key (`namespace/name`). */
  requeue?(key: string): void;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Fixed Hetzner action poll interval (tests). Default: each action's own schedule (`createActionWaiter`). */
  actionPollMs?: number;
  /**
   * How many times faster than real time Hetzner's actions run (a simulator), and with them the Talos nodes'
   * boots: the action waiter's and the Talos waits' pauses are divided by it. Default 1.
   */
  actionTimeScale?: number;
  /** Helm (already counted in the metrics), the charts directory, the random source. */
  addons: AddonDeps;
}

/** Builds contexts and cloud deps for the cluster reconciler. */
export interface ContextFactory {
  buildContext(cluster: KubeObject, desired: DesiredState, memory: Map<string, unknown>): Promise<ReconcileContext>;
  cloudFor(cluster: KubeObject): Promise<ClusterDeps>;
}

interface SecretRef {
  name?: string;
}

function refName(cluster: KubeObject, field: "credentialsRef" | "talosCredentialsRef"): string {
  const name = ((cluster.spec as Record<string, SecretRef | undefined> | undefined)?.[field])?.name;
  if (!name) throw new CredentialsError(`K8znerCluster "${cluster.metadata.name}" has no spec.${field}.name`);
  return name;
}

function decodeBase64(text: string): string {
  const binary = atob(text);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** Creates the factory. */
export function createContextFactory(deps: ContextFactoryDeps): ContextFactory {
  const clients = new Map<string, ClusterDeps>();
  const talosCache = new Map<string, { version: string; bundle: SecretsBundle; talos: TalosDeps }>();

  /**
   * Reads a Secret and checks it has `keys`; its values are decoded by `decode()`, so a caller whose
   * cache holds this resourceVersion decodes nothing (the secrets bundle is kilobytes, read every pass).
   */
  async function readSecret(
    namespace: string,
    name: string,
    keys: string[],
    optionalKeys: string[] = [],
  ): Promise<{ version: string; decode(): { data: string[]; optional: (string | undefined)[] } }> {
    const secret = await deps.kube.get("v1", "Secret", name, namespace);
    if (!secret) throw new CredentialsError(`Secret ${namespace}/${name} does not exist`);
    const data = (secret.data ?? {}) as Record<string, string>;
    const missing = keys.filter((k) => typeof data[k] !== "string" || data[k] === "");
    if (missing.length > 0) {
      throw new CredentialsError(`Secret ${namespace}/${name} has no key ${missing.map((k) => `"${k}"`).join(", ")}`);
    }
    return {
      version: secret.metadata.resourceVersion ?? "",
      decode: () => ({
        data: keys.map((k) => decodeBase64(data[k]!)),
        optional: optionalKeys.map((k) =>
          typeof data[k] === "string" && data[k] !== "" ? decodeBase64(data[k]) : undefined
        ),
      }),
    };
  }

  /** Both cloud tokens from one GET of the credentials Secret (the Cloudflare one only when a domain is managed). */
  async function cloudTokens(cluster: KubeObject): Promise<{ hcloud: string; cloudflare: string | undefined }> {
    const namespace = cluster.metadata.namespace ?? "default";
    const { data: [hcloud], optional: [cloudflare] } = (await readSecret(
      namespace,
      refName(cluster, "credentialsRef"),
      ["hcloud-token"],
      [CREDENTIALS_CLOUDFLARE_KEY],
    )).decode();
    return { hcloud: hcloud!.trim(), cloudflare: cloudflare?.trim() || undefined };
  }

  async function cloudFor(cluster: KubeObject): Promise<ClusterDeps> {
    return cloudForToken((await cloudTokens(cluster)).hcloud);
  }

  function cloudForToken(token: string): ClusterDeps {
    const cached = clients.get(token);
    if (cached) return cached;
    const hc = deps.hcloud(token);
    const cloud: ClusterDeps = {
      hc,
      actions: createActionWaiter(hc, {
        sleep: (ms) => deps.sleep(ms, deps.signal),
        ...(deps.actionPollMs !== undefined ? { pollIntervalMs: deps.actionPollMs } : {}),
        ...(deps.actionTimeScale !== undefined ? { timeScale: deps.actionTimeScale } : {}),
      }),
      sleep: (ms, signal) => deps.sleep(ms, signal ?? deps.signal),
      clock: deps.now,
    };
    clients.set(token, cloud);
    return cloud;
  }

  async function talosFor(cluster: KubeObject): Promise<{ bundle: SecretsBundle; talos: TalosDeps }> {
    const namespace = cluster.metadata.namespace ?? "default";
    const name = refName(cluster, "talosCredentialsRef");
    const secret = await readSecret(namespace, name, ["talos-secrets", "talosconfig"]);
    const version = secret.version;
    const key = `${namespace}/${name}`;
    const cached = talosCache.get(key);
    if (cached && cached.version === version) return cached;
    const { data: [bundleYaml, talosconfig] } = secret.decode();
    const bundle = await loadSecretsBundle(bundleYaml!, { now: new Date(deps.now()) });
    let credentials;
    try {
      credentials = parseTalosconfig(talosconfig!);
    } catch (err) {
      throw new CredentialsError(`Secret ${key} key "talosconfig": ${(err as Error).message}`, { cause: err });
    }
    const pem = { caPem: credentials.caPem, certPem: credentials.certPem, keyPem: credentials.keyPem };
    const map = deps.talosAddressMap;
    // The map applies only to where a connection is dialled; the certificate is still checked
    // against the node's real (private) address (the channel verifies an IP servername directly).
    const servername = (endpoint: string) => {
      const host = endpoint.replace(/:\d+$/, "");
      return map.translate(host) === host ? {} : { servername: host };
    };
    const talos = createTalosDeps(pem, {
      sleep: deps.sleep,
      now: deps.now,
      // The nodes boot on the cloud's clock, as its actions run: a simulator's Talos nodes as fast as its servers.
      ...(deps.actionTimeScale !== undefined ? { timeScale: deps.actionTimeScale } : {}),
      talosClient: (endpoint) =>
        createTalosClient({ endpoint: map.translateEndpoint(endpoint), ...pem, ...servername(endpoint) }),
      // Maintenance mode has no certificate anyone can verify: only the address is mapped.
      maintenanceClient: (endpoint) => createMaintenanceClient({ endpoint: map.translateEndpoint(endpoint) }),
    });
    const entry = { version, bundle, talos };
    talosCache.set(key, entry);
    return entry;
  }

  return {
    cloudFor,
    async buildContext(cluster, desired, memory) {
      const [tokens, { bundle, talos }] = await Promise.all([cloudTokens(cluster), talosFor(cluster)]);
      const cloud = cloudForToken(tokens.hcloud);
      const name = cluster.metadata.name;
      return {
        cluster,
        desired,
        bundle,
        cloud,
        talos,
        kube: deps.kube,
        addons: deps.addons,
        hcloudToken: () => tokens.hcloud,
        cloudflareToken: () => tokens.cloudflare,
        nodes: () => deps.nodesOf(name),
        events: deps.events,
        log: deps.log.with({ cluster: name }),
        metrics: deps.metrics,
        requireLeadership: deps.requireLeadership,
        now: deps.now,
        sleep: deps.sleep,
        signal: deps.signal,
        ...(deps.requeue ? { requeue: () => deps.requeue!(keyOf(cluster)) } : {}),
        memory,
      };
    },
  };
}

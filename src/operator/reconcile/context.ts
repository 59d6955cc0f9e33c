/**
 * What one reconcile of one `K8znerCluster` works with, and what each of its steps reports back. The
 * reconciler (`reconciler.ts`) builds a {@link ReconcileContext} per pass and runs the phase steps in order
 * (Infrastructure, Compute, WaitForK8s, CNI, Addons, Running); every step is idempotent, finds its work done
 * on the next pass, and owns one or more conditions of the status.
 *
 * Everything with side effects comes in through the context, so steps run unchanged in the operator process,
 * in in-process tests against the local cloud, and in unit tests with fakes.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { KubeClient, KubeObject } from "../../kube/mod.ts";
import type { SecretsBundle } from "../../talos/secrets_bundle.ts";
import type { ClusterDeps } from "../../cluster/infra/deps.ts";
import type { TalosDeps } from "../../cluster/nodes/talos_deps.ts";
import type { Server } from "../../hcloud/mod.ts";
import type { EventRecorder, JsonLogger, OperatorMetrics } from "../runtime/mod.ts";
import type { HelmExec } from "../../addons/helm/mod.ts";

/** What the CNI and Addons steps install with (ADR 0007). */
export interface AddonDeps {
  /** Helm, run as a child process (counted in the operator's metrics). */
  helm: HelmExec;
  /** Directory of the pinned chart archives and CRD bundles (`--charts-dir`, `/charts` in the image). */
  chartsDir: string;
  /** Cryptographically random bytes (the CSI encryption passphrase, generated once). */
  random(n: number): Uint8Array;
  /** How long a pass waits for a Helm run before leaving it to the background (real ms; default 500 ms). */
  helmInlineWaitMs?: number;
}

/** A status condition as the CRD stores it (`lastTransitionTime` and `observedGeneration` are set by the reconciler). */
export interface ConditionInput {
  type: ConditionType;
  status: "True" | "False" | "Unknown";
  /** CamelCase, e.g. `Provisioned`, `Pending`, `DrainBlocked`, `QuorumAtRisk`. */
  reason: string;
  /** One sentence for `kubectl describe` and `k8zner doctor`; never a secret. */
  message: string;
}

/** The conditions a K8znerCluster carries; each is owned by exactly one step (Ready/Progressing/Degraded by the reconciler). */
export type ConditionType =
  | "InfrastructureReady"
  | "ControlPlaneReady"
  | "WorkersReady"
  | "CNIReady"
  | "AddonsReady"
  | "UpgradeBlocked"
  | "Ready"
  | "Progressing"
  | "Degraded";

/** The phases of the design, in order (status.provisioningPhase); the CRD's enum is the single source. */
export { PROVISIONING_PHASES, type ProvisioningPhase } from "../../addons/k8zner_crd.ts";

/** Everything one reconcile of one cluster may use. */
export interface ReconcileContext {
  /** The K8znerCluster as read at the start of this pass (spec, metadata.generation, status). */
  readonly cluster: KubeObject;
  /** Its desired state: the spec expanded by the same `expandSpec` apply uses (`cluster/handover/desired_from_spec.ts`). */
  readonly desired: DesiredState;
  /** The cluster's Talos secrets bundle (from the Talos credentials Secret): node configs are rendered from it. */
  readonly bundle: SecretsBundle;
  /** Hetzner (through the operator's counting fetch), the action waiter, clock and sleep. */
  readonly cloud: ClusterDeps;
  /**
   * Talos clients. Endpoints are the nodes' private IPs (the operator runs inside the network); a test maps
   * them onto loopback addresses in the dialer it injects, never in the steps.
   */
  readonly talos: TalosDeps;
  /** The Kubernetes API with the operator's service account. */
  readonly kube: KubeClient;
  /** Helm, the charts directory and a random source for the CNI and Addons steps. */
  readonly addons: AddonDeps;
  /**
   * The cluster's Hetzner API token (from its credentials Secret), for the `kube-system/hcloud` Secret the
   * CCM and CSI driver read. A function, so logging or serialising the context never includes it.
   */
  hcloudToken(): string;
  /**
   * The Cloudflare API token (key `cf-api-token` of the same Secret), undefined when the Secret has none;
   * copied into the namespaces of cert-manager and external-dns when the cluster has a domain.
   */
  cloudflareToken(): string | undefined;
  /** The Nodes of this cluster as the Node watch last saw them (no request). */
  nodes(): readonly KubeObject[];
  /** Kubernetes Events on the K8znerCluster, one per action taken. */
  readonly events: EventRecorder;
  readonly log: JsonLogger;
  readonly metrics: OperatorMetrics;
  /** Throws `LeadershipLostError` unless this process still holds the Lease; call right before every destructive step. */
  requireLeadership(action: string): Promise<void>;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted when the operator shuts down or loses leadership. */
  readonly signal: AbortSignal;
  /**
   * Asks for another pass of this cluster as soon as the current one ends (e.g. when a Helm run left in
   * the background finishes). Absent in tests that drive passes themselves.
   */
  requeue?(): void;
  /**
   * Facts about this cluster kept between passes in this process (e.g. when infrastructure and servers were
   * last read from Hetzner). Lost on restart, so the first pass after a restart rediscovers everything.
   */
  readonly memory: Map<string, unknown>;
}

/** The compute as the Compute and healing steps see it. */
export interface ComputeView {
  /** This cluster's servers as Hetzner last listed them (by label selector). */
  readonly servers: readonly Server[];
  /** This cluster's Nodes as the watch last saw them. */
  readonly nodes: readonly KubeObject[];
}

/** Node lifecycle actions the Compute step implements and healing uses. */
export interface NodeActions {
  /**
   * Creates (or finishes) the planned server `name`, applies its machine config over the Talos API in
   * maintenance mode and waits until it runs with that config. Never bootstraps etcd. Idempotent.
   */
  addNode(name: string): Promise<void>;
  /** Deletes server `name` (when it exists), then its Node object: for a node that cannot be drained. */
  removeUnreachable(name: string): Promise<void>;
}

/** What a step reports. */
export interface StepOutcome {
  /** The conditions this step owns, as observed now. */
  conditions: ConditionInput[];
  /** True when this step's work is complete; later phases run only after every earlier step is done. */
  done: boolean;
  /**
   * Not done, and nothing this operator does will change that: it waits for something outside it. The
   * cluster then reports `Progressing` False, so `apply --wait` ends.
   */
  external?: boolean;
  /** Come back sooner than the idle requeue (e.g. 5 s while a node joins or a drain retries). */
  requeueAfterMs?: number;
  /** Status fields this step owns (e.g. `controlPlanes`, `workers`, `infrastructure`), merged into the status. */
  status?: Record<string, unknown>;
  /**
   * What the step waits for when not done, one sentence (shown in the Ready and Progressing messages);
   * the message of its first condition that is not True when absent.
   */
  message?: string;
}

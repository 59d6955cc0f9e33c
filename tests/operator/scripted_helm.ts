/**
 * A scripted {@link HelmExec} for tests of the CNI and Addons steps: it records every call (arguments
 * and the values text), answers from a script of failures, and otherwise plays Helm's storage in a fake
 * Kubernetes store: `upgrade --install` writes revision n+1 as `sh.helm.release.v1.<name>.v<n>` with
 * Helm's labels (`owner`, `name`, `status`, `version`) and the `--labels` given, marking the previous
 * deployed revision `superseded`; `rollback` writes a new deployed revision from the one named;
 * `uninstall` deletes every revision. It refuses what Helm refuses: an upgrade of a release whose
 * latest revision is `pending-*` ("another operation is in progress").
 *
 * @module
 */
import type { AddonDeps } from "../../src/operator/reconcile/context.ts";
import type { HelmExec, HelmResult, HelmRunOptions } from "../../src/addons/helm/mod.ts";
import type { KubeObject } from "../../src/kube/mod.ts";
import type { FakeKubeStore } from "../kube_fake/mod.ts";

/** One recorded call. */
export interface HelmCall {
  args: string[];
  values?: string;
  verb: string;
  release?: string;
}

/** A scripted answer for the next call matching `verb` and `release`. */
export interface HelmFailure {
  verb?: string;
  release?: string;
  code?: number;
  stderr: string;
  /** Also store a revision with this status (what a real failed `upgrade --install` leaves: `failed`). */
  leaves?: "failed" | "pending-install" | "pending-upgrade";
}

function releaseOf(args: readonly string[]): string | undefined {
  if (args[0] === "upgrade") return args[2];
  if (args[0] === "rollback" || args[0] === "uninstall") return args[1];
  return undefined;
}

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The scripted Helm. */
export class ScriptedHelm implements HelmExec {
  readonly calls: HelmCall[] = [];
  #failures: HelmFailure[] = [];
  #holds = new Map<string, Promise<void>>();

  constructor(private readonly store?: FakeKubeStore) {}

  /**
   * The next `upgrade` of `release` runs until `finish()` is called, as Helm's `--wait` does: its revision
   * is stored `pending-install` (or `pending-upgrade`) at once and becomes `deployed` at the end.
   */
  hold(release: string): { finish(): void } {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#holds.set(release, promise);
    return { finish: () => resolve() };
  }

  /** The next call matching gets this answer instead of succeeding. */
  failNext(failure: HelmFailure): void {
    this.#failures.push(failure);
  }

  /** Calls of one verb (`upgrade`, `rollback`, `uninstall`, ...), optionally of one release. */
  callsOf(verb: string, release?: string): HelmCall[] {
    return this.calls.filter((c) => c.verb === verb && (release === undefined || c.release === release));
  }

  run(args: readonly string[], options: HelmRunOptions): Promise<HelmResult> {
    options.signal?.throwIfAborted();
    const call: HelmCall = {
      args: [...args],
      verb: args[0] ?? "",
      ...(releaseOf(args) ? { release: releaseOf(args) } : {}),
      ...(options.values !== undefined ? { values: options.values } : {}),
    };
    this.calls.push(call);
    const i = this.#failures.findIndex((f) =>
      (f.verb === undefined || f.verb === call.verb) && (f.release === undefined || f.release === call.release)
    );
    if (i >= 0) {
      const [failure] = this.#failures.splice(i, 1);
      if (failure!.leaves && call.release) this.#write(call, failure!.leaves);
      return Promise.resolve({ code: failure!.code ?? 1, stdout: "", stderr: failure!.stderr });
    }
    const held = call.verb === "upgrade" && call.release ? this.#holds.get(call.release) : undefined;
    if (held) {
      this.#holds.delete(call.release!);
      return this.#playHeld(call, held);
    }
    return Promise.resolve(this.#play(call));
  }

  async #playHeld(call: HelmCall, held: Promise<void>): Promise<HelmResult> {
    const namespace = flag(call.args, "--namespace") ?? "default";
    const before = this.#revisions(namespace, call.release!).length;
    this.#write(call, before === 0 ? "pending-install" : "pending-upgrade");
    await held;
    const pending = this.#revisions(namespace, call.release!).at(-1)!;
    this.store!.remove("v1", "Secret", pending.metadata.name, namespace);
    this.#write(call, "deployed");
    return { code: 0, stdout: `Release "${call.release}" has been upgraded. Happy Helming!`, stderr: "" };
  }

  #revisions(namespace: string, release: string): KubeObject[] {
    if (!this.store) return [];
    return (this.store.listObjects("v1", "Secret", namespace) as unknown as KubeObject[])
      .filter((s) => s.metadata.labels?.owner === "helm" && s.metadata.labels?.name === release)
      .sort((a, b) => Number(a.metadata.labels!.version) - Number(b.metadata.labels!.version));
  }

  #play(call: HelmCall): HelmResult {
    const ok = (stdout = ""): HelmResult => ({ code: 0, stdout, stderr: "" });
    if (!this.store || !call.release) return ok();
    const namespace = flag(call.args, "--namespace") ?? "default";
    const latest = this.#revisions(namespace, call.release).at(-1);
    // Helm refuses an upgrade over a pending revision; rollback and uninstall are the ways out.
    if (call.verb === "upgrade" && latest?.metadata.labels?.status?.startsWith("pending-")) {
      return {
        code: 1,
        stdout: "",
        stderr: "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress",
      };
    }
    if (call.verb === "upgrade") {
      this.#write(call, "deployed");
      return ok(`Release "${call.release}" has been upgraded. Happy Helming!`);
    }
    if (call.verb === "rollback") {
      const to = Number(call.args[2]);
      const source = this.#revisions(namespace, call.release).find((s) => Number(s.metadata.labels!.version) === to);
      if (!source) return { code: 1, stdout: "", stderr: `Error: release has no ${to} version` };
      const labels = { ...source.metadata.labels! };
      // As Helm's rollback: the current revision (pending or not) becomes superseded.
      if (latest) {
        this.store.put({
          ...latest,
          metadata: { ...latest.metadata, labels: { ...latest.metadata.labels, status: "superseded" } },
        } as unknown as Record<string, unknown>);
      }
      this.#write(call, "deployed", labels);
      return ok("Rollback was a success! Happy Helming!");
    }
    if (call.verb === "uninstall") {
      for (const s of this.#revisions(namespace, call.release)) {
        this.store.remove("v1", "Secret", s.metadata.name, namespace);
      }
      return ok(`release "${call.release}" uninstalled`);
    }
    return ok();
  }

  /** Stores the next revision of the call's release with `status`. */
  #write(call: HelmCall, status: string, fromLabels?: Record<string, string>): void {
    if (!this.store || !call.release) return;
    const namespace = flag(call.args, "--namespace") ?? "default";
    const revisions = this.#revisions(namespace, call.release);
    const version = Number(revisions.at(-1)?.metadata.labels?.version ?? 0) + 1;
    if (status === "deployed") {
      for (const s of revisions) {
        if (s.metadata.labels?.status === "deployed") {
          this.store.put({
            ...s,
            metadata: { ...s.metadata, labels: { ...s.metadata.labels, status: "superseded" } },
          } as unknown as Record<string, unknown>);
        }
      }
    }
    const ours: Record<string, string> = {};
    for (const pair of (flag(call.args, "--labels") ?? "").split(",").filter((p) => p !== "")) {
      const [k, v] = pair.split("=");
      ours[k!] = v!;
    }
    const { owner: _o, name: _n, status: _s, version: _v, ...carried } = fromLabels ?? {};
    writeReleaseSecret(this.store, {
      namespace,
      release: call.release,
      version,
      status,
      labels: { ...carried, ...ours },
    });
  }
}

/** Puts one Helm storage Secret into `store` (also to seed a crashed release). */
export function writeReleaseSecret(
  store: FakeKubeStore,
  input: { namespace: string; release: string; version: number; status: string; labels?: Record<string, string> },
): void {
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: `sh.helm.release.v1.${input.release}.v${input.version}`,
      namespace: input.namespace,
      labels: {
        ...input.labels,
        owner: "helm",
        name: input.release,
        status: input.status,
        version: String(input.version),
      },
    },
    type: "helm.sh/release.v1",
    // Helm stores the gzipped release here; the steps never read it.
    data: { release: btoa("H4sI-not-read") },
  });
}

/** Addon deps for tests whose steps must never start Helm. */
export function noHelmAddons(chartsDir = "/nonexistent-charts"): AddonDeps {
  return {
    helm: {
      run: (args) => Promise.reject(new Error(`unexpected helm ${args.join(" ")}`)),
    },
    chartsDir,
    random: (n) => new Uint8Array(n),
  };
}

/** A minimal Gateway API bundle (one CRD of bundle version `version`), as the charts directory holds it. */
export function gatewayBundleYaml(version = "v1.5.1"): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gatewayclasses.gateway.networking.k8s.io
  annotations:
    gateway.networking.k8s.io/bundle-version: ${version}
    gateway.networking.k8s.io/channel: standard
spec:
  group: gateway.networking.k8s.io
  names:
    kind: GatewayClass
    listKind: GatewayClassList
    plural: gatewayclasses
    singular: gatewayclass
    shortNames: [gc]
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;
}

/** A minimal Prometheus operator bundle (two CRDs of operator version `version`, without the `v`). */
export function prometheusBundleYaml(version = "0.93.0"): string {
  const crd = (plural: string, kind: string) =>
    `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.monitoring.coreos.com
  annotations:
    controller-gen.kubebuilder.io/version: v0.19.0
    operator.prometheus.io/version: ${version}
spec:
  group: monitoring.coreos.com
  names:
    kind: ${kind}
    listKind: ${kind}List
    plural: ${plural}
    singular: ${kind.toLowerCase()}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;
  return crd("servicemonitors", "ServiceMonitor") + crd("prometheuses", "Prometheus");
}

/**
 * A temporary charts directory with the Gateway and Prometheus operator bundles (and no archives: Helm then
 * uses the repositories).
 */
export async function makeChartsDir(version = "v1.5.1"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-charts-" });
  await Deno.writeTextFile(`${dir}/gateway-api-standard-crds.yaml`, gatewayBundleYaml(version));
  await Deno.writeTextFile(`${dir}/prometheus-operator-crds.yaml`, prometheusBundleYaml());
  return dir;
}

/**
 * CRD bundles applied by server-side apply, not by a chart: the Gateway API standard CRDs before any
 * chart (Cilium and later Traefik serve Gateways), and the Prometheus operator CRDs before
 * kube-prometheus-stack (Helm never upgrades CRDs it installed, and these are too large for a client-side
 * apply's last-applied annotation). Each is a file in the charts directory, pinned in `MANIFESTS`.
 *
 * A bundle is applied only when one of its CRDs is missing or carries another version in the bundle's own
 * version annotation: found by one metadata-only CRD list on a label k8zner adds, so a converged pass
 * costs one request per bundle and never re-sends megabytes of schemas.
 *
 * Bundles are parsed with js-yaml, not the `yaml` package the rest of k8zner uses: these are megabytes of
 * machine-written YAML without comments to keep, where `yaml` spent 1.2 s on the Gateway API bundle and
 * 4 s on the Prometheus operator one (in every operator process) and js-yaml a tenth of that. Its YAML 1.2
 * core schema resolves scalars as `yaml`'s default does; both give the same objects for the pinned files.
 *
 * @module
 */
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { GATEWAY_API_CRDS_FILE, PROMETHEUS_OPERATOR_CRDS_FILE } from "../../../addons/catalog.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { MANAGED_BY } from "../../../lib/labels.ts";
import type { ReconcileContext } from "../context.ts";

/** Label k8zner adds to every object of a bundle it applies (the CRD list selects on it). */
export const BUNDLE_LABEL = "k8zner.io/bundle";
/** Field manager of the apply. */
export const BUNDLE_FIELD_MANAGER = "k8zner-operator";

/** Which bundle: its file, how its CRDs say their version, and how it is reported. */
export interface CrdBundleKind {
  /** Value of {@link BUNDLE_LABEL}. */
  id: string;
  /** File name in the charts directory. */
  file: string;
  /** The upstream annotation naming the version on each CRD. */
  versionAnnotation: string;
  /** For logs, events and errors: "the Gateway API CRDs". */
  title: string;
  /** Event reason when applied. */
  appliedReason: string;
}

/** Gateway API v1.5.1, standard channel (`gateway.networking.k8s.io/bundle-version: v1.5.1`). */
export const GATEWAY_API_BUNDLE: CrdBundleKind = {
  id: "gateway-api",
  file: GATEWAY_API_CRDS_FILE,
  versionAnnotation: "gateway.networking.k8s.io/bundle-version",
  title: "the Gateway API CRDs",
  appliedReason: "GatewayAPICRDsApplied",
};

/** prometheus-operator v0.93.0 (`operator.prometheus.io/version: 0.93.0`, without the `v`). */
export const PROMETHEUS_OPERATOR_BUNDLE: CrdBundleKind = {
  id: "prometheus-operator",
  file: PROMETHEUS_OPERATOR_CRDS_FILE,
  versionAnnotation: "operator.prometheus.io/version",
  title: "the Prometheus operator CRDs",
  appliedReason: "PrometheusOperatorCRDsApplied",
};

/** A bundle as read from the charts directory. */
export interface CrdBundle {
  kind: CrdBundleKind;
  objects: KubeObject[];
  /** name -> version of each CRD in it. */
  crds: Map<string, string>;
}

/** Parses a bundle (pure): every document, labelled; the CRDs with their versions. */
export function parseCrdBundle(kind: CrdBundleKind, text: string, file: string): CrdBundle {
  const objects: KubeObject[] = [];
  const crds = new Map<string, string>();
  let docs: unknown[];
  try {
    docs = loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const doc of docs) {
    const obj = doc as KubeObject | null;
    if (obj === null || obj === undefined) continue;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      throw new Error(`Cannot read ${file}: a document has no apiVersion, kind or metadata.name`);
    }
    obj.metadata.labels = {
      ...obj.metadata.labels,
      [BUNDLE_LABEL]: kind.id,
      "app.kubernetes.io/managed-by": MANAGED_BY,
    };
    objects.push(obj);
    if (obj.kind === "CustomResourceDefinition") {
      crds.set(obj.metadata.name, obj.metadata.annotations?.[kind.versionAnnotation] ?? "");
    }
  }
  if (crds.size === 0) throw new Error(`Cannot read ${file}: it holds no CustomResourceDefinition`);
  return { kind, objects, crds };
}

async function loadBundle(ctx: ReconcileContext, kind: CrdBundleKind): Promise<CrdBundle> {
  const path = `${ctx.addons.chartsDir.replace(/\/+$/, "")}/${kind.file}`;
  // The file is part of the image and never changes while the process runs: parse it once.
  const key = `crd-bundle:${kind.id}:${path}`;
  const cached = ctx.memory.get(key) as CrdBundle | undefined;
  if (cached) return cached;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot install ${kind.title}: ${path} does not exist (--charts-dir)`, { cause: err });
    }
    throw err;
  }
  const bundle = parseCrdBundle(kind, text, path);
  ctx.memory.set(key, bundle);
  return bundle;
}

/** The bundle's CRDs that are missing or of another version (sorted names). */
export function outdatedCrds(bundle: CrdBundle, present: readonly KubeObject[]): string[] {
  const annotation = bundle.kind.versionAnnotation;
  const have = new Map(present.map((c) => [c.metadata.name, c.metadata.annotations?.[annotation]]));
  return [...bundle.crds].filter(([name, version]) => have.get(name) !== version).map(([name]) => name).sort();
}

/** Ensures the bundle `kind`; returns the CRDs it had to apply (empty when nothing was done). */
export async function ensureCrdBundle(ctx: ReconcileContext, kind: CrdBundleKind): Promise<string[]> {
  const bundle = await loadBundle(ctx, kind);
  // Metadata only: the schemas are megabytes (Gateway API about 1 MB, Prometheus operator 4.5 MB), and
  // this runs in every pass.
  const present = await ctx.kube.listMetadata("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, {
    labelSelector: `${BUNDLE_LABEL}=${kind.id}`,
  });
  const outdated = outdatedCrds(bundle, present);
  if (outdated.length === 0) return [];
  ctx.log.info(`applying ${kind.title}`, { bundle: kind.id, crds: outdated.length });
  await ctx.kube.applyServerSide(bundle.objects, BUNDLE_FIELD_MANAGER);
  const version = [...bundle.crds.values()][0] ?? "";
  await ctx.events.record(
    ctx.cluster,
    "Normal",
    kind.appliedReason,
    "Apply",
    `Applied ${kind.title} ${version} (${outdated.length} missing or outdated)`,
  );
  return outdated;
}

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
 * Even js-yaml spent 100 ms (Gateway API) and 220 ms (Prometheus operator) of CPU per operator process
 * only to learn the CRDs' names and versions for the check. For the pinned files these are listed here
 * ({@link CrdBundleKind.pinned}), used when the file's sha256 is the pin's (hashing: 3 and 8 ms); the
 * file is parsed only to be applied, or when it is another file. A test checks the lists against the files.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { GATEWAY_API_CRDS_FILE, PROMETHEUS_OPERATOR_CRDS_FILE } from "../../../addons/catalog.ts";
import { MANIFESTS, PROMETHEUS_OPERATOR_CRD_PLURALS } from "../../../config/mod.ts";
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
  /** The pinned file (its sha256) and its CRDs as `[name, version]` in document order. */
  pinned?: { sha256: string; crds: readonly (readonly [string, string])[] };
}

/** Gateway API v1.5.1, standard channel (`gateway.networking.k8s.io/bundle-version: v1.5.1`). */
export const GATEWAY_API_BUNDLE: CrdBundleKind = {
  id: "gateway-api",
  file: GATEWAY_API_CRDS_FILE,
  versionAnnotation: "gateway.networking.k8s.io/bundle-version",
  title: "the Gateway API CRDs",
  appliedReason: "GatewayAPICRDsApplied",
  pinned: {
    sha256: MANIFESTS.gatewayApiCrds.sha256,
    crds: [
      "backendtlspolicies",
      "gatewayclasses",
      "gateways",
      "grpcroutes",
      "httproutes",
      "listenersets",
      "referencegrants",
      "tlsroutes",
    ].map((plural) => [`${plural}.gateway.networking.k8s.io`, "v1.5.1"] as const),
  },
};

/** prometheus-operator v0.93.0 (`operator.prometheus.io/version: 0.93.0`, without the `v`). */
export const PROMETHEUS_OPERATOR_BUNDLE: CrdBundleKind = {
  id: "prometheus-operator",
  file: PROMETHEUS_OPERATOR_CRDS_FILE,
  versionAnnotation: "operator.prometheus.io/version",
  title: "the Prometheus operator CRDs",
  appliedReason: "PrometheusOperatorCRDsApplied",
  pinned: {
    sha256: MANIFESTS.prometheusOperatorCrds.sha256,
    crds: PROMETHEUS_OPERATOR_CRD_PLURALS.map((plural) => [`${plural}.monitoring.coreos.com`, "0.93.0"] as const),
  },
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

/** A bundle file as read for the check: its CRDs, and the parsed bundle once it was needed. */
interface BundleFile {
  path: string;
  /** The file, until it is parsed. */
  bytes: Uint8Array;
  crds: Map<string, string>;
  parsed?: CrdBundle;
}

async function readBundleFile(ctx: ReconcileContext, kind: CrdBundleKind): Promise<BundleFile> {
  const path = `${ctx.addons.chartsDir.replace(/\/+$/, "")}/${kind.file}`;
  // The file is part of the image and never changes while the process runs: read it once.
  const key = `crd-bundle:${kind.id}:${path}`;
  const cached = ctx.memory.get(key) as BundleFile | undefined;
  if (cached) return cached;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot install ${kind.title}: ${path} does not exist (--charts-dir)`, { cause: err });
    }
    throw err;
  }
  const pinned = kind.pinned && createHash("sha256").update(bytes).digest("hex") === kind.pinned.sha256;
  const file: BundleFile = pinned ? { path, bytes, crds: new Map(kind.pinned!.crds) } : parsedFile(kind, path, bytes);
  ctx.memory.set(key, file);
  return file;
}

function parsedFile(kind: CrdBundleKind, path: string, bytes: Uint8Array): BundleFile {
  const parsed = parseCrdBundle(kind, new TextDecoder().decode(bytes), path);
  return { path, bytes: new Uint8Array(), crds: parsed.crds, parsed };
}

/** The bundle's CRDs that are missing or of another version (sorted names). */
export function outdatedCrds(bundle: Pick<CrdBundle, "kind" | "crds">, present: readonly KubeObject[]): string[] {
  const annotation = bundle.kind.versionAnnotation;
  const have = new Map(present.map((c) => [c.metadata.name, c.metadata.annotations?.[annotation]]));
  return [...bundle.crds].filter(([name, version]) => have.get(name) !== version).map(([name]) => name).sort();
}

/** Ensures the bundle `kind`; returns the CRDs it had to apply (empty when nothing was done). */
export async function ensureCrdBundle(ctx: ReconcileContext, kind: CrdBundleKind): Promise<string[]> {
  const file = await readBundleFile(ctx, kind);
  // Metadata only: the schemas are megabytes (Gateway API about 1 MB, Prometheus operator 4.5 MB), and
  // this runs in every pass.
  const present = await ctx.kube.listMetadata("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, {
    labelSelector: `${BUNDLE_LABEL}=${kind.id}`,
  });
  const outdated = outdatedCrds({ kind, crds: file.crds }, present);
  if (outdated.length === 0) return [];
  if (!file.parsed) {
    file.parsed = parsedFile(kind, file.path, file.bytes).parsed!;
    file.bytes = new Uint8Array();
  }
  const bundle = file.parsed;
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

/**
 * The Gateway API standard CRDs (the bundle file in the charts directory), applied server-side before
 * any chart: Cilium and later Traefik serve Gateways. Applied only when a CRD of the bundle is missing or
 * carries another `gateway.networking.k8s.io/bundle-version`: found by one CRD list on a label k8zner adds,
 * so a converged pass costs one request and never re-applies a megabyte of schemas.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { GATEWAY_API_CRDS_FILE } from "../../../addons/catalog.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { MANAGED_BY } from "../../../lib/labels.ts";
import type { ReconcileContext } from "../context.ts";

/** The upstream annotation naming the bundle version of each object. */
export const BUNDLE_VERSION_ANNOTATION = "gateway.networking.k8s.io/bundle-version";
/** Label k8zner adds to every object of the bundle it applies (the CRD list selects on it). */
export const GATEWAY_BUNDLE_LABEL = "k8zner.io/bundle";
export const GATEWAY_BUNDLE_VALUE = "gateway-api";
/** Field manager of the apply. */
export const GATEWAY_FIELD_MANAGER = "k8zner-operator";

/** The bundle as read from the charts directory. */
export interface GatewayBundle {
  objects: KubeObject[];
  /** name -> bundle version of each CRD in it. */
  crds: Map<string, string>;
}

/** Parses the bundle (pure): every document, labelled; the CRDs with their bundle versions. */
export function parseGatewayBundle(text: string, file: string): GatewayBundle {
  const objects: KubeObject[] = [];
  const crds = new Map<string, string>();
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`Cannot read ${file}: ${doc.errors[0]!.message}`);
    const obj = doc.toJSON() as KubeObject | null;
    if (obj === null) continue;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      throw new Error(`Cannot read ${file}: a document has no apiVersion, kind or metadata.name`);
    }
    obj.metadata.labels = {
      ...obj.metadata.labels,
      [GATEWAY_BUNDLE_LABEL]: GATEWAY_BUNDLE_VALUE,
      "app.kubernetes.io/managed-by": MANAGED_BY,
    };
    objects.push(obj);
    if (obj.kind === "CustomResourceDefinition") {
      crds.set(obj.metadata.name, obj.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION] ?? "");
    }
  }
  if (crds.size === 0) throw new Error(`Cannot read ${file}: it holds no CustomResourceDefinition`);
  return { objects, crds };
}

async function loadBundle(ctx: ReconcileContext): Promise<GatewayBundle> {
  const path = `${ctx.addons.chartsDir.replace(/\/+$/, "")}/${GATEWAY_API_CRDS_FILE}`;
  // The file is part of the image and never changes while the process runs: parse it once.
  const cached = ctx.memory.get(`gateway-bundle:${path}`) as GatewayBundle | undefined;
  if (cached) return cached;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot install the Gateway API CRDs: ${path} does not exist (--charts-dir)`, { cause: err });
    }
    throw err;
  }
  const bundle = parseGatewayBundle(text, path);
  ctx.memory.set(`gateway-bundle:${path}`, bundle);
  return bundle;
}

/** The bundle's CRDs that are missing or of another bundle version (sorted names). */
export function outdatedCrds(bundle: GatewayBundle, present: readonly KubeObject[]): string[] {
  const have = new Map(present.map((c) => [c.metadata.name, c.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION]]));
  return [...bundle.crds].filter(([name, version]) => have.get(name) !== version).map(([name]) => name).sort();
}

/** Ensures the bundle; returns the CRDs it had to apply (empty when nothing was done). */
export async function ensureGatewayCrds(ctx: ReconcileContext): Promise<string[]> {
  const bundle = await loadBundle(ctx);
  // Metadata only: the eight CRDs' schemas are about 1 MB, and this runs in every pass.
  const present = await ctx.kube.listMetadata("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, {
    labelSelector: `${GATEWAY_BUNDLE_LABEL}=${GATEWAY_BUNDLE_VALUE}`,
  });
  const outdated = outdatedCrds(bundle, present);
  if (outdated.length === 0) return [];
  ctx.log.info("applying Gateway API CRDs", { crds: outdated.length });
  await ctx.kube.applyServerSide(bundle.objects, GATEWAY_FIELD_MANAGER);
  const version = [...bundle.crds.values()][0] ?? "";
  await ctx.events.record(
    ctx.cluster,
    "Normal",
    "GatewayAPICRDsApplied",
    "Apply",
    `Applied the Gateway API CRDs ${version} (${outdated.length} missing or outdated)`,
  );
  return outdated;
}

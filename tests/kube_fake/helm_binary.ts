/**
 * The real Helm v4.1.4 (from the same npm package as kubectl, tests/tools/layer_binaries.ts): the
 * operator runs it in the local cloud, and tests use it as a second independent client of the fake
 * Kubernetes API. `K8ZNER_TEST_HELM` overrides the path.
 *
 * @module
 */
import type { Requirement } from "../requirements.ts";
import { findLayerBinary, type LayerLookup } from "../tools/layer_binaries.ts";
import { layerRequirement } from "./kubectl_binary.ts";

/** Finds (installing on first use) Helm v4.1.4, or says why it cannot be had. */
export function findHelm(): Promise<LayerLookup> {
  return findLayerBinary("helm");
}

/** Helm as a {@link Requirement} for `requires()`. */
export function helmRequirement(): Promise<Requirement> {
  return layerRequirement("helm", "helm v4.1.4");
}

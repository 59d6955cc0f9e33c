/**
 * `k8zner operator manifests --cluster NAME [--image REF] [--replicas N]`: prints the operator
 * installation as YAML on stdout.
 *
 * @module
 */
import { operatorImage } from "../addons/operator_image.ts";
import { renderOperatorManifestsYaml } from "../addons/operator_manifests_yaml.ts";
import { checkFieldValue } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";

/** Flags of the command. */
export interface OperatorManifestsFlags {
  cluster?: string;
  image?: string;
  replicas?: string;
}

/** Prints the manifests. */
export function runOperatorManifests(ctx: CliContext, flags: OperatorManifestsFlags): void {
  if (flags.cluster === undefined) {
    throw new UsageError("--cluster <name> is required: the cluster's name from k8zner.yaml");
  }
  const problem = checkFieldValue("name", flags.cluster);
  if (problem !== undefined) throw new UsageError(`--cluster "${flags.cluster}" ${problem}`);
  const replicas = Number(flags.replicas ?? "1");
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new UsageError(`--replicas "${flags.replicas}" must be a whole number from 1 to 5`);
  }
  const image = flags.image ?? operatorImage();
  if (image.trim() === "" || /\s/.test(image)) throw new UsageError(`--image "${image}" is not an image reference`);
  ctx.io.out(renderOperatorManifestsYaml({ clusterName: flags.cluster, image, replicas }).trimEnd());
}

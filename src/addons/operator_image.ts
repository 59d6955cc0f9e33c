/**
 * The one place that names the operator's container image. The CLI installs the operator image
 * built from the same release as itself, so a cluster never runs an operator of another version
 * (the earlier implementation defaulted to a moving `main` tag).
 *
 * The image is published by `.github/workflows/release.yml` from `Dockerfile.operator`.
 *
 * @module
 */
import { BUILD_INFO } from "../build_info.ts";

/** Where release builds push the operator image (GitHub Container Registry of the `k8zner` owner). */
export const OPERATOR_IMAGE_REPOSITORY = "ghcr.io/k8zner/k8zner-operator";

/** OCI tag grammar: a word character first, then up to 127 of `[A-Za-z0-9_.-]`. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A manifest digest as the release stamps it. */
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * The operator image for a CLI version, e.g. `operatorImage("1.2.3")` is
 * `ghcr.io/k8zner/k8zner-operator:1.2.3`. Defaults to this build's own version and, when the
 * release stamped one, its digest: `…:1.2.3@sha256:…`. With a digest the container runtime pulls
 * exactly the image the release built (a re-pushed tag cannot change it); the tag stays for people.
 *
 * @throws {RangeError} when the version is not a valid image tag or the digest is malformed.
 */
export function operatorImage(
  version: string = BUILD_INFO.version,
  digest: string = BUILD_INFO.operatorImageDigest,
): string {
  if (!TAG_PATTERN.test(version)) {
    throw new RangeError(
      `Cannot name the operator image for version "${version}": an image tag allows only letters, digits, "_", "." and "-" (at most 128)`,
    );
  }
  if (digest !== "" && !DIGEST_PATTERN.test(digest)) {
    throw new RangeError(`Cannot pin the operator image to digest "${digest}": expected sha256: and 64 hex digits`);
  }
  return `${OPERATOR_IMAGE_REPOSITORY}:${version}${digest === "" ? "" : `@${digest}`}`;
}

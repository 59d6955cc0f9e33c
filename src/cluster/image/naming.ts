/**
 * Pure naming for Talos snapshot images: the labels that find a snapshot again, the deterministic
 * names of the temporary build server and SSH key, the Image Factory URL and the shell script that
 * writes the image onto the build server's disk.
 *
 * Schematic ids are 64 hex characters, one more than a Hetzner label value may hold (63, see
 * contracts/hcloud-behaviour.md §4), so the `k8zner.io/talos-schematic` label carries the first
 * 32 hex characters (128 bits; a collision between two schematics of one project is not a
 * practical concern). Names and the description carry the first 8, for humans.
 *
 * @module
 */
import { isValidLabelValue, LABEL_KEYS, MANAGED_BY } from "../../lib/labels.ts";

/** CPU architectures k8zner builds Talos images for. */
export type TalosArch = "amd64" | "arm64";

/** What identifies one Talos image. */
export interface TalosImageIdentity {
  /** Talos version with its leading `v`, e.g. `v1.13.9`. */
  talosVersion: string;
  /** Image Factory schematic id: 64 lowercase hex characters. */
  schematicId: string;
  arch: TalosArch;
}

/** Label keys of Talos snapshots and image builds. */
export const IMAGE_LABEL_KEYS = {
  image: "k8zner.io/image",
  talosVersion: "k8zner.io/talos-version",
  talosSchematic: "k8zner.io/talos-schematic",
  arch: "k8zner.io/arch",
  purpose: "k8zner.io/purpose",
} as const;

/** Value of `k8zner.io/purpose` on the temporary build server and SSH key. */
export const IMAGE_BUILD_PURPOSE = "image-build";

/** Hex characters of the schematic id kept in the snapshot label (a label value holds at most 63). */
export const SCHEMATIC_LABEL_CHARS = 32;

/** Hex characters of the schematic id in names and descriptions. */
export const SCHEMATIC_SHORT_CHARS = 8;

/** Default Image Factory. */
export const DEFAULT_IMAGE_FACTORY = "https://factory.talos.dev";

/** Everything derived from one image identity. */
export interface TalosImageNames {
  /** Labels the snapshot carries (no cluster label: snapshots are shared across clusters). */
  snapshotLabels: Record<string, string>;
  /** Labels of the temporary build server and SSH key. */
  buildLabels: Record<string, string>;
  /** `talos-<version>-<arch>-<short schematic>`: the snapshot's description. */
  description: string;
  /** `k8zner-image-<version>-<arch>-<short schematic>`: build server name (an RFC 1123 hostname). */
  buildServerName: string;
  /** Name of the temporary SSH key (same as the server's). */
  sshKeyName: string;
}

const VERSION = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;
const SCHEMATIC = /^[0-9a-f]{64}$/;

/** Throws a TypeError naming the field when an identity is malformed. */
export function assertTalosImageIdentity(id: TalosImageIdentity): void {
  if (!VERSION.test(id.talosVersion) || !isValidLabelValue(id.talosVersion)) {
    throw new TypeError(`Cannot use talosVersion "${id.talosVersion}": expected a version like v1.13.9`);
  }
  if (!SCHEMATIC.test(id.schematicId)) {
    throw new TypeError(`Cannot use schematicId "${id.schematicId}": expected 64 lowercase hex characters`);
  }
  if (id.arch !== "amd64" && id.arch !== "arm64") {
    throw new TypeError(`Cannot use arch "${id.arch}": expected amd64 or arm64`);
  }
}

/** The names and labels of an image identity (validated). */
export function renderTalosImageNames(id: TalosImageIdentity): TalosImageNames {
  assertTalosImageIdentity(id);
  const short = id.schematicId.slice(0, SCHEMATIC_SHORT_CHARS);
  const tag = `${id.talosVersion}-${id.arch}-${short}`;
  const identity = {
    [IMAGE_LABEL_KEYS.talosVersion]: id.talosVersion,
    [IMAGE_LABEL_KEYS.talosSchematic]: id.schematicId.slice(0, SCHEMATIC_LABEL_CHARS),
    [IMAGE_LABEL_KEYS.arch]: id.arch,
  };
  return {
    snapshotLabels: { [LABEL_KEYS.managedBy]: MANAGED_BY, [IMAGE_LABEL_KEYS.image]: "talos", ...identity },
    buildLabels: { [LABEL_KEYS.managedBy]: MANAGED_BY, [IMAGE_LABEL_KEYS.purpose]: IMAGE_BUILD_PURPOSE, ...identity },
    description: `talos-${tag}`,
    buildServerName: `k8zner-image-${tag}`,
    sshKeyName: `k8zner-image-${tag}`,
  };
}

/** Hetzner's image architecture name for a Talos architecture. */
export function hetznerArchitecture(arch: TalosArch): "x86" | "arm" {
  return arch === "arm64" ? "arm" : "x86";
}

/** The smallest server type of the architecture, used for the build server. */
export function defaultBuildServerType(arch: TalosArch): string {
  return arch === "arm64" ? "cax11" : "cx23";
}

/**
 * `<base>/image/<schematic>/<version>/hcloud-<arch>.raw.xz`: the Image Factory's disk image for
 * Hetzner Cloud. `base` must be an http(s) URL without quotes or whitespace.
 */
export function renderImageFactoryUrl(id: TalosImageIdentity, base: string = DEFAULT_IMAGE_FACTORY): string {
  assertTalosImageIdentity(id);
  let url: URL;
  try {
    url = new URL(base);
  } catch (err) {
    throw new TypeError(`Cannot use imageUrlBase "${base}": not a URL`, { cause: err });
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || /[\s'"\\`$]/.test(base)) {
    throw new TypeError(`Cannot use imageUrlBase "${base}": expected a plain http(s) URL`);
  }
  return `${base.replace(/\/+$/, "")}/image/${id.schematicId}/${id.talosVersion}/hcloud-${id.arch}.raw.xz`;
}

/**
 * The bash script run on the rescue system: find the first real disk with `lsblk`, stream the
 * compressed image into it and flush. `pipefail` makes a failed download fail the whole pipeline
 * (otherwise `dd` would succeed on a truncated stream). The URL is written into each pipeline
 * (not kept in a variable) so the command reads as what it does in logs and traces.
 */
export function renderWriteImageScript(imageUrl: string): string {
  if (/[\s'"\\`$]/.test(imageUrl)) throw new TypeError(`Cannot use image URL "${imageUrl}": unsafe characters`);
  const write = "xz -d | dd of=/dev/$disk bs=4M oflag=direct status=none";
  return [
    "set -euo pipefail",
    `disk=$(lsblk -d -n -o NAME,TYPE | awk '$2 == "disk" && $1 !~ /^(loop|ram|zram|sr|fd)/ { print $1; exit }')`,
    'if [ -z "$disk" ]; then echo "k8zner: lsblk found no disk to write the image to" >&2; exit 3; fi',
    'echo "k8zner: writing the Talos image to /dev/$disk" >&2',
    "if command -v curl >/dev/null 2>&1; then",
    `  curl -fsSL '${imageUrl}' | ${write}`,
    "else",
    `  wget -qO- '${imageUrl}' | ${write}`,
    "fi",
    "sync",
    'echo "k8zner: image written to /dev/$disk" >&2',
    "",
  ].join("\n");
}

/** The remote command: the script run by bash (rescue systems log in to bash, but say so explicitly). */
export function renderWriteImageCommand(imageUrl: string): string {
  const script = renderWriteImageScript(imageUrl);
  return `bash -c '${script.replaceAll("'", `'\\''`)}'`;
}

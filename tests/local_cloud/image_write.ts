/**
 * What the local cloud's rescue system understands of a shell command: the one pipeline the image
 * build runs (download a Talos Image Factory `hcloud` disk image, `xz -d`, `dd` onto the disk), and
 * the dd-like report it prints. Pure functions; the SSH server in `rescue_ssh.ts` runs them.
 *
 * @module
 */

/** The facts of an image write pipeline. */
export interface ImageWrite {
  /** The Image Factory URL, e.g. `https://factory.talos.dev/image/<schematic>/v1.13.9/hcloud-amd64.raw.xz`. */
  url: string;
  schematicId: string;
  talosVersion: string;
  arch: "amd64" | "arm64";
  /** The `of=` target as written, e.g. `/dev/sda` or `/dev/$DISK`. */
  device: string;
}

const FACTORY_URL =
  /https:\/\/factory\.talos\.dev\/image\/([0-9a-f]{64})\/(v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\/hcloud-(amd64|arm64)\.raw\.xz/;
const DOWNLOADER = /\b(curl|wget)\b/;
const DECOMPRESS = /\|\s*(?:xz\s+(?:-[A-Za-z]*d[A-Za-z]*|--decompress)(?:\s+-[A-Za-z]+)*|unxz|xzcat)\b/;
const DD = /\|\s*dd\b[^|;&]*\bof=(\/dev\/\S+)/;

/**
 * Recognises `… curl|wget <factory url> | xz -d | dd of=/dev/… …` (any prefix such as `set -e` or a
 * `DISK=$(lsblk …)` lookup, and a trailing `&& sync`, are allowed); `undefined` for anything else.
 */
export function parseImageWriteCommand(command: string): ImageWrite | undefined {
  const url = FACTORY_URL.exec(command);
  const decompress = DECOMPRESS.exec(command);
  const dd = DD.exec(command);
  if (!url || !decompress || !dd) return undefined;
  const downloader = DOWNLOADER.exec(command.slice(0, url.index));
  // The stages must come in pipeline order: download, decompress, write.
  if (!downloader || !(url.index < decompress.index && decompress.index < dd.index)) return undefined;
  return {
    url: url[0],
    schematicId: url[1]!,
    talosVersion: url[2]!,
    arch: url[3] as "amd64" | "arm64",
    device: dd[1]!,
  };
}

/** Size of the raw disk image the fake "writes" (Talos `hcloud` images unpack to about this). */
export const RAW_IMAGE_BYTES = 1_306_525_696;

/** GNU dd's closing report (on stderr) for `bytes` written in `seconds`. */
export function renderDdReport(bytes: number, seconds: number): string {
  const records = Math.ceil(bytes / 65_536);
  const gb = (bytes / 1e9).toFixed(1);
  const gib = (bytes / 2 ** 30).toFixed(1);
  const rate = Math.round(bytes / 1e6 / Math.max(seconds, 0.001));
  return `0+${records} records in\n0+${records} records out\n` +
    `${bytes} bytes (${gb} GB, ${gib} GiB) copied, ${seconds.toFixed(2)} s, ${rate} MB/s\n`;
}

/** The first word of a command, for bash's "command not found" message. */
export function commandName(command: string): string {
  return command.trim().split(/[\s;|&]+/)[0] ?? "";
}

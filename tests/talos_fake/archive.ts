/**
 * Packs a kubeconfig the way Talos streams it: a gzip-compressed tar holding one file `kubeconfig`, mode 0600.
 *
 * @module
 */

/** Builds the gzip tar for the Kubeconfig RPC. */
export async function packKubeconfigArchive(kubeconfig: string, mtime: Date): Promise<Uint8Array> {
  const data = new TextEncoder().encode(kubeconfig);
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0") + "\0";
  put(0, "kubeconfig");
  put(100, octal(0o600, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(data.length, 12));
  put(136, octal(Math.floor(mtime.getTime() / 1000), 12));
  put(148, "        ");
  put(156, "0");
  put(257, "ustar\0");
  put(263, "00");
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  put(148, checksum.toString(8).padStart(6, "0") + "\0 ");
  const tar = new Uint8Array(512 + Math.ceil(data.length / 512) * 512 + 1024);
  tar.set(header);
  tar.set(data, 512);
  const gzip = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(gzip).arrayBuffer());
}

/**
 * Writing credentials to disk: files readable only by their owner (0600) in directories only their
 * owner can enter (0700). Talos secrets, talosconfig and kubeconfig all go through here.
 *
 * @module
 */
import { dirname } from "node:path";

/** Mode of a credential file. */
export const SECRET_FILE_MODE = 0o600;
/** Mode of a directory holding credentials. */
export const SECRET_DIR_MODE = 0o700;

/** Options of {@linkcode ensureSecretDir}. */
export interface EnsureSecretDirOptions {
  /**
   * When the directory exists and others may read it, narrow it to 0700. Use for directories
   * k8zner owns (e.g. `generate -o DIR`), never for a user's working directory.
   */
  tighten?: boolean;
}

/** Creates `path` (and missing parents) with mode 0700. Returns true when it had to create it. */
export async function ensureSecretDir(path: string, options: EnsureSecretDirOptions = {}): Promise<boolean> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (info) {
    if (!info.isDirectory) throw new Error(`Cannot use directory "${path}": it is not a directory`);
    if (options.tighten && info.mode !== null && (info.mode & 0o077) !== 0) {
      await Deno.chmod(path, SECRET_DIR_MODE);
    }
    return false;
  }
  await Deno.mkdir(path, { recursive: true, mode: SECRET_DIR_MODE });
  // mkdir's mode is filtered by the umask; set it exactly.
  await Deno.chmod(path, SECRET_DIR_MODE);
  return true;
}

/**
 * Writes a credential file with mode 0600, creating its directory with mode 0700 when missing.
 * The content goes to a temporary file in the same directory first and is renamed into place,
 * so a reader never sees a half-written file and the mode is right from the first byte.
 */
export async function writeSecretFile(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await ensureSecretDir(dir);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeFile(tmp, bytes, { mode: SECRET_FILE_MODE, createNew: true });
    await Deno.chmod(tmp, SECRET_FILE_MODE);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * Streams bytes into a credential file (e.g. an etcd snapshot, which holds every secret of the cluster):
 * into `<path>.partial` created fresh with mode 0600, renamed into place once complete. A `.partial` left
 * by a killed run, whatever its mode, or a symlink planted there, is removed first, never written through:
 * the file is created with O_EXCL, so no existing file or link at that path is ever opened. On failure the
 * partial file is removed and `path` is left as it was. Returns the byte count.
 */
export async function writeSecretStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: number }> {
  await ensureSecretDir(dirname(path));
  const partial = `${path}.partial`;
  await removeIfPresent(partial);
  const file = await Deno.open(partial, { write: true, createNew: true, mode: SECRET_FILE_MODE });
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      bytes += chunk.length;
    }
    file.close();
  } catch (err) {
    file.close();
    await Deno.remove(partial).catch(() => {});
    throw err;
  }
  await Deno.rename(partial, path);
  return { bytes };
}

/** Removes a file or symlink (the link itself, never its target); nothing there is fine. */
async function removeIfPresent(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (info.isDirectory) throw new Error(`Cannot write "${path}": a directory is in the way`);
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Reads a text file, or returns undefined when it does not exist (other errors propagate). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

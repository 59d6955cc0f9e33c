/**
 * Bearer authentication from a token file that is re-read whenever it changes: projected
 * service-account tokens (what a pod gets) expire after about an hour and the kubelet rewrites the
 * file well before that, so a long-running process must pick up the new one. The file is stat'ed on
 * every request (cheap) and read again only when its modification time or size moved.
 *
 * @module
 */

/** Reads the current token of a token file. */
export interface TokenFileReader {
  /** The token (trimmed); throws when the file cannot be read or is empty. */
  token(): string;
}

/** File access, injected for tests. */
export interface TokenFileSystem {
  stat(path: string): { mtimeMs: number | undefined; size: number };
  read(path: string): string;
}

const realFs: TokenFileSystem = {
  stat: (path) => {
    const info = Deno.statSync(path);
    return { mtimeMs: info.mtime?.getTime(), size: info.size };
  },
  read: (path) => Deno.readTextFileSync(path),
};

/** Creates a reader for `path`. */
export function createTokenFileReader(path: string, fs: TokenFileSystem = realFs): TokenFileReader {
  let cached: { key: string; token: string } | undefined;
  return {
    token() {
      const info = fs.stat(path);
      const key = `${info.mtimeMs}:${info.size}`;
      if (cached?.key === key) return cached.token;
      const token = fs.read(path).trim();
      if (token === "") throw new TypeError(`Cannot authenticate: token file ${path} is empty`);
      cached = { key, token };
      return token;
    },
  };
}

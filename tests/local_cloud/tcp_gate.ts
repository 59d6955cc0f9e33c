/**
 * One listening loopback port that forwards each connection as a plain TCP proxy to a backend chosen
 * per connection (TLS passes through untouched), or drops it at once with a logged reason. The public
 * and private networks of the local cloud put these in front of the fakes.
 *
 * @module
 */

/** Where a fake really listens. */
export interface Backend {
  hostname: string;
  port: number;
}

/** Where a connection goes, or why it is dropped. */
export type Route = { backend: Backend } | { drop: string };

/** One listening public port. */
export class Gate {
  readonly #listener: Deno.Listener;
  readonly #open = new Set<Deno.Conn>();
  readonly #done: Promise<void>;

  constructor(listener: Deno.Listener, route: () => Route, log: (line: string) => void) {
    this.#listener = listener;
    const addr = listener.addr as Deno.NetAddr;
    const where = `${addr.hostname}:${addr.port}`;
    this.#done = (async () => {
      try {
        for await (const conn of listener) this.#forward(conn, route, (why) => log(`${where}: ${why}`));
      } catch {
        // closed
      }
    })();
  }

  async #forward(conn: Deno.Conn, route: () => Route, log: (line: string) => void): Promise<void> {
    this.#open.add(conn);
    let upstream: Deno.Conn | undefined;
    try {
      const r = route();
      if ("drop" in r) {
        log(r.drop);
        return;
      }
      try {
        upstream = await Deno.connect(r.backend);
      } catch {
        log(`nothing answers at ${r.backend.hostname}:${r.backend.port}`);
        return;
      }
      this.#open.add(upstream);
      // Either side ending (or failing) ends the connection: both are closed below.
      await Promise.race([copy(conn, upstream), copy(upstream, conn)]);
    } finally {
      for (const c of [conn, upstream]) {
        if (!c) continue;
        this.#open.delete(c);
        try {
          c.close();
        } catch {
          // already closed by its stream
        }
      }
    }
  }

  /** Stops listening and cuts every forwarded connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const c of this.#open) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    this.#open.clear();
    await this.#done;
  }
}

/**
 * Copies `from` to `to` until `from` ends or either fails, through one reused buffer. Not
 * `readable.pipeTo(writable)`: every byte of the local cloud's Kubernetes and Talos traffic passes a
 * gate, and the streams' per-chunk buffers and promises cost the test process several times the
 * CPU of plain reads and writes.
 */
async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) return;
      for (let written = 0; written < n;) written += await to.write(buffer.subarray(written, n));
    }
  } catch {
    // closed or reset: the connection ends
  }
}

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
      const a = conn.readable.pipeTo(upstream.writable).catch(() => {});
      const b = upstream.readable.pipeTo(conn.writable).catch(() => {});
      await Promise.race([a, b]);
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

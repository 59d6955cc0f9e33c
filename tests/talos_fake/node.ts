/**
 * One fake Talos node: its lifecycle (maintenance -> configured, reboots, reset, power), its TLS identity in
 * each mode, and the HTTP/2 server that gives it an address. The RPCs themselves are in `handlers.ts`.
 *
 * @module
 */
import "reflect-metadata";
import http2 from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import * as x509 from "@peculiar/x509";
import { generateCa, issueCertificate } from "../../src/talos/pki.ts";
import { TALOS_METHODS, type TalosMethodName } from "../../src/talos/api_methods.ts";
import type { ApplyMode } from "../../src/talos/messages/apply.ts";
import { etcdDataHeld, type FakeEtcd, hasQuorum, settleEtcd } from "./etcd_cluster.ts";
import { encodeEtcdDb, sealSnapshot } from "./etcd_snapshot.ts";
import { type RpcCall, serveGrpcStream } from "./grpc_server.ts";
import { type AppliedConfig, readAppliedConfig, resolveOsCaKey } from "./machine_config.ts";
import { loadTalosConfigSchema, type TalosConfigSchema } from "./config_decoder.ts";
import type { ValidationContext } from "./config_validation.ts";
import { FakeTalosFaults } from "./faults.ts";
import { handleCall } from "./handlers.ts";

/** Shared by the fake nodes of one cluster: who is reachable by name, and the etcd cluster once bootstrapped. */
export interface FakeTalosNetwork {
  nodes: Map<string, FakeTalosNodeCore>;
  etcd: FakeEtcd | undefined;
}

/**
 * Lets etcd of `network` move on (`etcd_cluster.ts`): caught-up learners are promoted, and configured
 * control planes that are not members (the cluster had no quorum when they came up) join now.
 */
export function settleNetwork(network: FakeTalosNetwork): void {
  const etcd = network.etcd;
  if (!etcd) return;
  const nodes = [...new Set(network.nodes.values())];
  settleEtcd(etcd, nodes);
  for (const node of nodes) node.joinEtcdIfPossible();
}

/** Creates an empty network for a set of fake nodes (pass it to every node of the cluster). */
export function createFakeTalosNetwork(): FakeTalosNetwork {
  return { nodes: new Map(), etcd: undefined };
}

/** Options of `startFakeTalosNode`. */
export interface FakeTalosNodeOptions {
  /** Address to listen on, e.g. `127.0.3.7`; also the name other nodes and `nodes` metadata use. */
  hostname: string;
  /** Port (default 50000; 0 picks a free one, kept across reboots). */
  port?: number;
  /** Node name (defaults to the config's hostname, else the address). */
  nodeName?: string;
  /**
   * The kubeconfig the Kubeconfig RPC returns (may be async: the local cloud issues an admin certificate
   * from the cluster's Kubernetes CA per call, as Talos does).
   */
  kubeconfig?: () => string | Promise<string>;
  /** The clock for certificates and event times. */
  clock?: () => Date;
  network?: FakeTalosNetwork;
  /** How long a reboot keeps the API down (default 50 ms). */
  rebootDelayMs?: number;
  /** Talos version reported by Version (default `v1.13.9`). */
  talosVersion?: string;
  /** Bytes per streamed chunk (default 16 KiB). */
  chunkSize?: number;
  /**
   * More addresses of the node for its serving certificate (Talos puts every node address in apid's
   * certificate): read at each boot. The local cloud passes the private IPs and their loopback stand-ins.
   */
  extraAddresses?: () => string[];
  /**
   * How long after joining etcd as a learner this node has caught up and is promoted to a voter (real
   * ms, default 50; the local cloud scales Talos's usual seconds by its speed).
   */
  learnerPromotionMs?: number;
  /**
   * Talos' platform mode (default `cloud`, as on Hetzner Cloud): only `metal` makes Talos check the
   * install section of an applied config.
   */
  platformMode?: "cloud" | "metal";
  /**
   * What Talos' upgrade sequence does in Kubernetes before the reboot (cordon and drain the node); the
   * local cloud plugs it in. The API keeps answering meanwhile, on the old version.
   */
  beforeUpgradeReboot?: (node: FakeTalosNodeCore) => Promise<void>;
}

/** Where the node is in its life. */
export type FakeNodeMode = "maintenance" | "configured" | "rebooting" | "off";

/** One recorded call. */
export interface FakeCallRecord {
  method: TalosMethodName | string;
  roles: string[];
  /** gRPC status code the call ended with at this node. */
  code: number;
}

/** Everything tests may inspect. */
export interface FakeNodeState {
  mode: FakeNodeMode;
  /** The machine config YAML last applied (undefined in maintenance). */
  appliedConfig: string | undefined;
  config: AppliedConfig | undefined;
  stagedConfig: string | undefined;
  /** True on the node that ran Bootstrap successfully. */
  bootstrapped: boolean;
  /** This node's etcd member id while it is a member. */
  etcdMemberId: bigint | undefined;
  /** etcd was stopped on this node (it left the cluster): no rejoin until the next boot. */
  etcdStopped: boolean;
  /** An upgrade runs (Talos' machine stage "upgrading": the node is cordoned) until the node boots again. */
  upgrading: boolean;
  /** The snapshot uploaded with EtcdRecover (Talos' `/var/lib/etcd.snapshot`), until a recovery uses it. */
  recoverySnapshot: Uint8Array | undefined;
  /** A failed recovery wrote into etcd's data directory: Bootstrap is refused until a reset wipes it. */
  etcdDataDirty: boolean;
  /** Why etcd failed to start (a failed recovery), until the next boot. */
  etcdFailure: string | undefined;
  talosVersion: string;
  installImage: string | undefined;
  stagedUpgradeImage: string | undefined;
  rebootCount: number;
  resetCount: number;
  /**
   * How often Talos restarted the kubelet service for a config applied without a reboot that changed
   * `machine.kubelet` (its image above all: how Kubernetes upgrades reach kubelets).
   */
  kubeletRestarts: number;
  applyHistory: Array<{ mode: ApplyMode | number; dryRun: boolean; inMaintenance: boolean }>;
  calls: FakeCallRecord[];
  /** Client connections refused (no/foreign certificate, wrong key usage), with the reason. */
  rejectedClients: string[];
  /** GOAWAY frames received from clients (ours end sessions without one; see `src/talos/grpc/channel.ts`). */
  goawaysReceived: number;
}

/** The node object handlers work on. */
export class FakeTalosNodeCore {
  readonly hostname: string;
  readonly faults = new FakeTalosFaults();
  readonly network: FakeTalosNetwork;
  readonly options: FakeTalosNodeOptions;
  readonly clock: () => Date;
  readonly state: FakeNodeState;
  /** What applied configs are checked against (the official Talos schema; required, see `config_decoder.ts`). */
  readonly configSchema: TalosConfigSchema;
  /** The throw-away CA of maintenance mode (tests use it to show clients cannot trust it). */
  maintenanceCaPem = "";
  #port: number;
  #server: http2.Http2SecureServer | undefined;
  /** Open sessions, each with its peer's `address:port`. */
  #sessions = new Map<http2.ServerHttp2Session, string>();
  /** The TLS socket of each connection, by the peer's `address:port`. */
  #sockets = new Map<string, TLSSocket>();
  /** Every TCP connection of the current server. */
  #connections = new Set<Socket>();
  #life = new AbortController();
  #booting: Promise<void> = Promise.resolve();

  constructor(options: FakeTalosNodeOptions) {
    this.options = options;
    this.hostname = options.hostname;
    this.#port = options.port ?? 50000;
    this.clock = options.clock ?? (() => new Date());
    this.network = options.network ?? createFakeTalosNetwork();
    this.configSchema = loadTalosConfigSchema();
    this.state = {
      mode: "off",
      appliedConfig: undefined,
      config: undefined,
      stagedConfig: undefined,
      bootstrapped: false,
      etcdMemberId: undefined,
      etcdStopped: false,
      upgrading: false,
      recoverySnapshot: undefined,
      etcdDataDirty: false,
      etcdFailure: undefined,
      talosVersion: options.talosVersion ?? "v1.13.9",
      installImage: undefined,
      stagedUpgradeImage: undefined,
      rebootCount: 0,
      resetCount: 0,
      kubeletRestarts: 0,
      applyHistory: [],
      calls: [],
      rejectedClients: [],
      goawaysReceived: 0,
    };
  }

  /** Actual port (after a port-0 listen). */
  get port(): number {
    return this.#port;
  }

  /** The node's name as etcd and Kubernetes see it. */
  get nodeName(): string {
    return this.options.nodeName ?? this.state.config?.hostname ?? this.hostname;
  }

  /** How Talos on this node would validate an applied config now. */
  get validationContext(): ValidationContext {
    return {
      inMaintenance: this.inMaintenance,
      talosVersion: this.state.talosVersion,
      platformMode: this.options.platformMode ?? "cloud",
    };
  }

  /** Roles of the machine-config-less node: maintenance mode or not. */
  get inMaintenance(): boolean {
    return this.state.mode === "maintenance";
  }

  /** Boots the node: the API comes up in maintenance mode or, with a config, in configured mode. */
  async powerOn(): Promise<void> {
    if (this.state.mode !== "off") return;
    this.#booting = this.#boot(0);
    await this.#booting;
  }

  /** Resolves when the node finished (re)booting. */
  async waitForBoot(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#booting;
      await current;
    } while (current !== this.#booting);
  }

  /** Takes the API down briefly and brings it back (with a staged config or upgrade applied). */
  scheduleReboot(): void {
    this.state.rebootCount++;
    this.#booting = this.#boot(this.options.rebootDelayMs ?? 50);
  }

  /**
   * Runs an upgrade: the steps before the reboot (`beforeUpgradeReboot`; their failure is only logged by
   * Talos, so it is ignored here too), then the reboot into the staged image. {@linkcode waitForBoot}
   * covers both.
   */
  scheduleUpgrade(): void {
    this.state.upgrading = true;
    this.state.rebootCount++;
    const before = this.options.beforeUpgradeReboot?.(this).catch(() => {}) ?? Promise.resolve();
    this.#booting = before.then(() => this.#boot(this.options.rebootDelayMs ?? 50));
  }

  /** Takes the API down until {@linkcode powerOn}. */
  scheduleShutdown(): void {
    this.#booting = this.#stopServer().then(() => {
      this.state.mode = "off";
    });
  }

  /**
   * A snapshot of the etcd this node is a member of, as EtcdSnapshot streams it: the database holding what
   * etcd holds now (`FakeEtcd.content`), then its SHA-256. The same content always gives the same bytes.
   */
  etcdSnapshotBytes(): Uint8Array {
    const etcd = this.network.etcd;
    const content = etcd?.content?.() ?? etcd?.recoveredFrom ?? new Uint8Array(0);
    return sealSnapshot(encodeEtcdDb(content));
  }

  /** Joins the network's etcd cluster if it exists and this is a configured control plane. */
  joinEtcdIfPossible(): void {
    const etcd = this.network.etcd;
    if (!etcd || this.state.mode !== "configured" || this.state.config?.machineType === "worker") return;
    if (this.state.etcdStopped) return;
    const id = this.state.etcdMemberId;
    if (id !== undefined && etcd.members.some((m) => m.id === id)) return;
    // etcd on a node whose member was removed refuses to start until its data is wiped (reset).
    if (id !== undefined && etcd.removed?.has(id)) return;
    // Talos adds a new member as a learner (MemberAddAsLearner needs quorum; it retries until then).
    if (!hasQuorum(etcd, this.network.nodes.values())) return;
    const member = { ...newEtcdMember(this.nodeName, this.hostname), isLearner: true };
    etcd.members.push(member);
    (etcd.promoteAt ??= new Map()).set(member.id, Date.now() + (this.options.learnerPromotionMs ?? 50));
    this.state.etcdMemberId = member.id;
  }

  /** Stops the node for good. */
  async close(): Promise<void> {
    this.#life.abort();
    await this.#booting.catch(() => {});
    await this.#stopServer();
    this.state.mode = "off";
    for (const [name, node] of this.network.nodes) if (node === this) this.network.nodes.delete(name);
    forgetEtcdWithoutData(this.network);
  }

  async #boot(delayMs: number): Promise<void> {
    await this.#stopServer();
    this.state.mode = "rebooting";
    this.state.etcdStopped = false;
    this.state.etcdFailure = undefined;
    this.state.upgrading = false;
    if (delayMs > 0) await sleep(delayMs, this.#life.signal);
    if (this.#life.signal.aborted) return;
    if (this.state.stagedConfig !== undefined) {
      this.state.appliedConfig = this.state.stagedConfig;
      // Validated when it was staged; a staged config always has its v1alpha1 document.
      this.state.config = readAppliedConfig(this.state.stagedConfig, this.configSchema, {
        ...this.validationContext,
        inMaintenance: false,
      });
      this.state.stagedConfig = undefined;
    }
    if (this.state.stagedUpgradeImage !== undefined) {
      this.state.installImage = this.state.stagedUpgradeImage;
      this.state.talosVersion = this.state.stagedUpgradeImage.split(":").at(-1) ?? this.state.talosVersion;
      this.state.stagedUpgradeImage = undefined;
    }
    const config = this.state.config;
    let tls: http2.SecureServerOptions;
    const notBefore = new Date(this.clock().getTime() - 60 * 60 * 1000);
    const sans = {
      ipAddresses: isIp(this.hostname) ? [this.hostname] : [],
      dnsNames: isIp(this.hostname) ? [] : [this.hostname],
    };
    if (!config) {
      const ca = await generateCa({ algorithm: "Ed25519", commonName: "maintenance root", notBefore, validityDays: 1 });
      this.maintenanceCaPem = ca.certPem;
      const cert = await issueCertificate(ca, {
        algorithm: "Ed25519",
        commonName: this.hostname,
        ...sans,
        usage: "server",
        notBefore,
        validityDays: 1,
      });
      tls = { key: cert.keyPem, cert: cert.certPem, requestCert: false };
    } else {
      const ca = {
        certPem: config.osCaCertPem,
        keyPem: config.osCaKeyPem ?? resolveOsCaKey(config, this.network.nodes.values()),
      };
      const extra = this.options.extraAddresses?.() ?? [];
      for (const san of [...extra, ...config.certSans]) {
        const list = isIp(san) ? sans.ipAddresses : sans.dnsNames;
        if (!list.includes(san)) list.push(san);
      }
      const cert = await issueCertificate(ca, {
        algorithm: "Ed25519",
        commonName: this.nodeName,
        ...sans,
        usage: "server",
        notBefore,
        validityDays: 365,
      });
      // Verification happens per call (handlers), so a refused client is recorded with its reason.
      tls = {
        key: cert.keyPem,
        cert: cert.certPem,
        ca: config.osCaCertPem,
        requestCert: true,
        rejectUnauthorized: false,
      };
    }
    if (this.#life.signal.aborted) return;
    await this.#startServer(tls);
    this.state.mode = config ? "configured" : "maintenance";
    this.joinEtcdIfPossible();
  }

  async #startServer(tls: http2.SecureServerOptions): Promise<void> {
    const server = http2.createSecureServer({ ...tls, allowHTTP1: false });
    // Each session's TLS socket, matched by the peer's address: the session only exposes a proxy of it,
    // and Deno may announce the session before the socket.
    const live = () => this.#server === server;
    // A connection that arrives while the node goes down is dropped at once (server.close() waits for it).
    server.on("connection", (socket: Socket) => {
      if (!live()) {
        socket.destroy();
        return;
      }
      this.#connections.add(socket);
      socket.once("close", () => this.#connections.delete(socket));
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      if (!live()) {
        socket.destroy();
        return;
      }
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      this.#sockets.set(key, socket);
      socket.once("close", () => this.#sockets.get(key) === socket && this.#sockets.delete(key));
    });
    server.on("session", (session) => {
      this.#sessions.set(session, `${session.socket.remoteAddress}:${session.socket.remotePort}`);
      session.on("close", () => this.#sessions.delete(session));
      session.on("error", () => {});
      session.on("goaway", () => this.state.goawaysReceived++);
    });
    server.on("stream", (stream, headers) => this.#onStream(stream, headers));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, this.hostname, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
    this.#server = server;
  }

  /**
   * Takes the API down like a machine that reboots: connections drop without a GOAWAY (clients see
   * UNAVAILABLE). Sockets go first, then sessions, then the listener: `session.destroy()` and
   * `server.close()` would each send a GOAWAY, and a Deno client that receives one can abort in nghttp2
   * (denoland/deno#36788).
   */
  async #stopServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    // Replies already sent (an ApplyConfiguration answered just before its reboot) must reach the client.
    await Promise.all([...this.#sessions.keys()].map(flushSession));
    for (const socket of [...this.#sockets.values()]) socket.destroy();
    for (const session of [...this.#sessions.keys()]) this.#dropSession(session);
    // Connections still in their TLS handshake carry no HTTP/2 yet.
    for (const socket of [...this.#connections]) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops one session without a GOAWAY: its TLS socket first, then the session. */
  #dropSession(session: http2.ServerHttp2Session): void {
    const key = this.#sessions.get(session);
    const socket = key === undefined ? undefined : this.#sockets.get(key);
    if (socket && !socket.destroyed) socket.destroy();
    if (!session.destroyed) session.destroy();
  }

  #onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    if (!this.#server) {
      // Going down: refuse new calls (clients see UNAVAILABLE) instead of starting what gets cut.
      stream.on("error", () => {});
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const path = String(headers[":path"] ?? "");
    const name = (Object.keys(TALOS_METHODS) as TalosMethodName[]).find((n) => TALOS_METHODS[n] === path);
    const refusal = name ? this.#refusal(stream.session?.socket as TLSSocket) : undefined;
    if (refusal !== undefined) {
      // Real apid refuses such clients in the TLS handshake; the client sees the connection drop.
      this.state.rejectedClients.push(refusal);
      if (stream.session) this.#dropSession(stream.session as http2.ServerHttp2Session);
      return;
    }
    const cut = name ? this.faults.takeCut(name) : undefined;
    serveGrpcStream(
      stream,
      headers,
      name ? (request, call: RpcCall, send) => handleCall(this, name, request, call, send) : undefined,
      cut,
      { clientStreaming: name === "EtcdRecover" },
    );
  }

  /** Why the client certificate is refused in configured mode (undefined: accepted or not needed). */
  #refusal(socket: TLSSocket): string | undefined {
    if (this.state.mode !== "configured") return undefined;
    const peer = socket.getPeerCertificate?.();
    if (!peer || !peer.raw) return "no client certificate";
    if (!socket.authorized) return `client certificate not signed by the OS CA: ${socket.authorizationError}`;
    const cert = clientCertificate(peer.raw as Buffer);
    if (!cert.clientAuthOnly) return `certificate "${cert.subject}" is missing the client auth extended key usage`;
    return undefined;
  }
}

/** Organizations (roles) of the peer certificate; maintenance mode grants `os:reader` to everyone. */
export function rolesOf(node: FakeTalosNodeCore, socket: TLSSocket): string[] {
  if (node.state.mode !== "configured") return ["os:reader"];
  const raw = socket.getPeerCertificate?.()?.raw;
  if (!raw) return [];
  return [...clientCertificate(raw as Buffer).organizations];
}

/** What the node reads from a client certificate: its subject, whether its only EKU is clientAuth, its roles. */
interface ClientCertificate {
  subject: string;
  clientAuthOnly: boolean;
  organizations: readonly string[];
}

/**
 * Client certificates already read, by their DER bytes (base64). apid reads a client's certificate once, in
 * the TLS handshake, and every call on that connection uses the result; here each call asked for it twice
 * (the refusal check and the roles), and @peculiar/x509's ASN.1 parse took 5-9 ms a time under load, 500 calls
 * in an upgrade. The result is a pure function of the bytes. Kept small: a test makes a handful of clients.
 */
const clientCertificates = new Map<string, ClientCertificate>();
const CLIENT_CERTIFICATES_KEPT = 256;

function clientCertificate(raw: Buffer): ClientCertificate {
  const key = Buffer.from(raw).toString("base64");
  let read = clientCertificates.get(key);
  if (read) return read;
  const cert = new x509.X509Certificate(new Uint8Array(raw));
  const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
  read = {
    subject: cert.subject,
    clientAuthOnly: usages.length === 1 && usages[0] === x509.ExtendedKeyUsage.clientAuth,
    organizations: Object.freeze(cert.subjectName.getField("O")),
  };
  if (clientCertificates.size >= CLIENT_CERTIFICATES_KEPT) clientCertificates.clear();
  clientCertificates.set(key, read);
  return read;
}

/**
 * Drops the network's etcd once no node holds its data any more (every member's node deleted or wiped):
 * nothing is left to start it from, so a new Bootstrap (or a recovery) starts a new cluster.
 */
export function forgetEtcdWithoutData(network: FakeTalosNetwork): void {
  if (network.etcd && !etcdDataHeld(network.etcd, network.nodes.values())) network.etcd = undefined;
}

/** A new etcd member with a random 64-bit id, as etcd assigns. */
export function newEtcdMember(name: string, address: string): FakeEtcd["members"][number] {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  bytes[0] = (bytes[0]! | 0x10) & 0x7f; // non-zero, above 2^53 like real ids, below 2^63
  const id = new DataView(bytes.buffer).getBigUint64(0);
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    id,
    hostname: name,
    peerUrls: [`https://${host}:2380`],
    clientUrls: [`https://${host}:2379`],
    isLearner: false,
  };
}

function isIp(value: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(value) || value.includes(":");
}

/** Waits `ms`, ending early (without error) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Waits until the client acknowledged a PING sent after everything queued on the session (frames go out
 * in order), so destroying the socket next loses no reply. Gives up after 200 ms (a client that is gone).
 */
function flushSession(session: http2.ServerHttp2Session): Promise<void> {
  if (session.closed || session.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 200);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      if (!session.ping(done)) done();
    } catch {
      done();
    }
  });
}

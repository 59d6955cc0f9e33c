/**
 * Keep-alive connections for one Kubernetes client. @kubernetes/client-node 1.4 builds a new
 * `https.Agent` for every request (`KubeConfig.applyToHTTPSOptions` and the typed APIs'
 * `applySecurityAuthentication` both call `createAgent`), so each request paid a mutual-TLS handshake
 * on both sides: 456 connections for 971 requests in one dev apply. This pool keeps one agent per
 * TLS identity (CA, client certificate and key, server name, verification) and reuses its sockets.
 *
 * Ordinary requests and watches use separate agents: a watch holds its socket for minutes, and with a
 * bounded request agent a handful of watches would otherwise queue the requests behind them.
 *
 * @module
 */
import http from "node:http";
import https from "node:https";
import { createHash } from "node:crypto";

/**
 * How long an idle socket is kept. kube-apiserver closes a connection idle for 90 s
 * (k8s.io/apiserver/pkg/server/secure_serving.go: `IdleTimeout: 90 * time.Second`, "matches
 * http.DefaultTransport keep-alive timeout"), and a load balancer in front of it may cut one sooner.
 * Closing ours well before avoids reusing a socket the server is closing at that moment.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 30_000;
/**
 * Concurrent requests per identity; more wait for a free socket. k8zner's callers run a few requests
 * at a time, client-go's default QPS/burst (5/10) is of the same order.
 */
export const MAX_REQUEST_SOCKETS = 16;

/** The TLS fields of node:https request options that tell identities apart. */
const TLS_FIELDS = ["ca", "cert", "key", "pfx", "passphrase", "servername", "rejectUnauthorized"] as const;

/** Agents shared by one client's requests. */
export interface AgentPool {
  /**
   * The agent for a request to `url` with these (client-node-filled) TLS options: an ordinary request,
   * or a watch, which holds its socket for long.
   */
  agentFor(url: URL, tls: https.RequestOptions, use: "request" | "watch"): http.Agent;
  /** Closes every socket (idle ones at once, busy ones too); later requests open new ones. */
  destroy(): void;
}

/** Creates an empty pool. */
export function createAgentPool(): AgentPool {
  const agents = new Map<string, http.Agent>();
  return {
    agentFor(url, tls, use) {
      // A digest, so the map's keys hold no private key material.
      const hash = createHash("sha256").update(url.protocol).update(use);
      for (const field of TLS_FIELDS) hash.update(`\0${field}=${String(tls[field] ?? "")}`);
      const key = hash.digest("hex");
      let agent = agents.get(key);
      if (!agent) {
        const options = {
          keepAlive: true,
          // Node (and Deno, measured with 2.9.6) destroys a free socket after `timeout` of silence and
          // unrefs free sockets, so an idle connection never keeps the CLI from exiting. A busy socket
          // only gets a 'timeout' event, which nothing here acts on: a watch silent for 35 s kept
          // delivering (measured, Deno 2.9.6).
          timeout: IDLE_SOCKET_TIMEOUT_MS,
          // Watches are bounded by their callers (one per informer); requests by this.
          maxSockets: use === "watch" ? Infinity : MAX_REQUEST_SOCKETS,
          maxFreeSockets: use === "watch" ? 4 : MAX_REQUEST_SOCKETS,
        };
        agent = url.protocol === "https:"
          ? new https.Agent({ ...options, ...Object.fromEntries(TLS_FIELDS.map((f) => [f, tls[f]])) })
          : new http.Agent(options);
        agents.set(key, agent);
      }
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

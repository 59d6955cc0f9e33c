import { assertEquals } from "../../../../tests/assert.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { ControlPlaneEtcd } from "../healing/etcd_audit.ts";
import { checkEtcdGate, checkNodeGate } from "./gates.ts";

const desired = expandSpec({ name: "g", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx23" } });
const CPS = ["g-cp-1", "g-cp-2", "g-cp-3"];

function node(name: string, ready: string) {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: { conditions: [{ type: "Ready", status: ready }] },
  };
}

function etcd(members: string[], unhealthy: string[] = [], learner?: string): ControlPlaneEtcd[] {
  const list = members.map((hostname, i) => ({
    id: BigInt(i + 1),
    hostname,
    peerUrls: [],
    clientUrls: [],
    isLearner: hostname === learner,
  }));
  return CPS.map((name, i) => ({
    name,
    privateIp: `10.0.0.${i + 2}`,
    members: list,
    etcdHealthy: !unhealthy.includes(name),
    error: undefined,
  }));
}

Deno.test("checkNodeGate() wants a Ready Node for every planned server", () => {
  const all = desired.servers.map((s) => node(s.name, "True"));
  assertEquals(checkNodeGate(desired.servers, all), { ok: true });
  assertEquals(checkNodeGate(desired.servers, all.slice(1)), {
    ok: false,
    reason: "NodeMissing",
    message: "no Node yet for g-cp-1",
  });
  const oneDown = all.map((n) => n.metadata.name === "g-w-1" ? node("g-w-1", "Unknown") : n);
  assertEquals(checkNodeGate(desired.servers, oneDown), {
    ok: false,
    reason: "NodeNotReady",
    message: "g-w-1 not Ready",
  });
});

Deno.test("checkEtcdGate() wants every control plane a healthy voting member and no other member", () => {
  assertEquals(checkEtcdGate(CPS, etcd(CPS)), { ok: true });
  const oneUnhealthy = checkEtcdGate(CPS, etcd(CPS, ["g-cp-2"]));
  assertEquals(!oneUnhealthy.ok && oneUnhealthy.message.startsWith("etcd on g-cp-2 is not healthy yet"), true);
  const unhealthy = checkEtcdGate(CPS, etcd(CPS, ["g-cp-2", "g-cp-3"]));
  assertEquals(!unhealthy.ok && unhealthy.reason, "EtcdUnhealthy");
  const learner = checkEtcdGate(CPS, etcd(CPS, [], "g-cp-3"));
  assertEquals(!learner.ok && learner.reason, "EtcdMembership");
  const extra = checkEtcdGate(CPS, etcd([...CPS, "g-cp-9"]));
  assertEquals(!extra.ok && extra.message, "etcd has members that are not planned control planes: g-cp-9");
  const missing = checkEtcdGate(CPS, etcd(["g-cp-1", "g-cp-2"]));
  assertEquals(!missing.ok && missing.reason, "EtcdMembership");
});

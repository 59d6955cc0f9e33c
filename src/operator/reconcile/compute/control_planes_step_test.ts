/**
 * reconcileControlPlanes() with in-test fakes for Talos, Events and node actions: what it does, not only
 * what it decides.
 *
 * @module
 */
import { assertEquals, assertOk } from "../../../../tests/assert.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { EtcdMember } from "../../../talos/api_client.ts";
import { OperatorMetrics } from "../../runtime/mod.ts";
import type { ComputeView, NodeActions, ReconcileContext } from "../context.ts";
import { reconcileControlPlanes } from "./control_planes.ts";

const desired = expandSpec({ name: "c", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx23" } });

interface World {
  members: EtcdMember[];
  etcdHealthy: Set<string>;
  events: string[];
  added: string[];
}

function member(name: string, isLearner = false): EtcdMember {
  return { id: BigInt(name.length + (isLearner ? 100 : 0)), hostname: name, peerUrls: [], clientUrls: [], isLearner };
}

function setup(world: World) {
  const ipToName = new Map(desired.servers.map((s) => [s.privateIp, s.name]));
  const talosClient = (endpoint: string) => ({
    etcdMemberList: () => Promise.resolve([{ node: undefined, legacyMembers: [], members: world.members }]),
    serviceList: () => {
      const name = ipToName.get(endpoint)!;
      const healthy = world.etcdHealthy.has(name);
      return Promise.resolve([{
        node: undefined,
        services: [{
          id: "etcd",
          state: healthy ? "Running" : "Preparing",
          events: [],
          health: { unknown: false, healthy, lastMessage: "" },
        }],
      }]);
    },
    close: () => Promise.resolve(),
  });
  const noop = () => {};
  const log = { debug: noop, info: noop, warn: noop, error: noop, with: () => log };
  const ctx = {
    cluster: { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", metadata: { name: "c", namespace: "ns" } },
    desired,
    talos: { talosClient },
    events: {
      record: (_o: unknown, _t: string, reason: string) => {
        world.events.push(reason);
        return Promise.resolve();
      },
    },
    log,
    metrics: new OperatorMetrics(["Compute"]),
    memory: new Map(),
    signal: new AbortController().signal,
  } as unknown as ReconcileContext;
  const actions: NodeActions = {
    addNode: (name) => {
      world.added.push(name);
      return Promise.resolve();
    },
    removeUnreachable: () => Promise.reject(new Error("never called by the scale step")),
  };
  return { ctx, actions };
}

const server = (
  name: string,
) => ({ id: name.length, name, private_net: [], public_net: { ipv4: null } } as unknown as Server);
const node = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name } });
const view = (names: string[], nodes: string[]): ComputeView => ({
  servers: names.map(server),
  nodes: nodes.map(node),
});

Deno.test("reconcileControlPlanes() adds cp-2 only, and waits for a learner before cp-3", async () => {
  const world: World = { members: [member("c-cp-1")], etcdHealthy: new Set(["c-cp-1"]), events: [], added: [] };
  const { ctx, actions } = setup(world);
  const first = await reconcileControlPlanes(ctx, view(["c-cp-1"], ["c-cp-1"]), actions);
  assertEquals(world.added, ["c-cp-2"]);
  assertEquals(first.done, false);
  assertEquals(first.requeueAfterMs, 5_000);
  assertOk(world.events.includes("AddingControlPlane"));

  world.members.push(member("c-cp-2", true));
  world.etcdHealthy.add("c-cp-2");
  const learner = await reconcileControlPlanes(ctx, view(["c-cp-1", "c-cp-2"], ["c-cp-1", "c-cp-2"]), actions);
  assertEquals(world.added, ["c-cp-2"], "nothing new while cp-2 is a learner");
  assertEquals(learner.conditions[0]!.reason, "Joining");
  const nodes = (learner.status!.controlPlanes as { nodes: { name: string; phase: string }[] }).nodes;
  assertEquals(nodes.map((n) => [n.name, n.phase]), [["c-cp-1", "NodeInitializing"], ["c-cp-2", "NodeInitializing"]]);

  world.members[1] = member("c-cp-2");
  await reconcileControlPlanes(ctx, view(["c-cp-1", "c-cp-2"], ["c-cp-1", "c-cp-2"]), actions);
  assertEquals(world.added, ["c-cp-2", "c-cp-3"]);
});

Deno.test("reconcileControlPlanes() refuses a lower count with a condition and touches nothing", async () => {
  const names = ["c-cp-1", "c-cp-2", "c-cp-3", "c-cp-4", "c-cp-5"];
  const world: World = { members: names.map((n) => member(n)), etcdHealthy: new Set(names), events: [], added: [] };
  const { ctx, actions } = setup(world);
  const outcome = await reconcileControlPlanes(ctx, view(names, names), actions);
  assertEquals(world.added, []);
  assertEquals(outcome.conditions[0]!.status, "False");
  assertEquals(outcome.conditions[0]!.reason, "ScaleDownUnsupported");
  assertOk(outcome.conditions[0]!.message.includes("removing control planes is not supported"));
  assertOk(outcome.conditions[0]!.message.includes("c-cp-4, c-cp-5"));
  assertEquals(world.events, ["ScaleDownRefused"]);
  const status = outcome.status!.controlPlanes as { desired: number; nodes: unknown[] };
  assertEquals([status.desired, status.nodes.length], [3, 5]);
  await reconcileControlPlanes(ctx, view(names, names), actions);
  assertEquals(world.events, ["ScaleDownRefused"], "the Warning is recorded once, the condition stays");
});

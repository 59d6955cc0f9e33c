/**
 * A fake Talos node for tests and the local cloud: a real gRPC server over HTTP/2 with TLS on its own loopback
 * address (127.0.x.y:50000), with a node's lifecycle. Start it in maintenance mode, apply a machine config
 * (insecure, like `talosctl apply-config --insecure`), and it "reboots" into configured mode: mutual TLS with
 * the OS CA from the applied config, role checks from the client certificate's Organization, Bootstrap exactly
 * once, etcd membership shared by the nodes of one {@linkcode FakeTalosNetwork}, services, Kubeconfig,
 * EtcdSnapshot (etcd's content with its SHA-256, `etcd_snapshot.ts`), EtcdRecover and Bootstrap with
 * recovery, Reboot/Reset/Upgrade, and fault hooks.
 *
 * @module
 */
import { createFakeTalosNetwork, FakeTalosNodeCore, type FakeTalosNodeOptions, settleNetwork } from "./node.ts";

export { createFakeTalosNetwork, FakeTalosNodeCore, settleNetwork };
export { etcdHealthOf, type EtcdNodeHealth, type FakeEtcd, hasQuorum } from "./etcd_cluster.ts";
export type { FakeCallRecord, FakeNodeMode, FakeNodeState, FakeTalosNetwork, FakeTalosNodeOptions } from "./node.ts";
export { FakeTalosFaults, type FaultTarget } from "./faults.ts";

/** A running fake node. */
export type FakeTalosNode = FakeTalosNodeCore & {
  /** `host:port` to give the clients. */
  readonly endpoint: string;
};

/** Starts a fake node in maintenance mode (or configured, after `applyConfig`) and registers it on its network. */
export async function startFakeTalosNode(options: FakeTalosNodeOptions): Promise<FakeTalosNode> {
  const node = new FakeTalosNodeCore(options);
  for (const name of [options.hostname, options.nodeName]) {
    if (name === undefined) continue;
    if (node.network.nodes.has(name)) throw new TypeError(`Cannot start fake Talos node "${name}": name taken`);
  }
  await node.powerOn();
  node.network.nodes.set(options.hostname, node);
  if (options.nodeName) node.network.nodes.set(options.nodeName, node);
  return Object.defineProperty(node, "endpoint", {
    get: () => `${node.hostname.includes(":") ? `[${node.hostname}]` : node.hostname}:${node.port}`,
  }) as FakeTalosNode;
}

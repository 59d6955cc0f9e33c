/**
 * The real API server's printer for Nodes (`pkg/printers/internalversion`, `printNode`), which is what
 * `kubectl get nodes` shows: NAME, STATUS (`Ready`, or `NotReady` for a False or Unknown Ready
 * condition, `Unknown` without one, `,SchedulingDisabled` when cordoned), ROLES (the
 * `node-role.kubernetes.io/<role>` label suffixes and `kubernetes.io/role`, sorted, `<none>`), AGE,
 * VERSION, and the wide columns the server always fills (tables are generated with `Wide: true`).
 *
 * @module
 */
import { type KubeObj, metaOf } from "./object_meta.ts";
import { assembleTable, humanDuration, type TableColumn, type TableOptions } from "./tables.ts";

const NODE_ROLE_PREFIX = "node-role.kubernetes.io/";

const COLUMNS: TableColumn[] = [
  { name: "Name", priority: 0, format: "name", description: "Name must be unique within a namespace." },
  { name: "Status", priority: 0, description: "The status of the node" },
  { name: "Roles", priority: 0, description: "The roles of the node" },
  { name: "Age", priority: 0, description: "CreationTimestamp is a timestamp representing the server time." },
  { name: "Version", priority: 0, description: "Kubelet Version reported by the node." },
  { name: "Internal-IP", priority: 1, description: "List of addresses reachable to the node." },
  { name: "External-IP", priority: 1, description: "List of addresses reachable to the node." },
  { name: "OS-Image", priority: 1, description: "OS Image reported by the node from /etc/os-release." },
  { name: "Kernel-Version", priority: 1, description: "Kernel Version reported by the node." },
  { name: "Container-Runtime", priority: 1, description: "ContainerRuntime Version reported by the node." },
];

type NodeStatus = {
  conditions?: Array<{ type: string; status: string }>;
  addresses?: Array<{ type: string; address: string }>;
  nodeInfo?: Record<string, string>;
};

/** The STATUS cell: Ready / NotReady / Unknown, plus SchedulingDisabled. */
export function nodeStatusCell(node: KubeObj): string {
  const status = (node.status ?? {}) as NodeStatus;
  const ready = status.conditions?.find((c) => c.type === "Ready");
  const parts = ready ? [ready.status === "True" ? "Ready" : "NotReady"] : ["Unknown"];
  if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

/** The ROLES cell. */
export function nodeRolesCell(node: KubeObj): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries((metaOf(node).labels ?? {}) as Record<string, string>)) {
    if (key.startsWith(NODE_ROLE_PREFIX) && key.length > NODE_ROLE_PREFIX.length) {
      roles.add(key.slice(NODE_ROLE_PREFIX.length));
    } else if (key === "kubernetes.io/role" && value !== "") roles.add(value);
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function address(node: KubeObj, type: string): string {
  return ((node.status ?? {}) as NodeStatus).addresses?.find((a) => a.type === type)?.address ?? "<none>";
}

/** Renders Nodes as the server's `meta.k8s.io/v1` Table. */
export function renderNodeTable(
  nodes: KubeObj[],
  options: TableOptions,
): KubeObj {
  return assembleTable(
    nodes,
    (node) => {
      const meta = metaOf(node);
      const info = ((node.status ?? {}) as NodeStatus).nodeInfo ?? {};
      const created = Date.parse(String(meta.creationTimestamp ?? ""));
      return [
        String(meta.name ?? ""),
        nodeStatusCell(node),
        nodeRolesCell(node),
        Number.isNaN(created) ? "<unknown>" : humanDuration(options.now - created),
        info.kubeletVersion ?? "",
        address(node, "InternalIP"),
        address(node, "ExternalIP"),
        info.osImage || "<unknown>",
        info.kernelVersion || "<unknown>",
        info.containerRuntimeVersion || "<unknown>",
      ];
    },
    COLUMNS,
    options,
  );
}

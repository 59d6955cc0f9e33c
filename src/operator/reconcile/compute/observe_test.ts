import { assertEquals } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { NODE_RELIST_MIN_MS, SERVER_LISTING_MAX_AGE_MS, serverListingReason } from "./observe.ts";

const node = (name: string, ready: "True" | "False" | "Unknown" = "True"): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  status: { conditions: [{ type: "Ready", status: ready }] },
});
const planned = ["c-cp-1", "c-w-1"];
const last = { servers: [], at: 1_000, generation: 3 };
const base = {
  last,
  now: 2_000 + NODE_RELIST_MIN_MS,
  generation: 3,
  plannedNames: planned,
  nodes: planned.map((n) => node(n)),
  busy: false,
};

Deno.test("serverListingReason() reuses the last listing on an idle, converged cluster", () => {
  assertEquals(serverListingReason(base), undefined);
  assertEquals(serverListingReason({ ...base, now: last.at + SERVER_LISTING_MAX_AGE_MS - 1 }), undefined);
});

Deno.test("serverListingReason() lists on a first pass, a spec change, an action, or after 60 min", () => {
  assertEquals(serverListingReason({ ...base, last: undefined }), "first pass of this process");
  assertEquals(serverListingReason({ ...base, generation: 4 }), "the spec changed");
  assertEquals(serverListingReason({ ...base, busy: true }), "a node action is under way");
  assertEquals(
    serverListingReason({ ...base, now: last.at + SERVER_LISTING_MAX_AGE_MS }),
    "the last listing is 60 min old",
  );
});

Deno.test("serverListingReason() lists when the Nodes differ from the plan or one is not Ready", () => {
  assertEquals(
    serverListingReason({ ...base, nodes: [node("c-cp-1")] }),
    "the Nodes differ from the planned servers",
  );
  assertEquals(
    serverListingReason({ ...base, nodes: [...base.nodes, node("c-w-2")] }),
    "the Nodes differ from the planned servers",
  );
  assertEquals(
    serverListingReason({ ...base, nodes: [node("c-cp-1"), node("c-w-1", "Unknown")] }),
    "Node c-w-1 is not Ready",
  );
});

Deno.test("serverListingReason() waits a minute after a listing before the Nodes alone ask for another", () => {
  const joining = { ...base, nodes: [node("c-cp-1"), node("c-w-1", "False")] };
  assertEquals(serverListingReason({ ...joining, now: last.at + NODE_RELIST_MIN_MS - 1 }), undefined);
  assertEquals(serverListingReason({ ...joining, now: last.at + NODE_RELIST_MIN_MS }), "Node c-w-1 is not Ready");
  // A spec change or an unaccounted node action lists at once.
  assertEquals(serverListingReason({ ...joining, now: last.at + 1, generation: 4 }), "the spec changed");
  assertEquals(serverListingReason({ ...joining, now: last.at + 1, busy: true }), "a node action is under way");
});

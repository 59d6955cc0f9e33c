import { assertEquals } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import type { ReconcileContext } from "../context.ts";
import {
  forgetServer,
  markComputeBusy,
  NODE_RELIST_MIN_MS,
  observeCompute,
  rememberServer,
  SERVER_LISTING_MAX_AGE_MS,
  serverListingReason,
} from "./observe.ts";

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

Deno.test("observeCompute() lists again after an own node action only until its outcome is written into the listing", async () => {
  let listings = 0;
  const server = (name: string) => ({ name }) as unknown as Server;
  const memory = new Map<string, unknown>();
  const ctx = {
    nodes: () => planned.map((n) => node(n)),
    memory,
    now: () => 5_000,
    cluster: { metadata: { generation: 3 } },
    desired: { cluster: { name: "c" }, servers: planned.map((name) => ({ name })) },
    cloud: {
      hc: {
        servers: {
          listAll: () => {
            listings++;
            return Promise.resolve(planned.map(server));
          },
        },
      },
    },
    log: { debug: () => {} },
  } as unknown as ReconcileContext;
  const infra = {} as InfrastructureResult;
  await observeCompute(ctx, infra);
  await observeCompute(ctx, infra);
  assertEquals(listings, 1, "a converged cluster reuses its listing");
  markComputeBusy(ctx, "c-w-2");
  await observeCompute(ctx, infra);
  assertEquals(listings, 2, "an action without a written outcome lists again");
  markComputeBusy(ctx, "c-w-2");
  rememberServer(ctx, server("c-w-2"));
  markComputeBusy(ctx, "c-w-3");
  forgetServer(ctx, "c-w-3");
  const view = await observeCompute(ctx, infra);
  assertEquals(listings, 2, "outcomes written into the listing need no listing");
  assertEquals(view.servers.map((s) => s.name).sort(), ["c-cp-1", "c-w-1", "c-w-2"]);
});

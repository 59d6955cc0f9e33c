/**
 * Placement groups (type `spread`: every server on a different host).
 *
 * @module
 */
import { hasLabels } from "./labels.ts";
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Action, CallOptions, Labels, ListOptions, Page } from "./types.ts";

/** A placement group. */
export interface PlacementGroup {
  id: number;
  name: string;
  labels: Labels;
  type: "spread";
  created: string;
  servers: number[];
}

/** Body of `POST /placement_groups`. */
export interface CreatePlacementGroupRequest {
  name: string;
  type: "spread";
  labels?: Labels;
}

/** The placement group calls. */
export interface PlacementGroupsApi {
  /** Never retried blindly: after an ambiguous failure it is looked up by name first. */
  create(
    request: CreatePlacementGroupRequest,
    options?: CallOptions,
  ): Promise<{ placementGroup: PlacementGroup; actions: Action[]; recovered: boolean }>;
  get(id: number): Promise<PlacementGroup | undefined>;
  findByName(name: string): Promise<PlacementGroup | undefined>;
  list(options?: ListOptions): Promise<Page<PlacementGroup>>;
  listAll(options?: ListOptions): Promise<PlacementGroup[]>;
  delete(id: number): Promise<boolean>;
}

/** Creates the placement group calls over a transport. */
export function createPlacementGroupsApi(t: Transport): PlacementGroupsApi {
  const api: PlacementGroupsApi = {
    async create(request, options) {
      const outcome = await t.create<{ placement_group: PlacementGroup; action?: Action | null }, PlacementGroup>(
        "/placement_groups",
        request,
        async () => {
          const found = await api.findByName(request.name);
          return found && hasLabels(found.labels, request.labels) ? found : undefined;
        },
        options,
      );
      if (outcome.recovered) return { placementGroup: outcome.found, actions: [], recovered: true };
      const r = outcome.response;
      return { placementGroup: r.placement_group, actions: r.action ? [r.action] : [], recovered: false };
    },
    get: (id) => t.getOrUndefined<PlacementGroup>(`/placement_groups/${id}`, "placement_group"),
    async findByName(name) {
      return (await t.listPage<PlacementGroup>("/placement_groups", "placement_groups", { name })).items[0];
    },
    list: (options) => t.listPage<PlacementGroup>("/placement_groups", "placement_groups", options),
    listAll: (options) => t.listAll<PlacementGroup>("/placement_groups", "placement_groups", options),
    delete: (id) => deleteIfExists(t, `/placement_groups/${id}`),
  };
  return api;
}

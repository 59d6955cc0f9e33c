/**
 * Server types (cx23, cpx32, …) with per-location prices and availability.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import type { Deprecation, ListOptions, LocationPrice, Page } from "./types.ts";

/** A server type. */
export interface ServerType {
  id: number;
  name: string;
  description?: string;
  cores: number;
  memory: number;
  disk: number;
  prices: LocationPrice[];
  storage_type: "local" | "network";
  cpu_type: "shared" | "dedicated";
  category?: string;
  architecture: "x86" | "arm";
  deprecation?: Deprecation | null;
  locations: { id: number; name: string; deprecation: Deprecation | null; recommended: boolean; available: boolean }[];
}

/** The server type calls. */
export interface ServerTypesApi {
  get(id: number): Promise<ServerType | undefined>;
  findByName(name: string): Promise<ServerType | undefined>;
  list(options?: Pick<ListOptions, "name" | "page" | "perPage">): Promise<Page<ServerType>>;
  listAll(): Promise<ServerType[]>;
}

/** Creates the server type calls over a transport. */
export function createServerTypesApi(t: Transport): ServerTypesApi {
  return {
    get: (id) => t.getOrUndefined<ServerType>(`/server_types/${id}`, "server_type"),
    async findByName(name) {
      return (await t.listPage<ServerType>("/server_types", "server_types", { name })).items[0];
    },
    list: (options) => t.listPage<ServerType>("/server_types", "server_types", options),
    listAll: () => t.listAll<ServerType>("/server_types", "server_types"),
  };
}

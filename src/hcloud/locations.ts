/**
 * Locations (fsn1, nbg1, hel1, ash, hil, sin) and their network zones.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import type { ListOptions, Location, Page } from "./types.ts";

/** The location calls. */
export interface LocationsApi {
  get(id: number): Promise<Location | undefined>;
  findByName(name: string): Promise<Location | undefined>;
  list(options?: Pick<ListOptions, "name" | "sort" | "page" | "perPage">): Promise<Page<Location>>;
  listAll(): Promise<Location[]>;
}

/** Creates the location calls over a transport. */
export function createLocationsApi(t: Transport): LocationsApi {
  return {
    get: (id) => t.getOrUndefined<Location>(`/locations/${id}`, "location"),
    async findByName(name) {
      return (await t.listPage<Location>("/locations", "locations", { name })).items[0];
    },
    list: (options) => t.listPage<Location>("/locations", "locations", options),
    listAll: () => t.listAll<Location>("/locations", "locations"),
  };
}

/**
 * Volumes, for teardown: the CSI driver creates them, k8zner lists and deletes them by label.
 *
 * @module
 */
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Labels, ListOptions, Location, Page } from "./types.ts";

/** A volume. */
export interface Volume {
  id: number;
  name: string;
  created: string;
  server: number | null;
  location: Location;
  size: number;
  linux_device: string;
  protection: { delete: boolean };
  labels: Labels;
  status: "available" | "creating";
  format: string | null;
}

/** The volume calls. */
export interface VolumesApi {
  get(id: number): Promise<Volume | undefined>;
  list(options?: ListOptions): Promise<Page<Volume>>;
  listAll(options?: ListOptions): Promise<Volume[]>;
  /** `DELETE /volumes/{id}`; false when already gone. An attached volume must be detached first. */
  delete(id: number): Promise<boolean>;
}

/** Creates the volume calls over a transport. */
export function createVolumesApi(t: Transport): VolumesApi {
  return {
    get: (id) => t.getOrUndefined<Volume>(`/volumes/${id}`, "volume"),
    list: (options) => t.listPage<Volume>("/volumes", "volumes", options),
    listAll: (options) => t.listAll<Volume>("/volumes", "volumes", options),
    delete: (id) => deleteIfExists(t, `/volumes/${id}`),
  };
}

/**
 * Images: list snapshots by label, update labels, delete. Snapshots are made by
 * `servers.createImage`.
 *
 * @module
 */
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Labels, ListOptions, Page } from "./types.ts";

/** An image (system image, snapshot, backup or app). */
export interface Image {
  id: number;
  type: "system" | "app" | "snapshot" | "backup";
  status: "available" | "creating" | "unavailable";
  name: string | null;
  description: string;
  image_size: number | null;
  disk_size: number;
  created: string;
  created_from: { id: number; name: string } | null;
  bound_to: number | null;
  os_flavor: string;
  os_version: string | null;
  protection: { delete: boolean };
  deprecated: string | null;
  deleted: string | null;
  labels: Labels;
  architecture: "x86" | "arm";
}

/** Filters of `images.list`/`listAll`. */
export interface ImageListOptions extends ListOptions {
  type?: Image["type"][];
  status?: Image["status"][];
  architecture?: Image["architecture"];
  includeDeprecated?: boolean;
}

/** The image calls. */
export interface ImagesApi {
  get(id: number): Promise<Image | undefined>;
  list(options?: ImageListOptions): Promise<Page<Image>>;
  listAll(options?: ImageListOptions): Promise<Image[]>;
  /** Every snapshot matching a label selector (full syntax), optionally of one architecture. */
  listSnapshots(labelSelector: string, architecture?: Image["architecture"]): Promise<Image[]>;
  /** `PUT /images/{id}`: replaces labels and/or description. */
  update(id: number, request: { labels?: Labels; description?: string }): Promise<Image>;
  /** `DELETE /images/{id}`; false when it was already gone. */
  delete(id: number): Promise<boolean>;
}

function extra(options: ImageListOptions | undefined) {
  return {
    type: options?.type,
    status: options?.status,
    architecture: options?.architecture,
    include_deprecated: options?.includeDeprecated,
  };
}

/** Creates the image calls over a transport. */
export function createImagesApi(t: Transport): ImagesApi {
  return {
    get: (id) => t.getOrUndefined<Image>(`/images/${id}`, "image"),
    list: (options) => t.listPage<Image>("/images", "images", options, extra(options)),
    listAll: (options) => t.listAll<Image>("/images", "images", options, extra(options)),
    listSnapshots: (labelSelector, architecture) =>
      t.listAll<Image>("/images", "images", { labelSelector }, { type: ["snapshot"], architecture }),
    async update(id, request) {
      return (await t.request<{ image: Image }>("PUT", `/images/${id}`, { body: request })).image;
    },
    delete: (id) => deleteIfExists(t, `/images/${id}`),
  };
}

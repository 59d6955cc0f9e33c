/**
 * Images: the catalog's system images plus snapshots and backups made by `create_image`
 * (labelled, `creating` until the action ends). Filters: type, status, bound_to, architecture,
 * include_deprecated, name, label_selector.
 *
 * @module
 */
import { SYSTEM_IMAGES } from "../catalog.ts";
import { isoTime } from "../clock.ts";
import { invalidField, SimError } from "../errors.ts";
import { bodyObject, listResponse, optionalString, type Route } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { ImageRecord, SimContext, SimState } from "../state.ts";

const images = new NamedResource<ImageRecord>({ kind: "image", noun: "image", records: (ctx) => ctx.state.images });

/** Puts the catalog's system images into a fresh state. */
export function seedSystemImages(state: SimState): void {
  for (const img of SYSTEM_IMAGES) {
    state.images.set(img.id, {
      id: img.id,
      type: "system",
      status: "available",
      name: img.name,
      description: img.description,
      imageSize: null,
      diskSize: 5,
      created: Date.parse(img.created),
      createdFrom: null,
      boundTo: null,
      osFlavor: img.os_flavor,
      osVersion: img.os_version,
      architecture: img.architecture,
      labels: {},
      protection: { delete: false },
      deprecated: null,
    });
  }
}

/** API shape of an image. */
export function renderImage(img: ImageRecord) {
  return {
    id: img.id,
    type: img.type,
    status: img.status,
    name: img.name,
    description: img.description,
    image_size: img.imageSize,
    disk_size: img.diskSize,
    created: isoTime(img.created),
    created_from: img.createdFrom ? { ...img.createdFrom } : null,
    bound_to: img.boundTo,
    os_flavor: img.osFlavor,
    os_version: img.osVersion,
    rapid_deploy: img.type === "system",
    protection: { ...img.protection },
    deprecated: img.deprecated,
    deleted: null,
    labels: { ...img.labels },
    architecture: img.architecture,
  };
}

/** Resolves `image` of a server create: an id (any type) or a system image name for the architecture. */
export function resolveImage(ctx: SimContext, ref: unknown, architecture: string): ImageRecord | undefined {
  const images = [...ctx.state.images.values()];
  if (typeof ref === "number" || (typeof ref === "string" && /^\d+$/.test(ref))) {
    return ctx.state.images.get(Number(ref));
  }
  if (typeof ref !== "string") return undefined;
  return images.find((i) => i.name === ref && i.architecture === architecture) ?? images.find((i) => i.name === ref);
}

/** Routes for `/images`. */
export const imageRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/images",
    handler: (ctx, req) =>
      listResponse(ctx, req, "images", ctx.state.images.values(), renderImage, (img, q) => {
        const types = q.getAll("type"), statuses = q.getAll("status"), bound = q.getAll("bound_to");
        if (types.length > 0 && !types.includes(img.type)) return false;
        if (statuses.length > 0 && !statuses.includes(img.status)) return false;
        if (bound.length > 0 && !bound.includes(String(img.boundTo))) return false;
        const arch = q.get("architecture");
        if (arch !== null && img.architecture !== arch) return false;
        if (img.deprecated !== null && q.get("include_deprecated") !== "true") return false;
        return true;
      }, (img) => img.created),
  },
  images.getRoute("/images", (_ctx, img) => renderImage(img)),
  {
    method: "PUT",
    pattern: "/images/{id}",
    handler: (ctx, req) => {
      const img = images.fromPath(ctx, req);
      if (img.type === "system") throw new SimError(403, "forbidden", "system images cannot be modified");
      const body = bodyObject(req);
      const description = optionalString(body, "description");
      if (description !== undefined) img.description = description;
      const type = optionalString(body, "type");
      if (type !== undefined) {
        if (type !== "snapshot") throw invalidField("type", "can only be changed to snapshot");
        img.type = "snapshot";
        img.boundTo = null;
      }
      if (body.labels !== undefined) img.labels = validateLabels(body.labels);
      return { status: 200, body: { image: renderImage(img) } };
    },
  },
  {
    method: "DELETE",
    pattern: "/images/{id}",
    handler: (ctx, req) => {
      const img = images.fromPath(ctx, req);
      const id = img.id;
      if (img.type === "system") throw new SimError(403, "forbidden", "system images cannot be deleted");
      images.assertNotProtected(img);
      ctx.engine.assertUnlocked("image", id);
      ctx.state.images.delete(id);
      ctx.emit({ type: "image.deleted", at: isoTime(ctx.clock.now()), image: { id, labels: { ...img.labels } } });
      return { status: 204 };
    },
  },
];

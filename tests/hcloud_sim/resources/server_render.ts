/**
 * The API shape of a server (public and private networks, type, image, firewalls, lock state).
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import type { ServerRecord, SimContext } from "../state.ts";
import { firewallIdsForServer } from "./firewalls.ts";
import { renderImage } from "./images.ts";
import { lbIdsForServer } from "./load_balancers.ts";
import { renderPlacementGroup } from "./placement_groups.ts";
import { reverseName } from "./primary_ips.ts";

/** API shape of a server. */
export function renderServer(ctx: SimContext, s: ServerRecord) {
  const v4 = s.ipv4 === null ? undefined : ctx.state.primaryIps.get(s.ipv4);
  const v6 = s.ipv6 === null ? undefined : ctx.state.primaryIps.get(s.ipv6);
  const image = s.imageId === null ? undefined : ctx.state.images.get(s.imageId);
  const pg = s.placementGroup === null ? undefined : ctx.state.placementGroups.get(s.placementGroup);
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    created: isoTime(s.created),
    public_net: {
      ipv4: v4 ? { id: v4.id, ip: v4.ip, blocked: false, dns_ptr: reverseName(v4.ip) } : null,
      ipv6: v6 ? { id: v6.id, ip: v6.ip, blocked: false, dns_ptr: [] } : null,
      floating_ips: [],
      firewalls: firewallIdsForServer(ctx, s).map((id) => ({
        id,
        // Firewalls given at creation are applied by the create itself ("at creation time").
        status: ctx.engine.isLocked("firewall", id) || s.status === "initializing"
          ? "pending" as const
          : "applied" as const,
      })),
    },
    private_net: s.privateNet.map((p) => ({ ...p, alias_ips: [...p.alias_ips] })),
    server_type: s.serverType,
    location: { ...s.location },
    image: image ? renderImage(image) : null,
    iso: null,
    rescue_enabled: s.rescueEnabled,
    locked: ctx.engine.isLocked("server", s.id),
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: s.serverType.prices.find((p) => p.location === s.location.name)?.included_traffic ?? 0,
    protection: { ...s.protection },
    labels: { ...s.labels },
    volumes: [...s.volumes],
    load_balancers: lbIdsForServer(ctx, s),
    primary_disk_size: s.serverType.disk,
    placement_group: pg ? renderPlacementGroup(ctx, pg) : null,
  };
}

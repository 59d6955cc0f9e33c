/**
 * The simulator's in-memory world: one map per resource kind holding internal records (rendered
 * to API JSON by the resource modules), id sequences, and the context handlers receive.
 *
 * @module
 */
import type { ActionEngine } from "./actions.ts";
import type { LoadBalancerType, Location, ServerType } from "./catalog.ts";
import type { SimClock } from "./clock.ts";
import type { PublicIpPool } from "./ip.ts";

/** A server as the simulator keeps it. */
export interface ServerRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: number;
  status: "running" | "initializing" | "starting" | "stopping" | "off" | "deleting";
  serverType: ServerType;
  location: Location;
  imageId: number | null;
  userData: string | undefined;
  sshKeys: number[];
  /** The `rescue_enabled` flag: the next boot goes into the rescue system. */
  rescueEnabled: boolean;
  /** Whether the current boot is the rescue system. */
  inRescue: boolean;
  /**
   * What `enable_rescue` set up for the rescue system's root login: the OpenSSH public keys it named
   * (captured then, as Hetzner does) and the root password it returned. Undefined before any enable_rescue.
   */
  rescueLogin?: { authorizedKeys: string[]; rootPassword: string };
  ipv4: number | null;
  ipv6: number | null;
  privateNet: { network: number; ip: string; alias_ips: string[]; mac_address: string }[];
  firewalls: number[];
  placementGroup: number | null;
  volumes: number[];
  protection: { delete: boolean; rebuild: boolean };
}

/** An image (system images live here too, so ids resolve uniformly). */
export interface ImageRecord {
  id: number;
  type: "system" | "snapshot" | "backup" | "app";
  status: "available" | "creating" | "unavailable";
  name: string | null;
  description: string;
  imageSize: number | null;
  diskSize: number;
  created: number;
  createdFrom: { id: number; name: string } | null;
  boundTo: number | null;
  osFlavor: string;
  osVersion: string | null;
  architecture: "x86" | "arm";
  labels: Record<string, string>;
  protection: { delete: boolean };
  deprecated: string | null;
}

/** A network subnet. */
export interface SubnetRecord {
  type: "cloud" | "server" | "vswitch";
  ip_range: string;
  network_zone: string;
  gateway: string;
  vswitch_id: number | null;
}

/** A private network. */
export interface NetworkRecord {
  id: number;
  name: string;
  ipRange: string;
  subnets: SubnetRecord[];
  routes: { destination: string; gateway: string }[];
  labels: Record<string, string>;
  created: number;
  exposeRoutesToVswitch: boolean;
  protection: { delete: boolean };
}

/** A firewall rule as sent and returned. */
export interface FirewallRule {
  description: string | null;
  direction: "in" | "out";
  source_ips: string[];
  destination_ips: string[];
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  port: string | null;
}

/** A firewall; `appliedTo` keeps the order resources were added in. */
export interface FirewallRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: number;
  rules: FirewallRule[];
  appliedTo: ({ type: "server"; server: number } | { type: "label_selector"; selector: string })[];
}

/** A load balancer service (stored in API shape with defaults filled in). */
export type LbService = Record<string, unknown> & { listen_port: number; destination_port: number; protocol: string };

/** A load balancer target as configured (label selectors expand at render time). */
export type LbTarget =
  | { type: "server"; server: number; usePrivateIp: boolean }
  | { type: "label_selector"; selector: string; usePrivateIp: boolean }
  | { type: "ip"; ip: string };

/** A load balancer. */
export interface LoadBalancerRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: number;
  type: LoadBalancerType;
  location: Location;
  publicEnabled: boolean;
  ipv4: string | null;
  ipv6: string | null;
  privateNet: { network: number; ip: string }[];
  services: LbService[];
  targets: LbTarget[];
  algorithm: "round_robin" | "least_connections";
  protection: { delete: boolean };
}

/** A placement group (`spread` only). */
export interface PlacementGroupRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: number;
  type: "spread";
}

/** An SSH key. */
export interface SshKeyRecord {
  id: number;
  name: string;
  publicKey: string;
  fingerprint: string;
  labels: Record<string, string>;
  created: number;
}

/** A volume. */
export interface VolumeRecord {
  id: number;
  name: string;
  size: number;
  location: Location;
  server: number | null;
  labels: Record<string, string>;
  created: number;
  status: "available" | "creating";
  format: string | null;
  protection: { delete: boolean };
}

/** A primary IP (servers' public addresses are primary IPs). */
export interface PrimaryIpRecord {
  id: number;
  name: string;
  type: "ipv4" | "ipv6";
  ip: string;
  location: Location;
  assigneeId: number | null;
  autoDelete: boolean;
  labels: Record<string, string>;
  created: number;
  protection: { delete: boolean };
}

/** Everything the simulator knows; read it through `sim.state`. */
export interface SimState {
  servers: Map<number, ServerRecord>;
  images: Map<number, ImageRecord>;
  networks: Map<number, NetworkRecord>;
  firewalls: Map<number, FirewallRecord>;
  loadBalancers: Map<number, LoadBalancerRecord>;
  placementGroups: Map<number, PlacementGroupRecord>;
  sshKeys: Map<number, SshKeyRecord>;
  volumes: Map<number, VolumeRecord>;
  primaryIps: Map<number, PrimaryIpRecord>;
}

/** What a server looks like in events (enough for a fake Talos node to come alive). */
export interface ServerEventInfo {
  id: number;
  name: string;
  status: string;
  labels: Record<string, string>;
  serverType: string;
  location: string;
  publicIpv4: string | null;
  publicIpv6: string | null;
  privateIps: { network: number; ip: string }[];
  image: { id: number; type: string; name: string | null; description: string; labels: Record<string, string> } | null;
  /** Whether this boot is the rescue system. */
  rescue: boolean;
  userData: string | undefined;
}

/** Events emitted through `sim.onEvent`. */
export type SimEvent =
  | {
    type:
      | "server.created"
      | "server.running"
      | "server.off"
      | "server.reset"
      | "server.deleted"
      | "server.network_attached"
      | "server.network_detached";
    at: string;
    server: ServerEventInfo;
  }
  | { type: "lb.created" | "lb.deleted" | "lb.updated"; at: string; lb: { id: number; name: string } }
  | { type: "image.available" | "image.deleted"; at: string; image: { id: number; labels: Record<string, string> } };

/** Answers "is this target healthy?" for a load balancer service; the default is "server running". */
export type TargetHealthProbe = (target: {
  lb: LoadBalancerRecord;
  server: ServerRecord;
  ip: string;
  listenPort: number;
  destinationPort: number;
}) => "healthy" | "unhealthy" | "unknown" | boolean;

/** Simulated action durations in milliseconds, by action command. */
export type Durations = Record<string, number>;

/** What every handler gets. */
export interface SimContext {
  state: SimState;
  clock: SimClock;
  engine: ActionEngine;
  publicIps: PublicIpPool;
  durations: Durations;
  nextId(kind: string): number;
  emit(event: SimEvent): void;
  healthProbe(): TargetHealthProbe;
  random(): number;
}

/** A fresh, empty world. */
export function createState(): SimState {
  return {
    servers: new Map(),
    images: new Map(),
    networks: new Map(),
    firewalls: new Map(),
    loadBalancers: new Map(),
    placementGroups: new Map(),
    sshKeys: new Map(),
    volumes: new Map(),
    primaryIps: new Map(),
  };
}

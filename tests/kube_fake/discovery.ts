/**
 * Discovery documents of the fake API server: `/version`, `/api`, `/apis`, and one
 * `APIResourceList` per group version, built from the served resource types.
 *
 * @module
 */
import { groupVersionOf, type ResourceRegistry, type ResourceType } from "./resources.ts";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** `/version`, for a Kubernetes version like `v1.32.0`. */
export function renderVersion(gitVersion: string): Record<string, unknown> {
  const m = gitVersion.match(/^v(\d+)\.(\d+)/);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "32",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** `/api`: the core group's versions. */
export function renderCoreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupsOf(registry: ResourceRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of registry.all()) {
    if (t.group === "") continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

function renderGroup(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** `/apis`: every named group (plain `APIGroupList`; kubectl falls back to it from aggregated discovery). */
export function renderGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...groupsOf(registry)].map(([name, versions]) => renderGroup(name, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function renderGroup1(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = groupsOf(registry).get(group);
  if (!versions) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...renderGroup(group, versions) };
}

function renderResource(t: ResourceType): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: t.resource,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs ?? (t.createOnly ? ["create"] : VERBS),
  };
  if (t.shortNames.length > 0) main.shortNames = t.shortNames;
  const out = [main];
  if (t.group === "" && t.kind === "Pod") {
    // kubectl drain looks for this entry to decide it can evict rather than delete.
    out.push({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  }
  if (t.hasStatus) {
    out.push({
      name: `${t.resource}/status`,
      singularName: "",
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  return out;
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when nothing is served there. */
export function renderResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.ofGroupVersion(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersionOf({ group, version }),
    resources: types.flatMap(renderResource),
  };
}

/**
 * The Hetzner side of an image build: the temporary server (with its location fallback), its
 * deletion (which must succeed even when the server is still busy with an action or the API
 * stumbles), the cleanup of an interrupted build (also when its snapshot already exists), and
 * waiting for a snapshot.
 *
 * @module
 */
import {
  hasLabels,
  type HcloudClient,
  type Image,
  isHcloudError,
  selectorFor,
  type Server,
  type SshKey,
} from "../../hcloud/mod.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import { isTransientHcloudError, mutate, readWithRetry } from "../infra/ensure_common.ts";
import { BUILD_ACTION_ATTEMPTS, waitForBuildActions, waitForRunningActions } from "./actions.ts";
import type { TalosImageDeps } from "./ensure_image.ts";
import { asBuildError, fail, ImageBuildError } from "./errors.ts";
import { IMAGE_BUILD_PURPOSE, IMAGE_LABEL_KEYS, type TalosImageNames } from "./naming.ts";

/** What the build helpers share. */
export interface ImageBuildContext {
  deps: TalosImageDeps;
  names: TalosImageNames;
  pollIntervalMs: number;
  /**
   * The project's servers and SSH keys as the run's discovery listed them moments before: leftovers
   * of an interrupted build are looked for there instead of with requests of their own.
   */
  project?: { servers: readonly Server[]; sshKeys: readonly SshKey[] };
}

/** Locations tried after the preferred one when it has no capacity, in order. */
export const BUILDER_FALLBACK_LOCATIONS = ["nbg1", "fsn1", "hel1"] as const;

/** Base image of the build server; it never runs: the server boots straight into rescue. */
export const BUILD_BASE_IMAGE = "debian-12";

/** Error codes meaning "no capacity here, try another location". */
const CAPACITY_CODES = ["resource_unavailable", "placement_error"];

/** The preferred location first, then the fallbacks, without repeats. */
export function builderLocations(preferred: string): string[] {
  return [...new Set([preferred, ...BUILDER_FALLBACK_LOCATIONS])];
}

/**
 * Creates the build server powered off (so its first boot is the rescue system) and waits for it.
 * Tries the next location when one has no capacity; `onCreated` records the id as soon as it exists.
 */
export async function createBuildServer(
  ctx: ImageBuildContext,
  request: { keyId: number; location: string; serverType: string },
  task: TaskHandle,
  onCreated: (id: number) => void,
): Promise<Server> {
  const { hcloud } = ctx.deps;
  const locations = builderLocations(request.location);
  const refused: string[] = [];
  for (const location of locations) {
    ctx.deps.signal?.throwIfAborted();
    task.update(`building: creating build server (${request.serverType} in ${location})`);
    try {
      // Safe to repeat after a 5xx: the client looked the server up by name before giving up, and
      // server names are unique in a project, so a repeat can never make a second build server.
      const created = await createRepeatable(ctx, () =>
        hcloud.servers.create({
          name: ctx.names.buildServerName,
          server_type: request.serverType,
          image: BUILD_BASE_IMAGE,
          location,
          start_after_create: false,
          // Given at creation too, so Hetzner does not mail a root password.
          ssh_keys: [String(request.keyId)],
          labels: ctx.names.buildLabels,
        }));
      onCreated(created.server.id);
      await waitForBuildActions(ctx, created.actions);
      return created.server;
    } catch (err) {
      if (!isHcloudError(err, ...CAPACITY_CODES)) throw err;
      refused.push(`${location}: ${err.apiMessage}`);
    }
  }
  throw new Error(`no capacity for ${request.serverType} in ${locations.join(", ")} (${refused.join("; ")})`);
}

/**
 * Runs a create of the build (server or SSH key) again after a transient failure. The client's create
 * already looked the object up after an ambiguous failure and only gives up when it is not there;
 * Hetzner refuses a second object of the same name, so a repeat never duplicates one.
 */
export async function createRepeatable<T>(ctx: ImageBuildContext, create: () => Promise<T>): Promise<T> {
  return (await mutate(ctx.deps, create, [], { repeatable: true }))!;
}

/**
 * Deletes a build server and waits until it is gone. A repeat is harmless (a 404 means gone), so
 * `locked` (waits out the server's running actions), 5xx and lost responses are tried again, bounded.
 */
export async function deleteBuildServer(ctx: ImageBuildContext, id: number): Promise<void> {
  const { hcloud } = ctx.deps;
  // No abort signal here: cleanup must finish even when the build was cancelled.
  for (let attempt = 1;; attempt++) {
    try {
      const action = await hcloud.servers.delete(id);
      if (action) await waitForBuildActions(ctx, [action], ctx.pollIntervalMs, { signal: undefined });
      return;
    } catch (err) {
      if (!isTransientHcloudError(err) || attempt >= BUILD_ACTION_ATTEMPTS) throw err;
      if (isHcloudError(err, "locked")) await waitForRunningActions(ctx, id, undefined);
      else await ctx.deps.sleep(ctx.pollIntervalMs);
    }
  }
}

/** Deletes a build SSH key; 5xx, lost responses and `locked` are tried again (a 404 means gone). */
export async function deleteBuildKey(ctx: ImageBuildContext, id: number): Promise<void> {
  await mutate(ctx.deps, () => ctx.deps.hcloud.sshKeys.delete(id), [], { repeatable: true });
}

/**
 * Deletes this build's server and SSH key. Never throws: returns what could not be deleted, so the
 * caller reports it next to (never instead of) the build's own error. When a create call itself
 * failed (perhaps after the API carried it out), the server or key is looked up by its name.
 */
export async function cleanUpBuild(
  ctx: ImageBuildContext,
  built: { serverId: number | undefined; keyId: number | undefined; lookUpServer: boolean },
): Promise<string[]> {
  const { hcloud } = ctx.deps;
  const problems: string[] = [];
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
  let serverId = built.serverId;
  if (serverId === undefined && built.lookUpServer) {
    try {
      serverId = (await readWithRetry(ctx.deps.sleep, () => findOwnedServer(hcloud, ctx.names)))?.id;
    } catch (err) {
      problems.push(`cannot look up build server "${ctx.names.buildServerName}": ${describe(err)}`);
    }
  }
  if (serverId !== undefined) {
    try {
      await deleteBuildServer(ctx, serverId);
    } catch (err) {
      problems.push(`cannot delete build server "${ctx.names.buildServerName}" (${serverId}): ${describe(err)}`);
    }
  }
  let keyId = built.keyId;
  if (keyId === undefined) {
    try {
      const key = await readWithRetry(ctx.deps.sleep, () => hcloud.sshKeys.findByName(ctx.names.sshKeyName));
      keyId = key?.labels[IMAGE_LABEL_KEYS.purpose] === IMAGE_BUILD_PURPOSE ? key.id : undefined;
    } catch (err) {
      problems.push(`cannot look up SSH key "${ctx.names.sshKeyName}": ${describe(err)}`);
    }
  }
  if (keyId !== undefined) {
    try {
      await deleteBuildKey(ctx, keyId);
    } catch (err) {
      problems.push(`cannot delete SSH key "${ctx.names.sshKeyName}" (${keyId}): ${describe(err)}`);
    }
  }
  return problems;
}

async function findOwnedServer(
  hcloud: Pick<HcloudClient, "servers">,
  names: TalosImageNames,
): Promise<Server | undefined> {
  const server = await hcloud.servers.findByName(names.buildServerName);
  return server?.labels[IMAGE_LABEL_KEYS.purpose] === IMAGE_BUILD_PURPOSE ? server : undefined;
}

/** Deletes a build server and key an interrupted run left behind (found by their deterministic names). */
export async function removeLeftovers(ctx: ImageBuildContext, task: TaskHandle): Promise<void> {
  const { hcloud } = ctx.deps;
  const { names } = ctx;
  const read = <T>(fn: () => Promise<T>) => readWithRetry(ctx.deps.sleep, fn);
  const listed = ctx.project;
  try {
    const server = listed
      ? listed.servers.find((s) => s.name === names.buildServerName)
      : await read(() => hcloud.servers.findByName(names.buildServerName));
    if (server) {
      assertOwned(server.labels, `server "${names.buildServerName}" (${server.id})`);
      task.update(`removing build server ${server.id} left by an interrupted run`);
      await deleteBuildServer(ctx, server.id);
    }
    const key = listed
      ? listed.sshKeys.find((k) => k.name === names.sshKeyName)
      : await read(() => hcloud.sshKeys.findByName(names.sshKeyName));
    if (key) {
      assertOwned(key.labels, `SSH key "${names.sshKeyName}" (${key.id})`);
      await deleteBuildKey(ctx, key.id);
    }
  } catch (err) {
    throw fail(task, asBuildError("clean up earlier build", "Cannot remove an interrupted image build", err));
  }
}

/**
 * Deletes build servers and SSH keys that carry this image's build labels, for when the snapshot is
 * already there: a run killed after the snapshot became available (before its cleanup) left them,
 * and nothing else would ever remove them. One GET each for servers and keys (none with the run's
 * project listing); nothing else is sent when nothing is left. Returns what was deleted, for the progress line.
 */
export async function removeLeftoversByLabel(ctx: ImageBuildContext, task: TaskHandle): Promise<string[]> {
  const { hcloud } = ctx.deps;
  const selector = selectorFor(ctx.names.buildLabels);
  const read = <T>(fn: () => Promise<T>) => readWithRetry(ctx.deps.sleep, fn);
  const removed: string[] = [];
  try {
    const listed = ctx.project;
    const [servers, keys] = listed ? [listed.servers, listed.sshKeys] : await Promise.all([
      read(async () => (await hcloud.servers.list({ labelSelector: selector })).items),
      read(async () => (await hcloud.sshKeys.list({ labelSelector: selector })).items),
    ]);
    // The API filters by selector; check again so a loose answer never deletes someone else's object.
    for (const server of servers.filter((s) => hasLabels(s.labels, ctx.names.buildLabels))) {
      task.update(`removing build server ${server.id} left by an interrupted run`);
      await deleteBuildServer(ctx, server.id);
      removed.push(`build server ${server.id}`);
    }
    for (const key of keys.filter((k) => hasLabels(k.labels, ctx.names.buildLabels))) {
      await deleteBuildKey(ctx, key.id);
      removed.push(`build key ${key.id}`);
    }
  } catch (err) {
    throw fail(task, asBuildError("clean up earlier build", "Cannot remove an interrupted image build", err));
  }
  return removed;
}

function assertOwned(labels: Record<string, string>, what: string): void {
  if (labels[IMAGE_LABEL_KEYS.purpose] !== IMAGE_BUILD_PURPOSE) {
    throw new ImageBuildError(
      "clean up earlier build",
      `Cannot build the Talos image: ${what} exists but was not created by k8zner (no label ${IMAGE_LABEL_KEYS.purpose}=image-build)`,
      { hint: "k8zner never deletes resources it did not create: rename or delete it, then run again." },
    );
  }
}

/** Polls a snapshot until it is available (returns it) or gone (returns undefined). */
export async function waitForSnapshot(deps: TalosImageDeps, id: number): Promise<Image | undefined> {
  const interval = deps.snapshotPollIntervalMs ?? 10_000;
  const deadline = deps.creatingTimeoutMs ?? 30 * 60_000;
  for (let waited = 0;; waited += interval) {
    const image = await readWithRetry(deps.sleep, () => deps.hcloud.images.get(id));
    if (!image || image.status === "unavailable") return undefined;
    if (image.status === "available") return image;
    if (waited >= deadline) {
      throw new ImageBuildError(
        "snapshotting",
        `Snapshot ${id} is still being created after ${Math.round(deadline / 60_000)} min`,
        { hint: "Check the snapshot in the Hetzner Console; delete it if it is stuck, then run again." },
      );
    }
    await deps.sleep(interval, deps.signal);
  }
}

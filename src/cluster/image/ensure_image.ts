/**
 * `ensureTalosImage`: find the Talos snapshot for a version, schematic and architecture, or build
 * it. A build boots a temporary server into Hetzner's rescue system with a temporary SSH key,
 * streams the Image Factory's `hcloud` disk image onto its disk, powers it off and snapshots it.
 * The build server and key have deterministic names, so a run that crashed mid-build is found
 * again and cleaned up; they are deleted whatever happens to the build.
 *
 * Snapshots carry no cluster label: they are shared by every cluster of the project and survive
 * `destroy`.
 *
 * @module
 */
import type { HcloudClient, Image } from "../../hcloud/mod.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { SshKeyPair } from "../../lib/ssh.ts";
import { selectorFor } from "../../lib/labels.ts";
import { readWithRetry } from "../infra/ensure_common.ts";
import { runBuildServerAction } from "./actions.ts";
import {
  cleanUpBuild,
  createBuildServer,
  createRepeatable,
  type ImageBuildContext,
  removeLeftovers,
  removeLeftoversByLabel,
  waitForSnapshot,
} from "./build.ts";
import { asBuildError, fail, ImageBuildError, type ImageBuildStep, messageOf } from "./errors.ts";
import {
  DEFAULT_IMAGE_FACTORY,
  defaultBuildServerType,
  hetznerArchitecture,
  renderImageFactoryUrl,
  renderTalosImageNames,
  renderWriteImageCommand,
  type TalosImageIdentity,
  type TalosImageNames,
} from "./naming.ts";
import type { ImageBuildSsh } from "./ssh.ts";
import type { ActionWaiter } from "../infra/action_waiter.ts";
import { selectTalosSnapshots } from "./plan_image.ts";

/** What `ensureTalosImage` needs from the outside world. */
export interface TalosImageDeps {
  hcloud: Pick<HcloudClient, "images" | "servers" | "sshKeys" | "waitForActions">;
  ssh: ImageBuildSsh;
  /**
   * The run's shared action waiter: actions are polled on their kind's schedule, in the same
   * `GET /actions` as the infrastructure's. Without it, at `pollIntervalMs`/`snapshotPollIntervalMs`.
   */
  actions?: ActionWaiter;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Default: a fresh Ed25519 pair from `src/lib/ssh.ts`. */
  generateKeyPair?: (comment: string) => SshKeyPair;
  /** SSH port of the rescue system (default 22; the local cloud may differ). */
  sshPort?: number;
  /** Poll interval of short actions (default 2000 ms). */
  pollIntervalMs?: number;
  /** Poll interval while a snapshot is being made, which takes minutes (default 10000 ms). */
  snapshotPollIntervalMs?: number;
  /** How long to wait for a snapshot an earlier run left `creating` (default 30 min). */
  creatingTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The image wanted, and where to build it if it does not exist. */
export interface EnsureTalosImageOptions extends TalosImageIdentity {
  /**
   * The project's servers and SSH keys from the run's discovery (`ObservedCluster.project`): an
   * interrupted build's leftovers are found there, without two lookups of their own.
   */
  project?: ImageBuildContext["project"];
  /** Preferred builder location (the cluster's); falls back through nbg1, fsn1, hel1 on capacity errors. */
  location: string;
  /** Build server type (default cx23 for amd64, cax11 for arm64). */
  serverType?: string;
  /** Image Factory base URL (default https://factory.talos.dev). */
  imageUrlBase?: string;
}

/** The snapshot to boot Talos servers from. */
export interface TalosImageResult {
  imageId: number;
  /** True when no build server was created by this call (an existing or finishing snapshot was used). */
  reused: boolean;
}

/** Finds the newest available snapshot for the identity, or builds one. */
export async function ensureTalosImage(
  deps: TalosImageDeps,
  options: EnsureTalosImageOptions,
  task: TaskHandle,
): Promise<TalosImageResult> {
  const names = renderTalosImageNames(options);
  const imageUrl = renderImageFactoryUrl(options, options.imageUrlBase ?? DEFAULT_IMAGE_FACTORY);
  if (!/^[a-z0-9-]+$/.test(options.location)) {
    throw new TypeError(`Cannot use location "${options.location}": expected a Hetzner location name like fsn1`);
  }
  const ctx: ImageBuildContext = {
    deps,
    names,
    pollIntervalMs: deps.pollIntervalMs ?? 2000,
    ...(options.project ? { project: options.project } : {}),
  };
  task.start("looking for a snapshot");

  let snapshots: Image[];
  try {
    snapshots = await readWithRetry(deps.sleep, () =>
      deps.hcloud.images.listSnapshots(
        selectorFor(names.snapshotLabels),
        hetznerArchitecture(options.arch),
      ));
  } catch (err) {
    throw fail(task, asBuildError("find snapshot", "Cannot look up Talos snapshots", err));
  }
  const { available, creating } = selectTalosSnapshots(snapshots, names.snapshotLabels);
  if (available) {
    const removed = await removeLeftoversByLabel(ctx, task);
    const cleaned = removed.length > 0 ? ` (removed ${removed.join(", ")} of an interrupted build)` : "";
    task.skip(`snapshot ${available.id} reused${cleaned}`);
    return { imageId: available.id, reused: true };
  }

  // An earlier run crashed after asking for the snapshot: let it finish rather than build again.
  for (const started of creating) {
    task.update(`waiting for snapshot ${started.id} an earlier run started`);
    let done: Image | undefined;
    try {
      done = await waitForSnapshot(deps, started.id);
    } catch (err) {
      throw fail(task, asBuildError("snapshotting", `Cannot wait for snapshot ${started.id}`, err));
    }
    if (done) {
      await removeLeftovers(ctx, task);
      task.done(`snapshot ${done.id} finished`);
      return { imageId: done.id, reused: true };
    }
  }

  await removeLeftovers(ctx, task);
  const imageId = await build(ctx, options, imageUrl, task);
  task.done(`snapshot ${imageId} built (${names.description})`);
  return { imageId, reused: false };
}

/** Where a build stands, so a failure names its step and cleanup knows what exists. */
interface BuildState {
  step: ImageBuildStep;
  keyId?: number;
  serverId?: number;
}

async function build(
  ctx: ImageBuildContext,
  options: EnsureTalosImageOptions,
  imageUrl: string,
  task: TaskHandle,
): Promise<number> {
  const { names } = ctx;
  const state: BuildState = { step: "create ssh key" };
  let imageId: number | undefined;
  let failure: ImageBuildError | undefined;
  try {
    imageId = await runBuildSteps(ctx, options, imageUrl, task, state);
  } catch (err) {
    failure = new ImageBuildError(
      state.step,
      `Cannot build Talos image ${names.description}: ${state.step} failed: ${messageOf(err)}`,
      { cause: err, hint: "Run the command again: the next run cleans up this build and starts over." },
    );
  }
  // Runs whatever happened above (cleanUpBuild never throws): the build server costs money.
  const problems = await cleanUpBuild(ctx, {
    serverId: state.serverId,
    keyId: state.keyId,
    lookUpServer: state.step !== "create ssh key",
  });
  if (problems.length > 0) {
    const text = problems.join("; ");
    task.update(`cleanup failed: ${text}`);
    if (failure) {
      // The build's own error stays the one thrown; the leftovers are named beside it.
      failure.message += ` (cleanup also failed: ${text})`;
    } else {
      failure = new ImageBuildError("clean up build", `Talos image ${names.description} was built, but ${text}`, {
        hint: `Delete the leftovers named "${names.buildServerName}" in the Hetzner Console.`,
      });
    }
  }
  if (failure) throw fail(task, failure);
  return imageId!;
}

async function runBuildSteps(
  ctx: ImageBuildContext,
  options: EnsureTalosImageOptions,
  imageUrl: string,
  task: TaskHandle,
  state: BuildState,
): Promise<number> {
  const { deps, names } = ctx;
  const { hcloud } = deps;

  state.step = "create ssh key";
  // ssh2 is loaded only for a build (about 0.14 CPU-s that every plan and apply paid at start-up).
  const keys = (deps.generateKeyPair ?? (await import("../../lib/ssh.ts")).generateSshKeyPair)(names.sshKeyName);
  task.update("building: creating temporary ssh key");
  deps.signal?.throwIfAborted();
  const key = await createRepeatable(ctx, () =>
    hcloud.sshKeys.create({
      name: names.sshKeyName,
      public_key: keys.publicKey,
      labels: names.buildLabels,
    }));
  state.keyId = key.sshKey.id;

  state.step = "create build server";
  const server = await createBuildServer(
    ctx,
    {
      keyId: state.keyId,
      location: options.location,
      serverType: options.serverType ?? defaultBuildServerType(options.arch),
    },
    task,
    (id) => (state.serverId = id),
  );
  const host = server.public_net.ipv4?.ip;
  if (!host) throw new Error(`build server ${server.id} has no public IPv4 address`);

  state.step = "rescue boot";
  task.update("building: rescue boot");
  const keyId = state.keyId;
  await runBuildServerAction(ctx, server.id, {
    what: "enable rescue",
    start: async () => (await hcloud.servers.enableRescue(server.id, { type: "linux64", ssh_keys: [keyId] })).action,
    done: (s) => s.rescue_enabled,
  });
  // This call created the server powered off and waited for the create: the first start needs no read.
  // A repeat after an ambiguous failure reads the server, as the first start may have powered it on.
  let knownOff = true;
  await runBuildServerAction(ctx, server.id, {
    what: "boot into rescue",
    start: async () => {
      if (knownOff) {
        knownOff = false;
        return await hcloud.servers.poweron(server.id);
      }
      const current = await readWithRetry(deps.sleep, () => hcloud.servers.get(server.id));
      // A server created powered off boots straight into rescue; one that is running needs a reset.
      return current?.status === "off"
        ? await hcloud.servers.poweron(server.id)
        : await hcloud.servers.reset(server.id);
    },
    // Hetzner disables rescue mode when the server boots into it.
    done: (s) => !s.rescue_enabled && s.status !== "off",
  });
  const target = { host, port: deps.sshPort ?? 22, privateKey: keys.privateKey };
  const { hostKeyFingerprint } = await deps.ssh.waitReady(target, deps.signal);

  state.step = "writing image";
  // The fingerprint lets an operator compare it with the rescue system's console; the write connection
  // must meet the same key.
  task.update(`building: writing image (rescue ${host} host key ${hostKeyFingerprint})`);
  const result = await deps.ssh.exec({ ...target, hostKeyFingerprint }, renderWriteImageCommand(imageUrl), {
    signal: deps.signal,
  });
  if (result.exitCode !== 0) {
    const tail = result.stderrTail.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`the image write exited with ${result.exitCode ?? "no status"}${tail ? `: ${tail}` : ""}`);
  }

  state.step = "power off";
  task.update("building: powering off");
  await runBuildServerAction(ctx, server.id, {
    what: "power off",
    start: () => hcloud.servers.poweroff(server.id),
    done: (s) => s.status === "off",
  });

  state.step = "snapshotting";
  task.update("building: snapshotting");
  return await createSnapshot(ctx, server.id);
}

/**
 * Snapshots the powered-off build server and waits until the snapshot is available. `create_image`
 * after a lost response is looked up by labels (in the client, and here again after `locked` or a
 * failed lookup), so a retry never makes a second snapshot.
 */
async function createSnapshot(ctx: ImageBuildContext, serverId: number): Promise<number> {
  const { deps, names } = ctx;
  const { hcloud } = deps;
  let imageId: number | undefined;
  // True when the create_image action was waited for, so the snapshot is known to be available.
  let waitedForAction = false;
  await runBuildServerAction(ctx, serverId, {
    what: "create snapshot",
    pollIntervalMs: deps.snapshotPollIntervalMs ?? 10_000,
    start: async () => {
      const created = await hcloud.servers.createImage(serverId, {
        type: "snapshot",
        description: names.description,
        labels: names.snapshotLabels,
      });
      imageId = created.image.id;
      waitedForAction = created.action !== undefined;
      return created.action;
    },
    done: async () => {
      const snapshots = await readWithRetry(
        deps.sleep,
        () => hcloud.images.listSnapshots(selectorFor(names.snapshotLabels)),
      );
      const mine = snapshots.filter((i) => i.created_from?.id === serverId && i.status !== "unavailable");
      imageId = newestFirst(mine)[0]?.id;
      return imageId !== undefined;
    },
  });
  if (imageId === undefined) throw new Error(`the snapshot of build server ${serverId} was not created`);
  if (!waitedForAction && !(await waitForSnapshot(deps, imageId))) {
    throw new Error(`snapshot ${imageId} disappeared while being created`);
  }
  return imageId;
}

function newestFirst(images: Image[]): Image[] {
  return [...images].sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || b.id - a.id);
}

export { ImageBuildError, type ImageBuildStep, type TalosImageNames };

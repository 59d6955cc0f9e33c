/**
 * Shared fakes of the image step's tests: the wanted image, a recording fake SSH runner that
 * checks the target really is a server booted into rescue, and deps over the Hetzner simulator.
 *
 * @module
 */
import { assertEquals } from "./assert.ts";
import type { HcloudSimulator } from "./hcloud_sim/mod.ts";
import { createHcloudClient, type HcloudClient } from "../src/hcloud/mod.ts";
import { fakeEd25519Key } from "./hcloud_sim/test_client.ts";
import { VANILLA_SCHEMATIC_ID } from "../src/talos/machine_config.ts";
import type { TalosImageDeps } from "../src/cluster/image/ensure_image.ts";
import { renderTalosImageNames } from "../src/cluster/image/naming.ts";
import type { ImageBuildSsh, SshCommandResult, SshTarget } from "../src/cluster/image/ssh.ts";

/** The image the tests want. */
export const OPTIONS = {
  talosVersion: "v1.13.9",
  schematicId: VANILLA_SCHEMATIC_ID,
  arch: "amd64" as const,
  location: "fsn1",
};
/** Its names and labels. */
export const NAMES = renderTalosImageNames(OPTIONS);
/** The private key the fake key generator hands out (never to appear in output). */
export const PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-but-secret\n-----END OPENSSH PRIVATE KEY-----";

/** The host key fingerprint the fake rescue system presents. */
export const RESCUE_HOST_KEY_FINGERPRINT = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

/** A fake SSH runner: records calls and, at each call, whether the target is a server in rescue. */
export function fakeSsh(
  sim: HcloudSimulator,
  exec: (command: string) => SshCommandResult | Promise<SshCommandResult> = () => ({ exitCode: 0, stderrTail: "" }),
) {
  const calls: { kind: "waitReady" | "exec"; host: string; inRescue: boolean; command?: string }[] = [];
  const rescueAt = (target: SshTarget) => {
    for (const s of sim.state.servers.values()) {
      const ip = s.ipv4 === null ? undefined : sim.state.primaryIps.get(s.ipv4)?.ip;
      if (ip === target.host) return s.inRescue && s.status === "running";
    }
    return false;
  };
  const ssh: ImageBuildSsh = {
    waitReady(target) {
      calls.push({ kind: "waitReady", host: target.host, inRescue: rescueAt(target) });
      assertEquals(target.privateKey, PRIVATE_KEY);
      return Promise.resolve({ hostKeyFingerprint: RESCUE_HOST_KEY_FINGERPRINT });
    },
    async exec(target, command) {
      calls.push({ kind: "exec", host: target.host, inRescue: rescueAt(target), command });
      // The write must be pinned to the host key the readiness probe met.
      assertEquals(target.hostKeyFingerprint, RESCUE_HOST_KEY_FINGERPRINT);
      return await exec(command);
    },
  };
  return { ssh, calls };
}

/** Deps over the simulator with millisecond polls and sleeps. */
export function depsFor(sim: HcloudSimulator, ssh: ImageBuildSsh, client = simClient(sim)): TalosImageDeps {
  return {
    hcloud: client,
    ssh,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    generateKeyPair: () => ({ publicKey: fakePublicKey(), privateKey: PRIVATE_KEY }),
    pollIntervalMs: 5,
    snapshotPollIntervalMs: 5,
  };
}

/** The real client against the simulator, with sleeps capped at 5 ms. */
export function simClient(sim: HcloudSimulator): HcloudClient {
  return createHcloudClient({
    token: "sim-token",
    endpoint: sim.url,
    fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
  });
}

let keySeed = 0;
/** A syntactically valid ed25519 public key line, different each call (Hetzner keys are unique). */
export function fakePublicKey(): string {
  keySeed++;
  return fakeEd25519Key(keySeed, "k8zner-image-build");
}

/** What a leftover build resource is created with; every field defaults to this image's build. */
export interface LeftoverOptions {
  name?: string;
  labels?: Record<string, string>;
  /** Servers only; default `fsn1`. */
  location?: string;
}

/** Creates an SSH key as a crashed build run leaves it (name and labels of this image's build). */
export function createLeftoverKey(client: HcloudClient, options: LeftoverOptions = {}) {
  return client.sshKeys.create({
    name: options.name ?? NAMES.sshKeyName,
    public_key: fakePublicKey(),
    labels: options.labels ?? NAMES.buildLabels,
  });
}

/** Creates a cx23 Debian server as a crashed build run leaves it; its actions are not waited for. */
export function createLeftoverServer(client: HcloudClient, options: LeftoverOptions = {}) {
  return client.servers.create({
    name: options.name ?? NAMES.buildServerName,
    server_type: "cx23",
    image: "debian-12",
    location: options.location ?? "fsn1",
    labels: options.labels ?? NAMES.buildLabels,
  });
}

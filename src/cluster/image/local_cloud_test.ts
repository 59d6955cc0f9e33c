/**
 * End to end through the local cloud: the real client, the real SSH runner (ssh2 over TCP) to the
 * rescue system the local cloud starts at the build server's public IPv4:22, and a server booted
 * from the resulting snapshot comes alive as a Talos node. Needs port 22 on loopback (root).
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { assertEquals, assertOk } from "../../../tests/assert.ts";
import { startLocalCloud } from "../../../tests/local_cloud/mod.ts";
import { createHcloudClient } from "../../hcloud/mod.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { VANILLA_SCHEMATIC_ID } from "../../talos/machine_config.ts";
import { ensureTalosImage } from "./ensure_image.ts";
import { renderTalosImageNames } from "./naming.ts";
import { createSshRunner, type ImageBuildSsh } from "./ssh.ts";
import { withFakes } from "../../../tests/fake_contracts.ts";

/** `SHA256:<base64 without padding>` of an OpenSSH public key line, as `ssh-keygen -l` prints it. */
function openSshFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1]!, "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

function canBindPort22(): boolean {
  try {
    Deno.listen({ hostname: "127.0.9.253", port: 22 }).close();
    return true;
  } catch {
    return false;
  }
}

const port22 = canBindPort22();
if (!port22) console.log("image_local_cloud_test: skipped, port 22 on loopback cannot be bound (needs root)");

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));

Deno.test(withFakes({
  name: "ensureTalosImage() builds a bootable Talos snapshot in the local cloud over real SSH",
  ignore: !port22,
  async fn() {
    await using cloud = await startLocalCloud({ speed: 400 });
    const client = createHcloudClient({ token: "local-token", endpoint: cloud.hcloudUrl, fetch, sleep });
    const options = { talosVersion: "v1.13.8", schematicId: VANILLA_SCHEMATIC_ID, arch: "amd64" as const };
    const names = renderTalosImageNames(options);
    const rescueBoots: string[] = [];
    const off = cloud.sim.onEvent((e) => {
      if (e.type === "server.running" && e.server.rescue) rescueBoots.push(e.server.name);
    });
    const progress = recordingProgress();
    // The rescue system's host key, read from the local cloud while it runs (it is gone after the build).
    const runner = createSshRunner({ sleep, attempts: 100, delayMs: 20, execTimeoutMs: 30_000 });
    const rescueHostKeys: string[] = [];
    const ssh: ImageBuildSsh = {
      ...runner,
      async waitReady(target, signal) {
        const ready = await runner.waitReady(target, signal);
        for (const rescue of cloud.rescueServers.values()) rescueHostKeys.push(rescue.hostPublicKey);
        return ready;
      },
    };

    const result = await ensureTalosImage(
      {
        hcloud: client,
        ssh,
        sleep,
        pollIntervalMs: 20,
        snapshotPollIntervalMs: 20,
      },
      { ...options, location: "fsn1" },
      progress.task("Image"),
    );
    off();

    assertEquals(result.reused, false);
    // The progress shows the rescue system's host key fingerprint as OpenSSH prints it.
    assertEquals(rescueHostKeys.length, 1);
    const fingerprint = openSshFingerprint(rescueHostKeys[0]!);
    assertOk(
      progress.events.some((e) =>
        e.startsWith("update Image: building: writing image (rescue ") && e.endsWith(` host key ${fingerprint})`)
      ),
      `${fingerprint} in ${progress.events.join(" / ")}`,
    );
    assertEquals(rescueBoots, [names.buildServerName]);
    const image = cloud.sim.state.images.get(result.imageId)!;
    assertEquals(image.labels, names.snapshotLabels);
    assertEquals(image.status, "available");
    assertEquals(cloud.sim.state.servers.size, 0);
    assertEquals(cloud.sim.state.sshKeys.size, 0);
    await cloud.idle();
    assertEquals(cloud.rescueServers.size, 0);

    // A server booted from the snapshot runs Talos of the version written.
    const created = await client.servers.create({
      name: "node-from-snapshot",
      server_type: "cx23",
      image: String(result.imageId),
      location: "fsn1",
    });
    await client.waitForActions(created.actions.map((a) => a.id), { pollInterval: 20 });
    await cloud.idle();
    const node = cloud.talosNodes.get(created.server.id);
    assertOk(node, "no Talos node came up for a server booted from the snapshot");
    // The version in the Image Factory URL is what the disk, and so the snapshot, runs.
    assertEquals(node.state.talosVersion, "v1.13.8");
    assertEquals(cloud.errors, []);
  },
}));

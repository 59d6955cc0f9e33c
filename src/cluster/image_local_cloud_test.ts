/**
 * End to end through the local cloud: the real client, the real SSH runner (ssh2 over TCP) to the
 * rescue system the local cloud starts at the build server's public IPv4:22, and a server booted
 * from the resulting snapshot comes alive as a Talos node. Needs port 22 on loopback (root).
 */
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { startLocalCloud } from "../../tests/local_cloud/mod.ts";
import { createHcloudClient } from "../hcloud/mod.ts";
import { recordingProgress } from "../lib/progress.ts";
import { VANILLA_SCHEMATIC_ID } from "../talos/machine_config.ts";
import { ensureTalosImage } from "./image.ts";
import { renderTalosImageNames } from "./image_naming.ts";
import { createSshRunner } from "./image_ssh.ts";

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

Deno.test({
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

    const result = await ensureTalosImage(
      {
        hcloud: client,
        ssh: createSshRunner({ sleep, attempts: 100, delayMs: 20, execTimeoutMs: 30_000 }),
        sleep,
        pollIntervalMs: 20,
        snapshotPollIntervalMs: 20,
      },
      { ...options, location: "fsn1" },
      progress.task("Image"),
    );
    off();

    assertEquals(result.reused, false);
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
});

/**
 * The image build path through the local cloud with the project's SSH client: rescue mode with a
 * temporary key, SSH at the server's public IPv4, the image write pipeline, power off, snapshot; a
 * server from that snapshot then boots Talos of the version written.
 */
import { assertEquals, assertIncludes, assertRejects } from "../assert.ts";
import { generateSshKeyPair, SshError, sshExec } from "../../src/lib/ssh.ts";
import { createMaintenanceClient } from "../../src/talos/api_client.ts";
import { startLocalCloud } from "./mod.ts";
import { startRescueSsh } from "./rescue_ssh.ts";
import { hcloud, isRefused, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const WRITE = `curl -fsSL https://factory.talos.dev/image/${SCHEMATIC}/v1.13.4/hcloud-amd64.raw.xz ` +
  "| xz -d | dd of=/dev/sda bs=4M && sync";

Deno.test(withFakes(
  "a rescue-booted server accepts SSH with the enable_rescue key, writes the Talos image, and its snapshot boots Talos",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000 });
    const url = cloud.hcloudUrl;
    const key = generateSshKeyPair("k8zner-build");
    const keyId =
      (await hcloud(url, "POST", "/ssh_keys", { name: "build", public_key: key.publicKey })).body.ssh_key.id;
    const created = await hcloud(url, "POST", "/servers", {
      name: "build",
      server_type: "cx23",
      image: "debian-13",
      location: "nbg1",
      ssh_keys: [keyId],
    });
    const id = created.body.server.id as number;
    const ip = created.body.server.public_net.ipv4.ip as string;
    await waitForAction(url, created.body.next_actions[0].id);
    assertEquals(cloud.talosNodes.has(id), false);

    await waitForAction(
      url,
      (await hcloud(url, "POST", `/servers/${id}/actions/enable_rescue`, { type: "linux64", ssh_keys: [keyId] })).body
        .action.id,
    );
    // The temporary key may go before the reset: Hetzner captured it at enable_rescue.
    await hcloud(url, "DELETE", `/ssh_keys/${keyId}`, undefined, 204);
    await waitForAction(url, (await hcloud(url, "POST", `/servers/${id}/actions/reset`)).body.action.id);
    await waitFor("the rescue SSH server", () => cloud.rescueServers.get(id));

    assertEquals((await sshExec({ host: ip, privateKey: key.privateKey, command: "true" })).exitCode, 0);
    const unknown = await sshExec({ host: ip, privateKey: key.privateKey, command: "apt-get install -y zstd" });
    assertEquals(unknown.exitCode, 127);
    assertIncludes(unknown.stderrTail, "apt-get: command not found");

    const stranger = generateSshKeyPair("stranger");
    await assertRejects(
      () => sshExec({ host: ip, privateKey: stranger.privateKey, command: "true", readyTimeoutMs: 3_000 }),
      (err: unknown) => err instanceof SshError && err.kind === "auth",
    );

    let stderr = "";
    const written = await sshExec({
      host: ip,
      privateKey: key.privateKey,
      command: WRITE,
      onOutput: (text, stream) => {
        if (stream === "stderr") stderr += text;
      },
    });
    assertEquals(written.exitCode, 0);
    assertIncludes(stderr, "bytes (1.3 GB, 1.2 GiB) copied");

    await waitForAction(url, (await hcloud(url, "POST", `/servers/${id}/actions/poweroff`)).body.action.id);
    await waitFor("the rescue system to stop", async () => !cloud.rescueServers.has(id) && await isRefused(ip, 22));
    const image = await hcloud(url, "POST", `/servers/${id}/actions/create_image`, {
      type: "snapshot",
      description: "talos v1.13.4",
      labels: { "k8zner.io/built-by": "test" },
    });
    await waitForAction(url, image.body.action.id);
    await waitForAction(url, (await hcloud(url, "DELETE", `/servers/${id}`)).body.action.id);

    // No os=talos label: what boots Talos is the disk the snapshot was made from.
    const booted = await hcloud(url, "POST", "/servers", {
      name: "from-snapshot",
      server_type: "cx23",
      image: image.body.image.id,
      location: "nbg1",
    });
    const node = await waitFor("the Talos node", () => cloud.talosNodes.get(booted.body.server.id));
    await node.waitForBoot();
    const client = createMaintenanceClient({ endpoint: booted.body.server.public_net.ipv4.ip });
    try {
      assertEquals((await client.version())[0]?.version?.tag, "v1.13.4");
    } finally {
      await client.close();
    }
    assertEquals(cloud.errors.map((e) => e.message), []);
  },
));

Deno.test(withFakes("startRescueSsh() names the address when it cannot listen", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    await assertRejects(
      () =>
        startRescueSsh({
          hostname: "127.0.0.1",
          port,
          authorizedKeys: [],
          writeDelayMs: 0,
          onImageWritten: () => {},
        }),
      new RegExp(
        `Cannot start the rescue SSH server at 127\\.0\\.0\\.1:${port}: .*(EADDRINUSE|address already in use)`,
        "i",
      ),
    );
  } finally {
    taken.close();
  }
}));

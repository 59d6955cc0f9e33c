/**
 * `ensureTalosImage` against the Hetzner simulator (real client over HTTP), with a recording fake
 * SSH runner that checks the server really booted into rescue before it "writes" the image.
 */
import { assertEquals, assertIncludes, assertOk, assertRejects, fail } from "../../../tests/assert.ts";
import { type HcloudSimulator, startHcloudSimulator } from "../../../tests/hcloud_sim/mod.ts";
import {
  createLeftoverKey,
  createLeftoverServer,
  depsFor,
  fakeSsh,
  NAMES,
  OPTIONS,
  RESCUE_HOST_KEY_FINGERPRINT,
  simClient,
} from "../../../tests/image_build_fakes.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { VANILLA_SCHEMATIC_ID } from "../../talos/machine_config.ts";
import { ensureTalosImage, ImageBuildError } from "./ensure_image.ts";
import { createActionWaiter } from "../infra/action_waiter.ts";

const mutating = (sim: HcloudSimulator) => sim.requests.filter((r) => r.method !== "GET");

Deno.test("ensureTalosImage() reuses the newest matching snapshot with three GETs and no mutating call", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const older = sim.addSnapshot({ description: "talos old", labels: NAMES.snapshotLabels });
  sim.advance(60_000);
  const newer = sim.addSnapshot({ description: "talos new", labels: NAMES.snapshotLabels });
  sim.advance(60_000);
  // Newer, but of another version, schematic or architecture: never picked.
  sim.addSnapshot({ description: "x", labels: { ...NAMES.snapshotLabels, "k8zner.io/talos-version": "v1.12.0" } });
  sim.addSnapshot({
    description: "x",
    labels: { ...NAMES.snapshotLabels, "k8zner.io/talos-schematic": "0".repeat(32) },
  });
  sim.addSnapshot({
    description: "x",
    labels: { ...NAMES.snapshotLabels, "k8zner.io/arch": "arm64" },
    architecture: "arm",
  });
  const { ssh, calls } = fakeSsh(sim);
  const progress = recordingProgress();

  const result = await ensureTalosImage(depsFor(sim, ssh), OPTIONS, progress.task("Image"));

  assertEquals(result, { imageId: newer.id, reused: true });
  assertOk(newer.id !== older.id);
  // One GET finds the snapshot; one each for servers and SSH keys finds no build leftovers.
  assertEquals(sim.requests.map((r) => `${r.method} ${r.path}`).sort(), [
    "GET /images",
    "GET /servers",
    "GET /ssh_keys",
  ]);
  const buildSelector = Object.entries(NAMES.buildLabels).map(([k, v]) => `${k}=${v}`).sort();
  for (const r of sim.requests.filter((r) => r.path !== "/images")) {
    assertEquals(new URLSearchParams(r.query).get("label_selector")!.split(",").sort(), buildSelector);
  }
  const query = new URLSearchParams(sim.requests.find((r) => r.path === "/images")!.query);
  assertEquals(query.get("type"), "snapshot");
  assertEquals(query.get("architecture"), "x86");
  assertEquals(
    query.get("label_selector")!.split(",").sort(),
    Object.entries(NAMES.snapshotLabels).map(([k, v]) => `${k}=${v}`).sort(),
  );
  assertEquals(mutating(sim), []);
  assertEquals(calls, []);
  assertEquals(progress.events.at(-1), `skip Image: snapshot ${newer.id} reused`);
});

Deno.test("ensureTalosImage() builds through rescue mode, writes the factory image over SSH and labels the snapshot", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const { ssh, calls } = fakeSsh(sim);
  const progress = recordingProgress();
  const booted: { rescue: boolean; name: string; location: string }[] = [];
  const off = sim.onEvent((e) => {
    if (e.type === "server.running" || e.type === "server.reset") {
      booted.push({ rescue: e.server.rescue, name: e.server.name, location: e.server.location });
    }
  });

  const result = await ensureTalosImage(depsFor(sim, ssh), OPTIONS, progress.task("Image"));
  off();

  assertEquals(result.reused, false);
  const image = sim.state.images.get(result.imageId)!;
  assertEquals(image.status, "available");
  assertEquals(image.type, "snapshot");
  assertEquals(image.labels, NAMES.snapshotLabels);
  assertEquals(image.description, "talos-v1.13.9-amd64-37656798");
  assertEquals(image.architecture, "x86");
  // The only boot of the build server was into the rescue system, in the preferred location.
  assertEquals(booted, [{ rescue: true, name: NAMES.buildServerName, location: "fsn1" }]);
  assertEquals(calls.map((c) => [c.kind, c.inRescue]), [["waitReady", true], ["exec", true]]);
  const command = calls[1]!.command!;
  assertIncludes(command, `https://factory.talos.dev/image/${VANILLA_SCHEMATIC_ID}/v1.13.9/hcloud-amd64.raw.xz`);
  assertIncludes(command, "set -euo pipefail");
  assertIncludes(command, "| xz -d | dd of=/dev/$disk bs=4M oflag=direct");
  assertIncludes(command, "lsblk");
  // Build server and key are gone; the snapshot stays.
  assertEquals([...sim.state.servers.values()].map((s) => s.name), []);
  assertEquals([...sim.state.sshKeys.values()].map((k) => k.name), []);
  const creates = sim.requests.filter((r) => r.method === "POST" && r.path === "/servers");
  assertEquals(creates.length, 1);
  const rescueIp = calls[0]!.host;
  for (
    const step of [
      "building: rescue boot",
      `building: writing image (rescue ${rescueIp} host key ${RESCUE_HOST_KEY_FINGERPRINT})`,
      "building: snapshotting",
    ]
  ) {
    assertOk(progress.events.includes(`update Image: ${step}`), `${step} in ${progress.events.join(" / ")}`);
  }
  assertEquals(progress.events.at(-1), `done Image: snapshot ${result.imageId} built (talos-v1.13.9-amd64-37656798)`);
  assertOk(!progress.events.join("\n").includes("secret"), "no private key in progress");

  // The next run finds it.
  const before = sim.requests.length;
  assertEquals(await ensureTalosImage(depsFor(sim, ssh), OPTIONS, recordingProgress().task("Image")), {
    imageId: result.imageId,
    reused: true,
  });
  assertEquals(sim.requests.slice(before).map((r) => r.method), ["GET", "GET", "GET"]);
});

Deno.test("ensureTalosImage() deletes server and key when the image write fails, and names the step", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const { ssh } = fakeSsh(
    sim,
    () => ({ exitCode: 22, stderrTail: "curl: (22) The requested URL returned error: 404\n" }),
  );
  const progress = recordingProgress();

  const err = await ensureTalosImage(depsFor(sim, ssh), OPTIONS, progress.task("Image")).then(
    () => fail("expected a failure"),
    (e: unknown) => e,
  );

  assertOk(err instanceof ImageBuildError, String(err));
  assertEquals(err.step, "writing image");
  assertIncludes(err.message, "writing image failed: the image write exited with 22: curl: (22)");
  assertOk(!err.message.includes("PRIVATE KEY") && !err.message.includes("secret"), err.message);
  assertEquals(sim.state.servers.size, 0);
  assertEquals(sim.state.sshKeys.size, 0);
  assertEquals([...sim.state.images.values()].filter((i) => i.type === "snapshot"), []);
  assertEquals(progress.events.at(-1), `fail Image: ${err.message}`);
});

Deno.test("ensureTalosImage() still cleans up when the SSH connection itself fails", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const { ssh } = fakeSsh(sim, () => Promise.reject(new Error("Cannot connect over ssh to 1.2.3.4:22: ECONNRESET")));
  await assertRejects(
    () => ensureTalosImage(depsFor(sim, ssh), OPTIONS, recordingProgress().task("Image")),
    (e: unknown) => e instanceof ImageBuildError && e.step === "writing image" && /ECONNRESET/.test(e.message),
  );
  assertEquals(sim.state.servers.size, 0);
  assertEquals(sim.state.sshKeys.size, 0);
});

Deno.test("ensureTalosImage() removes a build server and key left by a crashed run, then builds", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = simClient(sim);
  const key = await createLeftoverKey(client);
  const leftover = await createLeftoverServer(client, { location: "nbg1" });
  await client.waitForActions(leftover.actions.map((a) => a.id), { pollInterval: 5 });
  const { ssh, calls } = fakeSsh(sim);

  const result = await ensureTalosImage(depsFor(sim, ssh, client), OPTIONS, recordingProgress().task("Image"));

  assertEquals(result.reused, false);
  assertEquals(sim.state.images.get(result.imageId)?.labels, NAMES.snapshotLabels);
  assertEquals(calls.filter((c) => c.kind === "exec").length, 1);
  assertEquals(sim.state.servers.size, 0);
  assertEquals(sim.state.sshKeys.size, 0);
  const deleted = sim.requests.filter((r) => r.method === "DELETE").map((r) => r.path);
  assertOk(deleted.includes(`/servers/${leftover.server.id}`), deleted.join(","));
  assertOk(deleted.includes(`/ssh_keys/${key.sshKey.id}`), deleted.join(","));
});

Deno.test("ensureTalosImage() never deletes a same-named server that k8zner did not label as a build", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = simClient(sim);
  const foreign = await createLeftoverServer(client, { location: "nbg1", labels: { owner: "someone-else" } });
  await client.waitForActions(foreign.actions.map((a) => a.id), { pollInterval: 5 });
  const { ssh } = fakeSsh(sim);

  await assertRejects(
    () => ensureTalosImage(depsFor(sim, ssh, client), OPTIONS, recordingProgress().task("Image")),
    (e: unknown) =>
      e instanceof ImageBuildError && e.step === "clean up earlier build" &&
      e.message.includes(`server "${NAMES.buildServerName}"`) && e.message.includes("not created by k8zner"),
  );
  assertEquals([...sim.state.servers.keys()], [foreign.server.id]);
  assertEquals(mutating(sim).filter((r) => r.method === "DELETE"), []);
});

Deno.test("ensureTalosImage() builds arm64 on cax11 and falls back to nbg1 when the preferred location has no capacity", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const { ssh } = fakeSsh(sim);
  const arm = { ...OPTIONS, arch: "arm64" as const, location: "ash" }; // the simulator has no cax in ash
  const created: { type: string; location: string }[] = [];
  const off = sim.onEvent((e) => {
    if (e.type === "server.created") created.push({ type: e.server.serverType, location: e.server.location });
  });

  const result = await ensureTalosImage(depsFor(sim, ssh), arm, recordingProgress().task("Image"));
  off();

  assertEquals(created, [{ type: "cax11", location: "nbg1" }]);
  const posts = sim.requests.filter((r) => r.method === "POST" && r.path === "/servers").map((r) => r.status);
  assertEquals(posts, [412, 201]);
  const image = sim.state.images.get(result.imageId)!;
  assertEquals(image.architecture, "arm");
  assertEquals(image.labels["k8zner.io/arch"], "arm64");
  assertEquals(sim.state.servers.size, 0);
});

Deno.test("ensureTalosImage() waits for a snapshot a crashed run left creating instead of building again", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = simClient(sim);
  const leftover = await createLeftoverServer(client);
  await client.waitForActions(leftover.actions.map((a) => a.id), { pollInterval: 5 });
  const snap = await client.servers.createImage(leftover.server.id, {
    type: "snapshot",
    description: NAMES.description,
    labels: NAMES.snapshotLabels,
  });
  assertEquals(sim.state.images.get(snap.image.id)?.status, "creating");
  const { ssh, calls } = fakeSsh(sim);

  const result = await ensureTalosImage(depsFor(sim, ssh, client), OPTIONS, recordingProgress().task("Image"));

  assertEquals(result, { imageId: snap.image.id, reused: true });
  assertEquals(sim.state.images.get(snap.image.id)?.status, "available");
  assertEquals(calls, []);
  assertEquals(sim.state.servers.size, 0);
  assertEquals(sim.requests.filter((r) => r.method === "POST" && r.path === "/servers").length, 1);
});

Deno.test("ensureTalosImage() reports a build server it could not delete after a successful build", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  // More failures than cleanup tries: the deletion keeps failing.
  sim.faults.failNext({ method: "DELETE", path: /^\/servers\/\d+$/, times: 20 }, "500");
  const { ssh } = fakeSsh(sim);

  const err = await ensureTalosImage(depsFor(sim, ssh), OPTIONS, recordingProgress().task("Image")).then(
    () => fail("expected the cleanup failure to be reported"),
    (e: unknown) => e,
  );

  assertOk(err instanceof ImageBuildError, String(err));
  assertEquals(err.step, "clean up build");
  assertIncludes(err.message, `cannot delete build server "${NAMES.buildServerName}"`);
  // The snapshot exists, the key was still deleted, the server is left and named.
  const snapshots = [...sim.state.images.values()].filter((i) => i.type === "snapshot");
  assertEquals(snapshots.map((i) => i.status), ["available"]);
  assertEquals(sim.state.sshKeys.size, 0);
  assertEquals([...sim.state.servers.values()].map((s) => s.name), [NAMES.buildServerName]);
});

Deno.test("ensureTalosImage() keeps the build's own error when cleanup fails too", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  sim.faults.failNext({ method: "DELETE", path: /^\/ssh_keys\/\d+$/, times: 20 }, "500");
  const { ssh } = fakeSsh(sim, () => ({ exitCode: 1, stderrTail: "dd: error writing '/dev/sda': No space left" }));

  const err = await ensureTalosImage(depsFor(sim, ssh), OPTIONS, recordingProgress().task("Image")).then(
    () => fail("expected a failure"),
    (e: unknown) => e,
  );

  assertOk(err instanceof ImageBuildError, String(err));
  assertEquals(err.step, "writing image");
  assertIncludes(err.message, "No space left");
  assertIncludes(err.message, `cleanup also failed: cannot delete SSH key "${NAMES.sshKeyName}"`);
  assertEquals(sim.state.servers.size, 0);
});

Deno.test("ensureTalosImage() still deletes server and key when the run is cancelled mid-write", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const controller = new AbortController();
  const { ssh } = fakeSsh(sim, () => {
    controller.abort(new Error("interrupted by the user"));
    return Promise.reject(new Error("ssh to 127.0.0.1 aborted"));
  });

  await assertRejects(
    () =>
      ensureTalosImage(
        { ...depsFor(sim, ssh), signal: controller.signal },
        OPTIONS,
        recordingProgress().task("Image"),
      ),
    (e: unknown) => e instanceof ImageBuildError && e.step === "writing image",
  );
  assertEquals(sim.state.servers.size, 0);
  assertEquals(sim.state.sshKeys.size, 0);
  assertEquals(sim.requests.filter((r) => r.path.endsWith("/actions/create_image")), []);
});

Deno.test("ensureTalosImage() finds a crashed build's leftovers in the run's project listing, without lookups of its own", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = simClient(sim);
  const key = await createLeftoverKey(client);
  const leftover = await createLeftoverServer(client, { location: "nbg1" });
  await client.waitForActions(leftover.actions.map((a) => a.id), { pollInterval: 5 });
  const project = { servers: await client.servers.listAll(), sshKeys: await client.sshKeys.listAll() };
  const { ssh } = fakeSsh(sim);
  const before = sim.requests.length;

  const result = await ensureTalosImage(
    depsFor(sim, ssh, client),
    { ...OPTIONS, project },
    recordingProgress().task("Image"),
  );

  assertEquals(result.reused, false);
  const sent = sim.requests.slice(before);
  // Neither by name nor by label: the listing answered.
  assertEquals(sent.filter((r) => r.method === "GET" && (r.path === "/servers" || r.path === "/ssh_keys")), []);
  const deleted = sent.filter((r) => r.method === "DELETE").map((r) => r.path);
  assertOk(deleted.includes(`/servers/${leftover.server.id}`), deleted.join(","));
  assertOk(deleted.includes(`/ssh_keys/${key.sshKey.id}`), deleted.join(","));
  assertEquals([sim.state.servers.size, sim.state.sshKeys.size], [0, 0]);

  // The next run finds the snapshot; with the listing, reusing it costs the one snapshot lookup.
  const reuseStart = sim.requests.length;
  const again = await ensureTalosImage(
    depsFor(sim, ssh, client),
    { ...OPTIONS, project: { servers: [], sshKeys: [] } },
    recordingProgress().task("Image"),
  );
  assertEquals(again, { imageId: result.imageId, reused: true });
  assertEquals(sim.requests.slice(reuseStart).map((r) => `${r.method} ${r.path}`), ["GET /images"]);
});

Deno.test("ensureTalosImage() with the run's action waiter polls each build action about once, the snapshot included", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = simClient(sim);
  const { ssh } = fakeSsh(sim);
  // Real waits divided by the simulator's speed, as apply does against a local cloud.
  const actions = createActionWaiter(client, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    timeScale: 1000,
  });
  const result = await ensureTalosImage(
    { ...depsFor(sim, ssh, client), actions },
    { ...OPTIONS, project: { servers: [], sshKeys: [] } },
    recordingProgress().task("Image"),
  );
  assertEquals(result.reused, false);
  const polls = sim.requests.filter((r) => r.path === "/actions").length;
  // create_server, enable_rescue, start_server, stop_server, create_image, delete_server: 6 actions.
  // At a fixed 1 s a real build polled about 40 times (the snapshot alone every 10 s for minutes).
  assertOk(polls >= 6 && polls <= 10, `${polls} polls`);
  assertEquals(actions.polls, polls);
  // No read of the build server before its power-on: this call created it powered off.
  assertEquals(sim.requests.filter((r) => r.method === "GET" && /^\/servers\/\d+$/.test(r.path)).length, 0);
});

/**
 * Crash-resume in the middle of the image write (the build server in rescue with the build's SSH
 * key, `dd` under way over SSH, no snapshot yet), a kill the chain (`apply_crash_resume_chain_test.ts`)
 * never makes: a first `apply` in a fresh local cloud is SIGKILLed there, and the next run must
 * converge ({@link assertConverged}) and leave no build server or key. Why this point:
 * `apply_crash_resume.ts`.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { LocalCloud } from "../local_cloud/mod.ts";
import { parseImageWriteCommand } from "../local_cloud/image_write.ts";
import { PURPOSE_LABEL } from "./cloud_inventory.ts";
import { endpointOf, mutating } from "./apply_harness.ts";
import { killOnceThenConverge } from "./apply_crash_resume.ts";
import { withFakes } from "../fake_contracts.ts";

/** Whether a build server's rescue system received the image write (`curl … | xz -d | dd …`), still under way or done. */
function imageWriteStarted(cloud: LocalCloud): boolean {
  for (const rescue of cloud.rescueServers.values()) {
    if (rescue.commands.some((c) => parseImageWriteCommand(c) !== undefined)) return true;
  }
  return false;
}

/** The image build's temporaries (server, SSH key) in the cloud now, as `server <name>` and `ssh key <name>`. */
function buildTemporaries(cloud: LocalCloud): string[] {
  const temporary = (r: { labels: Record<string, string> }) => r.labels[PURPOSE_LABEL] !== undefined;
  const { servers, sshKeys } = cloud.sim.state;
  return [
    ...[...servers.values()].filter(temporary).map((s) => `server ${s.name}`),
    ...[...sshKeys.values()].filter(temporary).map((k) => `ssh key ${k.name}`),
  ];
}

Deno.test(withFakes(
  "apply killed while the image is written to the build server converges on the next run and leaves no build server or key",
  () =>
    killOnceThenConverge(imageWriteStarted, (cloud, first) => {
      const sent = mutating(first.requests).map(endpointOf);
      const history = `run 1 killed during the image write, after ${sent.join(", ")}`;
      // The state only this kill reaches: the build's server and key, the write not ended (the build
      // powers the server off right after it), no snapshot.
      const left = buildTemporaries(cloud);
      assertEquals(left.map((t) => t.split(" ")[0]), ["server", "ssh"], `left by the killed run: ${left.join(", ")}`);
      assertOk(!sent.some((e) => /poweroff|shutdown/.test(e)), `the write had ended: ${history}`);
      assertEquals([...cloud.sim.state.images.values()].filter((i) => i.type === "snapshot").length, 0);
      return history;
    }),
));

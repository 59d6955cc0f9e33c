/**
 * Crash-resume, every mutating request a kill point: one local cloud, `apply` SIGKILLed right after
 * its own first mutating Hetzner request that no run before it was killed after (counted from the
 * run's start, the CLI's requests only: the kill lands while the request or its action is in flight),
 * the next `apply` resuming from whatever the runs before it left and killed the same way, until a run
 * ends by itself. That run must have converged the cluster ({@link assertConverged}).
 *
 * Why "that no run before it was killed after" and not simply its first: the image build does not
 * resume, it starts over. Its SSH key's private half lives only in the run's memory, so the next run
 * deletes the build server and key a killed run left (`src/cluster/image/ensure_image.ts`) and creates
 * them again. Killed after its first request, every run would delete what the one before created, or
 * create what it deleted, for ever (measured: runs 4 to 60 alternated `POST /ssh_keys` and
 * `DELETE /ssh_keys/{id}`). Killed after its first new request, each run goes one request further into
 * the build (and its cleanup), and every other step is still killed right after its first request.
 * A point is the request's endpoint (IDs folded) and, for a create, the name in its body: the build
 * server and the control plane are both `POST /servers`.
 *
 * See `apply_crash_resume.ts` for the kills the chain cannot make and which tests make them.
 *
 * @module
 */
import { assertOk, fail } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import type { RequestRecord } from "../hcloud_sim/mod.ts";
import { endpointOf, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { applyKilledWhen, assertConverged, CLUSTER } from "./apply_crash_resume.ts";
import { withFakes } from "../fake_contracts.ts";

/**
 * Mutating requests of an uninterrupted first `apply` of the dev cluster, each a different kill point
 * (measured 2026-12-07: network, firewall, 2 placement groups, 2 SSH keys, load balancer, build server,
 * load balancer to network, rescue, power-on, target, power-off, snapshot, build server and key deleted,
 * control plane, its attach).
 */
const FIRST_APPLY_MUTATING = 18;

/**
 * Kill points the chain may pass over (they land before the kill does, so no later run sends them again
 * to be killed after): a first apply sends its first seven creates at once, and the kill after one of
 * them lands while the others may be in flight too (measured: 4 to 6 of them; 13-14 runs killed in 9 chains); a run also sends requests of
 * the image build and of the infrastructure side by side.
 */
const SLACK = 8;

/** Runs after which the chain is stuck (a run that undoes what the one before did, or repeats it). */
const MAX_RUNS = 60;

/** A kill point: the request's endpoint and, for a create, the name it creates (the build server or a control plane). */
function pointOf(request: RequestRecord): string {
  return `${endpointOf(request)}${request.name === undefined ? "" : ` "${request.name}"`}`;
}

/** Whether `request` is a create whose body (and so its name) the simulator has not read yet. */
function nameUnread(request: RequestRecord): boolean {
  return request.status === 0 && request.name === undefined && /^\/[a-z_]+$/.test(request.path);
}

Deno.test(withFakes(
  "apply killed right after each of its mutating requests in turn, each run resuming the last, converges once without duplicates, leaks or a second bootstrap",
  async () => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig(CLUSTER, "dev"));
    try {
      const points = new Set<string>();
      // Every kill point, and what landed after it before the kill did: all of it was in flight at a kill.
      const covered = new Set<string>();
      const kills: string[] = [];
      const history = () => `runs killed so far (each right after the request named):\n${kills.join("\n")}`;
      for (let n = 1;; n++) {
        if (n > MAX_RUNS) fail(`apply was killed ${MAX_RUNS} times and never ended by itself\n${history()}`);
        let point: RequestRecord | undefined;
        const run = await applyKilledWhen(cloud, dir, (requests) => {
          for (const request of mutating(requests)) {
            if (nameUnread(request)) return false;
            if (!points.has(pointOf(request))) {
              point = request;
              return true;
            }
          }
          return false;
        });
        const sent = mutating(run.requests);
        if (!run.killed) {
          const again = sent.length ? `, sent again: ${sent.map(pointOf).join(", ")}` : ", no mutating request";
          kills.push(`run ${n} ended by itself (exit ${run.result.code})${again}`);
          await assertConverged(cloud, dir, run.result, history());
          break;
        }
        points.add(pointOf(point!));
        const at = sent.indexOf(point!);
        const before = sent.slice(0, at).map(pointOf);
        const after = sent.slice(at + 1).map(pointOf);
        for (const p of [pointOf(point!), ...after]) covered.add(p);
        kills.push(
          `run ${n}: ${pointOf(point!)} -> ${point!.status}` +
            (before.length ? `; sent again before it: ${before.join(", ")}` : "") +
            (after.length ? `; landed before the kill: ${after.join(", ")}` : ""),
        );
        await cloud.idle();
      }
      // The chain walked the whole first apply: one that ends at run 1, or skips, proves little.
      const killed = kills.length - 1;
      assertOk(
        killed >= FIRST_APPLY_MUTATING - SLACK,
        `only ${killed} runs were killed (a first apply sends ${FIRST_APPLY_MUTATING} mutating requests)\n${history()}`,
      );
      assertOk(
        covered.size >= FIRST_APPLY_MUTATING,
        `only ${covered.size} different mutating requests were in flight at a kill (a first apply sends ${FIRST_APPLY_MUTATING})\n${history()}`,
      );
      console.log(`${killed} runs killed, ${covered.size} requests in flight at a kill\n${history()}`);
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));

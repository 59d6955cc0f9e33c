/**
 * `ensureSshKey()`: the cluster's one labelled SSH key `<cluster>-default`, created once and
 * reused by every server. Talos has no SSH server; with a key in the create call Hetzner sends no
 * root password e-mail. The private half is never stored (nothing could use it).
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { SshKey } from "../../hcloud/mod.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { diffSshKey } from "./diff_ssh_key.ts";
import { assertNoConflicts, runTask } from "./ensure_common.ts";
import { type ObservedCluster, sshKeyName } from "./observed.ts";

/** Finds or creates the key; returns it. */
export function ensureSshKey(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  task: TaskHandle,
): Promise<SshKey> {
  return runTask(task, async () => {
    assertNoConflicts(observed, ["ssh_key"]);
    const found = diffSshKey(desired, observed);
    if (found) return { result: found, changed: false, detail: "exists" };
    const name = sshKeyName(desired.cluster.name);
    const generate = deps.generatePublicKey ?? defaultPublicKey;
    const { sshKey } = await deps.hc.sshKeys.create({
      name,
      public_key: await generate(`k8zner ${desired.cluster.name}`),
      labels: { ...desired.labels },
    });
    return { result: sshKey, changed: true, detail: "created" };
  });
}

/** A fresh Ed25519 public key; `ssh2` is loaded only when a key is really needed. */
async function defaultPublicKey(comment: string): Promise<string> {
  const { generateSshKeyPair } = await import("../../lib/ssh.ts");
  return generateSshKeyPair(comment).publicKey;
}

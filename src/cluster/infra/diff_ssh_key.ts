/**
 * The cluster's one SSH key (`<cluster>-default`), created once and reused. Talos runs no SSH
 * server; the key only stops Hetzner from e-mailing a root password for every server.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { SshKey } from "../../hcloud/mod.ts";
import type { Change } from "./change.ts";
import { byName, type ObservedCluster, sshKeyName } from "./observed.ts";

/** The key found, or undefined when it must be created. */
export function diffSshKey(desired: DesiredState, observed: ObservedCluster): SshKey | undefined {
  return byName(observed.sshKeys, sshKeyName(desired.cluster.name));
}

/** The plan line of the SSH key. */
export function sshKeyChanges(desired: DesiredState, found: SshKey | undefined): Change[] {
  if (found) return [];
  return [{
    action: "create",
    kind: "ssh_key",
    name: sshKeyName(desired.cluster.name),
    detail: "so Hetzner sends no root password e-mails (Talos has no SSH; the private key is not kept)",
  }];
}

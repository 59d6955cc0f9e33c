/**
 * SSH keys (public keys only; used for image building and rescue).
 *
 * @module
 */
import { hasLabels } from "./labels.ts";
import { deleteIfExists, type Transport } from "./transport.ts";
import type { CallOptions, Labels, ListOptions, Page } from "./types.ts";

/** An SSH key. */
export interface SshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Labels;
  created: string;
}

/** The SSH key calls. */
export interface SshKeysApi {
  /** Never retried blindly: after an ambiguous failure it is looked up by name first. */
  create(
    request: { name: string; public_key: string; labels?: Labels },
    options?: CallOptions,
  ): Promise<{ sshKey: SshKey; recovered: boolean }>;
  get(id: number): Promise<SshKey | undefined>;
  findByName(name: string): Promise<SshKey | undefined>;
  /** `GET /ssh_keys?fingerprint=`; undefined when absent. */
  findByFingerprint(fingerprint: string): Promise<SshKey | undefined>;
  list(options?: ListOptions): Promise<Page<SshKey>>;
  listAll(options?: ListOptions): Promise<SshKey[]>;
  delete(id: number): Promise<boolean>;
}

/** Creates the SSH key calls over a transport. */
export function createSshKeysApi(t: Transport): SshKeysApi {
  const api: SshKeysApi = {
    async create(request, options) {
      const outcome = await t.create<{ ssh_key: SshKey }, SshKey>("/ssh_keys", request, async () => {
        const found = await api.findByName(request.name);
        return found && found.public_key.trim() === request.public_key.trim() &&
            hasLabels(found.labels, request.labels)
          ? found
          : undefined;
      }, options);
      if (outcome.recovered) return { sshKey: outcome.found, recovered: true };
      return { sshKey: outcome.response.ssh_key, recovered: false };
    },
    get: (id) => t.getOrUndefined<SshKey>(`/ssh_keys/${id}`, "ssh_key"),
    async findByName(name) {
      return (await t.listPage<SshKey>("/ssh_keys", "ssh_keys", { name })).items[0];
    },
    async findByFingerprint(fingerprint) {
      return (await t.listPage<SshKey>("/ssh_keys", "ssh_keys", undefined, { fingerprint })).items[0];
    },
    list: (options) => t.listPage<SshKey>("/ssh_keys", "ssh_keys", options),
    listAll: (options) => t.listAll<SshKey>("/ssh_keys", "ssh_keys", options),
    delete: (id) => deleteIfExists(t, `/ssh_keys/${id}`),
  };
  return api;
}

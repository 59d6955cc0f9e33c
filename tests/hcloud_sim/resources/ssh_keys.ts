/**
 * SSH keys: OpenSSH public keys, MD5 fingerprint like the API, unique by name and fingerprint.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { isoTime } from "../clock.ts";
import { invalidField, uniquenessError } from "../errors.ts";
import { bodyObject, listResponse, requireString, type Route } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { SimContext, SshKeyRecord } from "../state.ts";

const KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/]+={0,2})( .*)?$/;

/** MD5 fingerprint `aa:bb:…` of an OpenSSH public key line, or `undefined` when malformed. */
export function sshFingerprint(publicKey: string): string | undefined {
  const m = publicKey.trim().match(KEY);
  if (!m) return undefined;
  const blob = Uint8Array.from(atob(m[2]!), (c) => c.charCodeAt(0));
  // The blob starts with the key type as an SSH string; reject blobs that do not.
  const len = (blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!;
  if (new TextDecoder().decode(blob.slice(4, 4 + len)) !== m[1]) return undefined;
  return createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
}

/** API shape of an SSH key. */
export function renderSshKey(k: SshKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    fingerprint: k.fingerprint,
    public_key: k.publicKey,
    labels: { ...k.labels },
    created: isoTime(k.created),
  };
}

/** Resolves an SSH key reference (id or name). */
export function resolveSshKey(ctx: SimContext, ref: unknown): SshKeyRecord | undefined {
  if (typeof ref === "number" || (typeof ref === "string" && /^\d+$/.test(ref))) {
    return ctx.state.sshKeys.get(Number(ref));
  }
  return [...ctx.state.sshKeys.values()].find((k) => k.name === ref);
}

const sshKeys = new NamedResource<SshKeyRecord>({
  kind: "ssh_key",
  noun: "SSH key",
  records: (ctx) => ctx.state.sshKeys,
});

/** Routes for `/ssh_keys`. */
export const sshKeyRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/ssh_keys",
    handler: (ctx, req) =>
      listResponse(ctx, req, "ssh_keys", ctx.state.sshKeys.values(), renderSshKey, (k, q) => {
        const fp = q.get("fingerprint");
        return fp === null || k.fingerprint === fp;
      }, (k) => k.created),
  },
  {
    method: "POST",
    pattern: "/ssh_keys",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = sshKeys.uniqueName(ctx, requireString(body, "name"));
      const publicKey = requireString(body, "public_key").trim();
      const fingerprint = sshFingerprint(publicKey);
      if (!fingerprint) throw invalidField("public_key", "is not a valid OpenSSH public key");
      if ([...ctx.state.sshKeys.values()].some((k) => k.fingerprint === fingerprint)) {
        throw uniquenessError("SSH key with the same fingerprint already exists", ["public_key"]);
      }
      const key: SshKeyRecord = {
        id: ctx.nextId("ssh_key"),
        name,
        publicKey,
        fingerprint,
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
      };
      ctx.state.sshKeys.set(key.id, key);
      return { status: 201, body: { ssh_key: renderSshKey(key) } };
    },
  },
  sshKeys.getRoute("/ssh_keys", (_ctx, key) => renderSshKey(key)),
  sshKeys.updateRoute("/ssh_keys", (_ctx, key) => renderSshKey(key)),
  {
    method: "DELETE",
    pattern: "/ssh_keys/{id}",
    handler: (ctx, req) => {
      ctx.state.sshKeys.delete(sshKeys.fromPath(ctx, req).id);
      return { status: 204 };
    },
  },
];

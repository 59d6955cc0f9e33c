/**
 * Authentication as kube-apiserver does it: a bearer token (a static token, as `--token-auth-file`, or a
 * service account token the fake issued) or a client certificate verified against the cluster CA
 * (user = CN, groups = O). A request without credentials is `system:anonymous` (anonymous auth is on
 * by default; RBAC then allows it only the public info paths). A token or certificate that does not
 * verify is 401 Unauthorized, never anonymous.
 *
 * @module
 */
import { KubeStatusError } from "./status.ts";
import type { KubeObj } from "./object_meta.ts";

/** Who a request comes from. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** The peer certificate of a TLS connection, as the server saw it. */
export interface PeerCertificate {
  /** Whether it chains to the client CA the server trusts. */
  authorized: boolean;
  commonName: string;
  organizations: string[];
}

/** The user every credential-less request is. */
export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

/** The static admin token `kubeconfigYaml()` hands out. */
export const ADMIN_TOKEN = "fake-token";

const SA_PREFIX = "system:serviceaccount:";

interface SaToken {
  namespace: string;
  name: string;
  /** The ServiceAccount's uid at issue: a token outlives neither its account nor a re-created one. */
  uid: string;
}

/** Issued tokens and who they stand for. */
export class Authenticator {
  readonly #static = new Map<string, UserInfo>([[ADMIN_TOKEN, { name: "admin", groups: ["system:masters"] }]]);
  readonly #serviceAccounts = new Map<string, SaToken>();

  /** Adds a static token (as a line of `--token-auth-file`). */
  addStaticToken(token: string, user: UserInfo): void {
    this.#static.set(token, user);
  }

  /**
   * A token for ServiceAccount `namespace/name`, as the TokenRequest API issues (the kubelet mounts it
   * in pods); throws 404 when the account does not exist.
   */
  issueServiceAccountToken(serviceAccount: KubeObj | undefined, namespace: string, name: string): string {
    const uid = (serviceAccount?.metadata as Record<string, unknown> | undefined)?.uid;
    if (typeof uid !== "string") {
      throw new KubeStatusError(404, "NotFound", `serviceaccounts "${name}" not found`, {
        name,
        kind: "serviceaccounts",
      });
    }
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const token = `sa.${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    this.#serviceAccounts.set(token, { namespace, name, uid });
    return token;
  }

  /**
   * The user of a request. `serviceAccountUid(ns, name)` reads the account's current uid (undefined
   * when deleted). Throws 401 for a token or certificate that does not verify.
   */
  authenticate(
    authorization: string | null,
    peer: PeerCertificate | undefined,
    serviceAccountUid: (namespace: string, name: string) => string | undefined,
  ): UserInfo {
    const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (bearer !== undefined) {
      const user = this.#static.get(bearer);
      if (user) return { name: user.name, groups: [...user.groups, "system:authenticated"] };
      const sa = this.#serviceAccounts.get(bearer);
      if (sa && serviceAccountUid(sa.namespace, sa.name) === sa.uid) {
        return {
          name: `${SA_PREFIX}${sa.namespace}:${sa.name}`,
          groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"],
        };
      }
      throw unauthorized();
    }
    if (authorization !== null && authorization.trim() !== "") throw unauthorized();
    if (peer) {
      if (!peer.authorized || peer.commonName === "") throw unauthorized();
      return { name: peer.commonName, groups: [...peer.organizations, "system:authenticated"] };
    }
    return ANONYMOUS;
  }
}

/** `ns`/`name` of a service account user name, else undefined. */
export function serviceAccountOf(user: UserInfo): { namespace: string; name: string } | undefined {
  if (!user.name.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name] = user.name.slice(SA_PREFIX.length).split(":");
  return namespace && name ? { namespace, name } : undefined;
}

function unauthorized(): KubeStatusError {
  return new KubeStatusError(401, "Unauthorized", "Unauthorized");
}

/**
 * What the Jobs of our charts do when they run, for the ones whose result other pods need: the local
 * cloud runs no containers, so a Job that completes here also leaves behind what its real command would.
 *
 * - Argo CD's `redis-secret-init` pre-install hook runs `argocd admin redis-initial-password`: it creates
 *   the Secret `argocd-redis` with a random `auth` key when missing (argo-cd `cmd/argocd/commands/admin/
 *   redis_initial_password.go`). The Redis, server, repo-server and controller pods read it through a
 *   non-optional `secretKeyRef`, so without it they never start (container_config.ts).
 *
 * kube-prometheus-stack's `admission-create` Job writes a TLS Secret the operator mounts as a volume;
 * volumes are not modelled, so it needs nothing here.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

const REDIS_SECRET = "argocd-redis";

/** Applies the effect of completed Job `job` (if it is one of the known ones); returns what it wrote. */
export function applyJobEffects(store: FakeKubeStore, job: KubeObj, random: () => string = randomPassword): string[] {
  const namespace = (job.metadata as { namespace: string }).namespace;
  const containers = ((job.spec as { template?: { spec?: { containers?: KubeObj[] } } })?.template?.spec
    ?.containers ?? []) as Array<{ command?: string[]; args?: string[] }>;
  const commands = containers.map((c) => [...(c.command ?? []), ...(c.args ?? [])].join(" "));
  if (!commands.some((c) => c.includes("argocd admin redis-initial-password"))) return [];
  if (store.getObject("v1", "Secret", REDIS_SECRET, namespace)) return [];
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: REDIS_SECRET, namespace },
    type: "Opaque",
    stringData: { auth: random() },
  });
  return [`Secret ${namespace}/${REDIS_SECRET}`];
}

function randomPassword(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

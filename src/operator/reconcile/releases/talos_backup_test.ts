import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import { NAME, startAddonsWorld } from "../../../../tests/operator/addons_fixture.ts";
import { seededRandom } from "../../../../tests/seeded_random.ts";
import {
  readTalosApiAccess,
  reconcileTalosServiceAccounts,
  TALOS_SA_ENDPOINT,
} from "../../../../tests/local_cloud/talos_service_accounts.ts";
import { renderTalosBackupCronJob, renderTalosServiceAccount } from "../../../addons/talos_backup.ts";
import { expandSpec } from "../../../config/mod.ts";
import { renderFirstControlPlaneConfig } from "../../../cluster/nodes/node_config.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { generateSecretsBundle } from "../../../talos/secrets_bundle.ts";
import { parseCertificate } from "../../../talos/pki.ts";
import { parseTalosconfig } from "../../../talos/talosconfig.ts";
import { reconcileTalosBackup, withTalosBackup } from "./talos_backup.ts";

const BACKUP = expandSpec({
  name: NAME,
  region: "fsn1",
  mode: "dev",
  workers: { count: 1, size: "cx23" },
  backup: true,
});
const ENDPOINT = "https://fsn1.your-objectstorage.com";

const b64 = (s: string) => btoa(s);
const text = (secret: KubeObject | undefined, key: string) =>
  atob(((secret?.data ?? {}) as Record<string, string>)[key] ?? "");

function handoverSecret(accessKey = "AKIDTEST", secretKey = "Sk-original-9f2"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${NAME}-backup-s3`, namespace: "k8zner-system" },
    type: "Opaque",
    data: {
      "access-key": b64(accessKey),
      "secret-key": b64(secretKey),
      endpoint: b64(ENDPOINT),
      bucket: b64(`${NAME}-etcd-backups`),
      region: b64("fsn1"),
    },
  };
}

/** The control plane's machine config as k8zner renders it: its kubernetesTalosAPIAccess drives Talos's controller. */
async function talosAccess() {
  const bundle = await generateSecretsBundle({ now: new Date(Date.now() - 60_000), random: seededRandom(3) });
  const config = renderFirstControlPlaneConfig(bundle, BACKUP, { lbPublicIpv4: "203.0.113.5", serverId: 1 });
  const access = readTalosApiAccess(config);
  assertOk(access, "the control-plane machine config enables kubernetesTalosAPIAccess");
  return access;
}

Deno.test("renderTalosBackupCronJob() runs hourly, compressed, never two at once, restricted, with the Talos secret mounted", () => {
  // deno-lint-ignore no-explicit-any -- walking a rendered manifest's nested fields
  const cron = renderTalosBackupCronJob(BACKUP, ENDPOINT) as KubeObject & { spec: Record<string, any> };
  assertEquals(cron.spec.schedule, "0 * * * *");
  assertEquals(cron.spec.concurrencyPolicy, "Forbid");
  const pod = cron.spec.jobTemplate.spec.template.spec;
  const container = pod.containers[0];
  assertEquals(container.image, BACKUP.addons.talosBackup.image);
  assertEquals(container.workingDir, "/tmp");
  assertEquals(container.securityContext.readOnlyRootFilesystem, true);
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]),
  );
  assertEquals(env.ENABLE_COMPRESSION, "true");
  assertEquals(env.BUCKET, `${NAME}-etcd-backups`);
  assertEquals(env.S3_PREFIX, "etcd-backups");
  assertEquals(env.CUSTOM_S3_ENDPOINT, ENDPOINT);
  assertEquals(env.AWS_REGION, "fsn1");
  assertEquals(env.CLUSTER_NAME, NAME);
  assertEquals(env.AWS_SECRET_ACCESS_KEY, { secretKeyRef: { key: "secret_key", name: "talos-backup-s3-secrets" } });
  assertEquals(container.volumeMounts[0], {
    mountPath: "/var/run/secrets/talos.dev",
    name: "talos-secrets",
    readOnly: true,
  });
  assertEquals(pod.volumes[0].secret.secretName, "talos-backup-secrets");
  assertEquals(container.securityContext.capabilities.drop, ["ALL"]);
  assertEquals(container.securityContext.allowPrivilegeEscalation, false);
  assertEquals(pod.securityContext.runAsNonRoot, true);
  assertOk(pod.tolerations.some((t: { key: string }) => t.key === "node-role.kubernetes.io/control-plane"));
  assertEquals(renderTalosServiceAccount().spec, { roles: ["os:etcd:backup"] });
});

Deno.test("reconcileTalosBackup() is absent without backup: true", async () => {
  await using world = await startAddonsWorld();
  assertEquals(await reconcileTalosBackup(await world.context(), 9), undefined);
  assertEquals((await withTalosBackup(await world.context(), [])).length, 0);
});

Deno.test("reconcileTalosBackup() waits for the hand-over Secret, then Talos's CRD, then installs; a converged pass writes nothing", async () => {
  await using world = await startAddonsWorld();
  const context = async () => ({ ...(await world.context()), desired: BACKUP });

  const noSecret = await reconcileTalosBackup(await context(), 9);
  assertEquals([noSecret?.ready, noSecret?.entry.phase], [false, "Pending"]);
  assertIncludes(noSecret!.entry.message, `k8zner-system/${NAME}-backup-s3`);

  world.api.store.put(handoverSecret());
  const noCrd = await reconcileTalosBackup(await context(), 9);
  assertEquals([noCrd?.ready, noCrd?.entry.phase], [false, "Pending"]);
  assertIncludes(noCrd!.entry.message, "serviceaccounts.talos.dev");
  const s3 = await world.kube.get("v1", "Secret", "talos-backup-s3-secrets", "kube-system");
  assertEquals([text(s3, "access_key"), text(s3, "secret_key")], ["AKIDTEST", "Sk-original-9f2"]);

  // Talos (stand-in) registers its CRD, as it does when the machine config enables the feature.
  const access = await talosAccess();
  await reconcileTalosServiceAccounts(world.api.store, access, new Date());
  const applied = await reconcileTalosBackup(await context(), 9);
  assertEquals([applied?.ready, applied?.entry.phase], [false, "Pending"]);
  assertIncludes(applied!.entry.message, "waits for Talos to write Secret kube-system/talos-backup-secrets");
  assertOk(await world.kube.get("batch/v1", "CronJob", "talos-backup", "kube-system"), "CronJob applied");
  const sa = await world.kube.get("talos.dev/v1alpha1", "ServiceAccount", "talos-backup-secrets", "kube-system");
  assertEquals(sa?.spec, { roles: ["os:etcd:backup"] });

  // Talos answers the ServiceAccount with a Secret of its name holding a talosconfig with exactly that role.
  assertEquals(await reconcileTalosServiceAccounts(world.api.store, access, new Date()), [
    "created kube-system/talos-backup-secrets",
  ]);
  const done = await reconcileTalosBackup(await context(), 9);
  assertEquals([done?.ready, done?.entry.phase, done?.entry.installOrder], [true, "Installed", 9]);
  const talosSecret = await world.kube.get("v1", "Secret", "talos-backup-secrets", "kube-system");
  const talosconfig = parseTalosconfig(text(talosSecret, "config"));
  assertEquals(talosconfig.endpoints, [TALOS_SA_ENDPOINT]);
  assertEquals(parseCertificate(talosconfig.certPem).organizations, ["os:etcd:backup"]);

  const writes = () => world.api.requests.filter((r) => r.method !== "GET").length;
  const before = writes();
  for (let i = 0; i < 3; i++) assertEquals((await reconcileTalosBackup(await context(), 9))?.ready, true);
  assertEquals(writes(), before, "a converged pass only reads");

  // Rotated keys reach kube-system on the next pass; nothing secret lands in logs or events.
  world.api.store.put(handoverSecret("AKIDNEW", "Sk-rotated-41c"));
  await reconcileTalosBackup(await context(), 9);
  const rotated = await world.kube.get("v1", "Secret", "talos-backup-s3-secrets", "kube-system");
  assertEquals(text(rotated, "secret_key"), "Sk-rotated-41c");
  for (const line of world.logs) assertOk(!line.includes("Sk-original-9f2") && !line.includes("Sk-rotated-41c"));

  // Backups turned off: the CronJob, the Talos ServiceAccount and the key copy go; later passes only remember.
  const off = await world.context();
  assertEquals(await reconcileTalosBackup(off, 9), undefined);
  assertEquals(await world.kube.get("batch/v1", "CronJob", "talos-backup", "kube-system"), undefined);
  assertEquals(await world.kube.get("v1", "Secret", "talos-backup-s3-secrets", "kube-system"), undefined);
  assertEquals(
    await world.kube.get("talos.dev/v1alpha1", "ServiceAccount", "talos-backup-secrets", "kube-system"),
    undefined,
  );
  assertOk((await world.events()).some((e) => e.reason === "TalosBackupRemoved"));
  const again = await world.context();
  const requests = world.api.requests.length;
  await reconcileTalosBackup(again, 9);
  assertEquals(world.api.requests.length, requests, "a cluster without backups costs nothing once checked");
  assertOk((await world.events()).every((e) => !e.message.includes("Sk-")));
});

Deno.test("reconcileTalosBackup() reports Failed with Talos's reason when Talos refuses the ServiceAccount", async () => {
  await using world = await startAddonsWorld();
  world.api.store.put(handoverSecret());
  const access = await talosAccess();
  // A machine config that allows only os:reader: Talos refuses os:etcd:backup.
  const narrow = { ...access, allowedRoles: ["os:reader"] };
  await reconcileTalosServiceAccounts(world.api.store, narrow, new Date());
  const context = async () => ({ ...(await world.context()), desired: BACKUP });
  await reconcileTalosBackup(await context(), 9);
  await reconcileTalosServiceAccounts(world.api.store, narrow, new Date());
  const outcome = await reconcileTalosBackup(await context(), 9);
  assertEquals([outcome?.ready, outcome?.entry.phase], [false, "Failed"]);
  assertEquals(outcome?.entry.lastError, "Roles not allowed: [os:etcd:backup]");
});

Deno.test("Talos's controller stand-in refuses a role the machine config does not allow, and another namespace", async () => {
  await using world = await startAddonsWorld();
  const access = await talosAccess();
  await reconcileTalosServiceAccounts(world.api.store, access, new Date());
  world.api.store.put({
    apiVersion: "talos.dev/v1alpha1",
    kind: "ServiceAccount",
    metadata: { name: "too-much", namespace: "kube-system" },
    spec: { roles: ["os:admin"] },
  });
  world.api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } });
  world.api.store.put({
    apiVersion: "talos.dev/v1alpha1",
    kind: "ServiceAccount",
    metadata: { name: "elsewhere", namespace: "apps" },
    spec: { roles: ["os:etcd:backup"] },
  });
  const result = await reconcileTalosServiceAccounts(world.api.store, access, new Date());
  assertEquals(result.sort(), [
    "refused apps/elsewhere: Namespace is not allowed: apps",
    "refused kube-system/too-much: Roles not allowed: [os:admin]",
  ]);
  assertEquals(await world.kube.get("v1", "Secret", "too-much", "kube-system"), undefined);
  const sa = await world.kube.get("talos.dev/v1alpha1", "ServiceAccount", "too-much", "kube-system");
  assertEquals((sa?.status as { failureReason?: string })?.failureReason, "Roles not allowed: [os:admin]");
});

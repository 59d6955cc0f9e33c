/**
 * `backup: true` through the real CLI against a local cloud and the SigV4-checking S3 endpoint: missing
 * credentials exit 2 naming the variable before any request; a wrong secret is refused by the endpoint
 * (403 SignatureDoesNotMatch) and apply stops before it creates anything at Hetzner, naming both
 * variables; with the right keys two applies create the bucket exactly once, set the retention rule once,
 * and hand the credentials over in Secret `<cluster>-backup-s3`.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { waitFor } from "../local_cloud/test_helpers.ts";
import { startS3Fake } from "../s3_fake/mod.ts";
import {
  cloudEnv,
  clusterStore,
  handoverObjects,
  k8zner,
  makeWorkdir,
  mutating,
  renderConfig,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

const ROTATED = { HETZNER_S3_ACCESS_KEY: "AKIDROTATED", HETZNER_S3_SECRET_KEY: "rotated-secret-key" };
const ROTATED_PAIR = { accessKeyId: ROTATED.HETZNER_S3_ACCESS_KEY, secretAccessKey: ROTATED.HETZNER_S3_SECRET_KEY };
const KEYS = { HETZNER_S3_ACCESS_KEY: "AKIDBACKUPTEST", HETZNER_S3_SECRET_KEY: "backup-secret-key" };

function decoded(secret: { data?: Record<string, string> } | undefined, key: string): string | undefined {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : atob(v);
}

Deno.test(
  withFakes(
    "apply with backup: creates the bucket once, refuses a bad signature first, hands the keys over",
    async (t) => {
      const cloud = await startLocalCloud({ speed: 200, operator: false });
      const s3 = await startS3Fake({
        region: "fsn1",
        // Two key pairs of one project: the second stands for rotated keys.
        credentials: [
          { accessKeyId: KEYS.HETZNER_S3_ACCESS_KEY, secretAccessKey: KEYS.HETZNER_S3_SECRET_KEY, account: "project" },
          { ...ROTATED_PAIR, account: "project" },
        ],
      });
      const dir = await makeWorkdir(renderConfig("bk1", "dev") + "backup: true\nbackup_retention_days: 7\n");
      const env = (extra: Record<string, string>) => cloudEnv(cloud, { K8ZNER_S3_ENDPOINT: s3.url, ...extra });
      try {
        await t.step("without the S3 keys apply exits 2 naming the variable, before any request", async () => {
          const r = await k8zner(
            cloud,
            dir,
            ["apply", "--yes"],
            env({ HETZNER_S3_ACCESS_KEY: KEYS.HETZNER_S3_ACCESS_KEY }),
          );
          assertEquals(r.code, 2, r.stderr);
          assertIncludes(r.stderr, "HETZNER_S3_SECRET_KEY");
          assertEquals(r.requests.length, 0);
          assertEquals(Object.values(s3.fake.calls).length + Object.values(s3.fake.refused).length, 0);
        });

        await t.step(
          "a wrong secret is refused with SignatureDoesNotMatch; nothing is created at Hetzner",
          async () => {
            const r = await k8zner(
              cloud,
              dir,
              ["apply", "--yes"],
              env({ ...KEYS, HETZNER_S3_SECRET_KEY: "wrong-secret" }),
            );
            assertEquals(r.code, 1, r.stderr);
            assertIncludes(r.stderr, "SignatureDoesNotMatch");
            assertIncludes(r.stderr, "HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY");
            assertOk(!r.stderr.includes("wrong-secret") && !r.stdout.includes("wrong-secret"));
            assertEquals(mutating(r.requests).length, 0);
            assertOk((s3.fake.refused.SignatureDoesNotMatch ?? 0) >= 1);
            assertEquals(s3.fake.buckets(), []);
          },
        );

        await t.step("two applies with the right keys create the bucket once and set the retention once", async () => {
          const first = await k8zner(cloud, dir, ["apply", "--yes"], env(KEYS));
          assertEquals(first.code, 0, `${first.stdout}\n${first.stderr}`);
          assertIncludes(first.stderr, "created bk1-etcd-backups");
          const second = await k8zner(cloud, dir, ["apply", "--yes"], env(KEYS));
          assertEquals(second.code, 0, `${second.stdout}\n${second.stderr}`);
          assertEquals(s3.fake.calls.CreateBucket, 1);
          assertEquals(s3.fake.calls.PutBucketLifecycle, 1);
          assertEquals(s3.fake.calls.DeleteBucket, undefined);
          assertEquals(s3.fake.buckets(), ["bk1-etcd-backups"]);
          assertIncludes(s3.fake.lifecycle("bk1-etcd-backups") ?? "", "<Days>7</Days>");
          const secret = clusterStore(cloud, "bk1")?.getObject(
            "v1",
            "Secret",
            "bk1-backup-s3",
            "k8zner-system",
          ) as
            | { data?: Record<string, string> }
            | undefined;
          assertEquals(decoded(secret, "access-key"), KEYS.HETZNER_S3_ACCESS_KEY);
          assertEquals(decoded(secret, "secret-key"), KEYS.HETZNER_S3_SECRET_KEY);
          assertEquals(decoded(secret, "bucket"), "bk1-etcd-backups");
          assertEquals(decoded(secret, "endpoint"), s3.url);
          const cluster = handoverObjects(cloud, "bk1").cluster as { spec?: { backup?: unknown } } | undefined;
          assertEquals(cluster?.spec?.backup, {
            enabled: true,
            retentionDays: 7,
            s3SecretRef: { name: "bk1-backup-s3" },
            schedule: "0 * * * *",
          });
        });

        await t.step(
          "rotated keys reach the Secret on an apply that changes nothing else; no second bucket",
          async () => {
            const r = await k8zner(cloud, dir, ["apply", "--yes"], env(ROTATED));
            assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
            assertIncludes(r.stderr, "with the current Object Storage keys");
            const secret = clusterStore(cloud, "bk1")?.getObject(
              "v1",
              "Secret",
              "bk1-backup-s3",
              "k8zner-system",
            ) as
              | { data?: Record<string, string> }
              | undefined;
            assertEquals(decoded(secret, "access-key"), ROTATED.HETZNER_S3_ACCESS_KEY);
            assertEquals(s3.fake.calls.CreateBucket, 1);
          },
        );

        await t.step(
          "a changed retention on a running cluster waits for confirmation before touching the bucket",
          async () => {
            const config = await Deno.readTextFile(`${dir}/k8zner.yaml`);
            await Deno.writeTextFile(
              `${dir}/k8zner.yaml`,
              config.replace("backup_retention_days: 7", "backup_retention_days: 8"),
            );
            const refused = await k8zner(cloud, dir, ["apply"], env(KEYS));
            assertEquals(refused.code, 2, refused.stderr);
            assertIncludes(refused.stderr, "without confirmation");
            assertEquals(s3.fake.calls.PutBucketLifecycle, 1, "the rule is unchanged before the user agrees");
            const agreed = await k8zner(cloud, dir, ["apply", "--yes"], env(KEYS));
            assertEquals(agreed.code, 0, agreed.stderr);
            assertEquals(s3.fake.calls.PutBucketLifecycle, 2);
            assertIncludes(s3.fake.lifecycle("bk1-etcd-backups") ?? "", "<Days>8</Days>");
            assertEquals(s3.fake.calls.CreateBucket, 1);
          },
        );

        await t.step(
          "Talos serves its ServiceAccount API on this cluster and answers one with a talosconfig",
          async () => {
            const store = clusterStore(cloud, "bk1")!;
            assertOk(
              store.getObject("apiextensions.k8s.io/v1", "CustomResourceDefinition", "serviceaccounts.talos.dev"),
            );
            store.put({
              apiVersion: "talos.dev/v1alpha1",
              kind: "ServiceAccount",
              metadata: { name: "talos-backup-secrets", namespace: "kube-system" },
              spec: { roles: ["os:etcd:backup"] },
            });
            const secret = await waitFor(
              "the Talos ServiceAccount's Secret",
              () => store.getObject("v1", "Secret", "talos-backup-secrets", "kube-system"),
              10_000,
            );
            assertIncludes(decoded(secret as { data?: Record<string, string> }, "config") ?? "", "talos.default");
          },
        );
      } finally {
        await s3.close();
        await cloud.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  ),
);

import { join } from "node:path";
import { assertEquals, assertMatch, assertRejects } from "../../../tests/assert.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { generateSecretsBundle, SecretsBundleError } from "../../talos/secrets_bundle.ts";
import { generateAdminKubeconfig } from "../../talos/kubeconfig.ts";
import { parseTalosconfig } from "../../talos/talosconfig.ts";
import { UserFacingError } from "../../lib/errors.ts";
import {
  clusterSecretsDir,
  ensureClusterSecrets,
  ensureKubeconfig,
  ensureTalosconfig,
  MissingSecretsError,
  readKubeconfigFacts,
  SECRETS_GITIGNORE,
  writeClientConfigs,
} from "./credentials.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const SERVER = "https://203.0.113.9:6443";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "k8zner-cred-" });
  try {
    await fn(clusterSecretsDir(root, "demo"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("ensureClusterSecrets() generates secrets.yaml once (0600 in a 0700 dir) and loads the same bundle on re-run", async () => {
  await withDir(async (dir) => {
    const first = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(1) });
    assertEquals(first.created, true);
    assertEquals(first.path, join(dir, "secrets.yaml"));
    assertEquals(await mode(first.path), 0o600);
    assertEquals(await mode(dir), 0o700);
    const text = await Deno.readTextFile(first.path);
    const later = new Date(NOW.getTime() + 86_400_000);
    const second = await ensureClusterSecrets({ dir, now: later, random: seededRandom(2) });
    assertEquals(second.created, false);
    assertEquals(second.bundle.certs.os.certPem, first.bundle.certs.os.certPem);
    assertEquals(second.bundle.trustdToken, first.bundle.trustdToken);
    assertEquals(await Deno.readTextFile(first.path), text);
  });
});

Deno.test("ensureClusterSecrets() refuses a damaged secrets.yaml, names the field and leaves the file alone", async () => {
  await withDir(async (dir) => {
    const { path } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(1) });
    const damaged = (await Deno.readTextFile(path)).replace(/token: \S+/, "token: nope");
    await Deno.writeTextFile(path, damaged, { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    await assertRejects(
      () => ensureClusterSecrets({ dir, now: NOW }),
      (err: unknown) => {
        assertEquals(err instanceof SecretsBundleError, true);
        assertMatch((err as Error).message, /secrets\.yaml.*secrets\.bootstraptoken.*never regenerated/s);
        return true;
      },
    );
    assertEquals(await Deno.readTextFile(path), damaged);
    // A credential file others could read is narrowed even when it cannot be used.
    assertEquals(await mode(path), 0o600);
  });
});

Deno.test("ensureTalosconfig() keeps the client certificate across runs and only rewrites changed endpoints", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(3) });
    const base = { dir, clusterName: "demo", bundle, now: NOW };
    const created = await ensureTalosconfig({ ...base, endpoints: ["203.0.113.5"] });
    assertEquals(created.outcome, "created");
    assertEquals(await mode(created.path), 0o600);
    const again = await ensureTalosconfig({ ...base, endpoints: ["203.0.113.5"], now: new Date(NOW.getTime() + 1000) });
    assertEquals(again.outcome, "unchanged");
    assertEquals(again.text, created.text);
    const moved = await ensureTalosconfig({ ...base, endpoints: ["203.0.113.5", "203.0.113.6"] });
    assertEquals(moved.outcome, "updated");
    const before = parseTalosconfig(created.text);
    const after = parseTalosconfig(await Deno.readTextFile(moved.path));
    assertEquals(after.endpoints, ["203.0.113.5", "203.0.113.6"]);
    assertEquals(after.certPem, before.certPem);
    // Close to expiry (a year later), a new certificate from the same CA.
    const renewed = await ensureTalosconfig({
      ...base,
      endpoints: ["203.0.113.5"],
      now: new Date("2027-02-28T12:00:00Z"),
    });
    assertEquals(renewed.outcome, "updated");
    assertEquals(parseTalosconfig(renewed.text).certPem === before.certPem, false);
  });
});

Deno.test("ensureTalosconfig() refuses to overwrite another cluster's talosconfig", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(4) });
    const other = await generateSecretsBundle({ now: NOW, random: seededRandom(5) });
    const foreign = await ensureTalosconfig({
      dir,
      clusterName: "demo",
      bundle: other,
      endpoints: ["1.2.3.4"],
      now: NOW,
    });
    await assertRejects(
      () => ensureTalosconfig({ dir, clusterName: "demo", bundle, endpoints: ["1.2.3.4"], now: NOW }),
      (err: unknown) => err instanceof UserFacingError && /another Talos OS CA.*Move it away/.test(err.message),
    );
    assertEquals(await Deno.readTextFile(foreign.path), foreign.text);
  });
});

Deno.test("ensureKubeconfig() fetches once, reuses a valid file, and rejects kubeconfigs of another cluster CA", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(6) });
    const mine = await generateAdminKubeconfig(bundle, {
      clusterName: "demo",
      endpoint: "https://203.0.113.9:6443",
      now: NOW,
    });
    let fetches = 0;
    const fetch = () => {
      fetches++;
      return Promise.resolve(mine);
    };
    const first = await ensureKubeconfig({ dir, bundle, now: NOW, server: SERVER, fetch });
    assertEquals([first.outcome, fetches], ["created", 1]);
    assertEquals(await mode(first.path), 0o600);
    const second = await ensureKubeconfig({ dir, bundle, now: NOW, server: SERVER, fetch });
    assertEquals([second.outcome, fetches], ["unchanged", 1]);
    assertEquals(readKubeconfigFacts(second.text)?.server, "https://203.0.113.9:6443");

    const other = await generateSecretsBundle({ now: NOW, random: seededRandom(7) });
    const theirs = await generateAdminKubeconfig(other, {
      clusterName: "x",
      endpoint: "https://198.51.100.1:6443",
      now: NOW,
    });
    await Deno.remove(first.path);
    await assertRejects(
      () => ensureKubeconfig({ dir, bundle, now: NOW, server: SERVER, fetch: () => Promise.resolve(theirs) }),
      (err: unknown) => err instanceof UserFacingError && /another cluster/.test(err.message),
    );
    assertEquals(await Deno.stat(first.path).then(() => true, () => false), false);
    await Deno.writeTextFile(first.path, theirs);
    await assertRejects(
      () => ensureKubeconfig({ dir, bundle, now: NOW, server: SERVER, fetch }),
      (err: unknown) => err instanceof UserFacingError && /not this cluster's Kubernetes CA/.test(err.message),
    );
    assertEquals(await Deno.readTextFile(first.path), theirs);
  });
});

Deno.test("writeClientConfigs() writes talosconfig and kubeconfig side by side", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(8) });
    const kubeconfig = await generateAdminKubeconfig(bundle, {
      clusterName: "demo",
      endpoint: "https://10.0.0.1:6443",
      now: NOW,
    });
    const result = await writeClientConfigs({
      dir,
      clusterName: "demo",
      bundle,
      endpoints: ["203.0.113.5"],
      now: NOW,
      server: SERVER,
      fetchKubeconfig: () => Promise.resolve(kubeconfig),
    });
    assertEquals([result.talosconfig.outcome, result.kubeconfig?.outcome], ["created", "created"]);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["kubeconfig", "secrets.yaml", "talosconfig"]);
  });
});

Deno.test("ensureClusterSecrets() refuses to generate a bundle for a cluster whose servers exist, writing nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "k8zner-cred-" });
  try {
    const dir = clusterSecretsDir(root, "demo");
    await assertRejects(
      () =>
        ensureClusterSecrets({
          dir,
          now: NOW,
          clusterName: "demo",
          existingServers: ["demo-cp-1", "demo-w-1"],
          gitignoreDir: join(root, "secrets"),
        }),
      (err: unknown) => {
        assertEquals(err instanceof MissingSecretsError, true);
        assertMatch(
          (err as Error).message,
          /"demo" at .*\/secrets\/demo\/secrets\.yaml: its servers exist \(demo-cp-1, demo-w-1\)/,
        );
        assertMatch((err as MissingSecretsError).hint!, /--secrets-dir/);
        return true;
      },
    );
    assertEquals([...Deno.readDirSync(root)], [], "no directory, no .gitignore, no bundle");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ensureClusterSecrets() loads an existing bundle although servers exist, and adds a .gitignore once", async () => {
  await withDir(async (dir) => {
    const gitignoreDir = join(dir, "..");
    const first = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(9), gitignoreDir });
    assertEquals(await Deno.readTextFile(join(gitignoreDir, ".gitignore")), SECRETS_GITIGNORE);
    await Deno.writeTextFile(join(gitignoreDir, ".gitignore"), "mine\n");
    const again = await ensureClusterSecrets({ dir, now: NOW, existingServers: ["demo-cp-1"], gitignoreDir });
    assertEquals(again.created, false);
    assertEquals(again.bundle.certs.os.certPem, first.bundle.certs.os.certPem);
    assertEquals(await Deno.readTextFile(join(gitignoreDir, ".gitignore")), "mine\n", "a user's .gitignore is kept");
  });
});

Deno.test("ensureKubeconfig() points a valid file at the live server and keeps its certificate", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(10) });
    const old = await generateAdminKubeconfig(bundle, {
      clusterName: "demo",
      endpoint: "https://198.51.100.1:6443",
      now: NOW,
    });
    await Deno.writeTextFile(join(dir, "kubeconfig"), old, { mode: 0o644 });
    let fetches = 0;
    const fetch = () => {
      fetches++;
      return Promise.resolve(old);
    };
    const moved = await ensureKubeconfig({ dir, bundle, now: NOW, server: "https://198.51.100.2:6443", fetch });
    assertEquals([moved.outcome, fetches], ["updated", 0]);
    const facts = readKubeconfigFacts(await Deno.readTextFile(moved.path))!;
    assertEquals(facts.server, "https://198.51.100.2:6443");
    assertEquals(facts.clientCertPem, readKubeconfigFacts(old)!.clientCertPem);
    assertEquals(await mode(moved.path), 0o600);
    await Deno.remove(moved.path);
    const fetched = await ensureKubeconfig({ dir, bundle, now: NOW, server: "https://198.51.100.3:6443", fetch });
    assertEquals([fetched.outcome, fetches], ["created", 1]);
    assertEquals(
      readKubeconfigFacts(fetched.text)!.server,
      "https://198.51.100.3:6443",
      "a fetched file is pointed too",
    );
  });
});

Deno.test("ensureTalosconfig() writes the nodes and rewrites the file when only they change", async () => {
  await withDir(async (dir) => {
    const { bundle } = await ensureClusterSecrets({ dir, now: NOW, random: seededRandom(12) });
    const base = { dir, clusterName: "demo", bundle, now: NOW, endpoints: ["203.0.113.5", "203.0.113.6"] };
    const created = await ensureTalosconfig({ ...base, nodes: ["10.0.0.2"] });
    assertEquals(parseTalosconfig(created.text).nodes, ["10.0.0.2"]);
    const moved = await ensureTalosconfig({ ...base, nodes: ["10.0.0.3"] });
    assertEquals(moved.outcome, "updated");
    assertEquals(parseTalosconfig(moved.text).nodes, ["10.0.0.3"]);
    assertEquals(parseTalosconfig(moved.text).certPem, parseTalosconfig(created.text).certPem);
  });
});

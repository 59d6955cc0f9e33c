/**
 * Self-containment of the CLI, proved the way our offline build machines can: bundle `main.ts`
 * into one file, then run it from an empty temporary directory with no config file, no npm, no
 * remote imports and a fresh DENO_DIR. Whatever a command needs at run time must be inside the
 * bundle (imported), not read from the repository; `deno compile` embeds the same module graph.
 *
 * The bundle runs with exactly the permissions the compiled binary gets (`RUNTIME_PERMISSIONS`),
 * so a command that needed more (a subprocess, system information) fails here. Every command of
 * the release must work from the bundle: the offline ones, and the whole cluster story (`init`,
 * `plan`, `apply`, `doctor`, `destroy`) against a local cloud on loopback addresses.
 */
import { parseAllDocuments } from "yaml";
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { bundleCli } from "../../scripts/bundle.ts";
import { RUNTIME_PERMISSIONS } from "../../scripts/compile.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks, listClusterResources } from "../e2e/cloud_inventory.ts";
import { withFakes } from "../fake_contracts.ts";

const checkout = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const STAMP = {
  version: "3.4.5-rc.1",
  commit: "0123456789abcdef0123456789abcdef01234567",
  date: "2026-02-03T04:05:06Z",
  operatorImageDigest: `sha256:${"5e".repeat(32)}`,
};

const K8ZNER_YAML = `name: bundle-check
region: fsn1
mode: dev
workers:
  count: 1
  size: cx23
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

Deno.test(withFakes("the bundled CLI runs every release command from an empty directory", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "k8zner-bundle-test-" });
  const cloud = await startLocalCloud({ speed: 200 });
  try {
    const bundlePath = `${root}/k8zner.js`;
    const result = await bundleCli(bundlePath, STAMP);
    console.log(`bundle: ${(result.bytes / 1024).toFixed(0)} KiB in ${result.milliseconds} ms`);
    const bundleText = await Deno.readTextFile(bundlePath);
    assertEquals(bundleText.includes(checkout), false, "the bundle refers to a path inside the checkout");

    const workdir = `${root}/empty`;
    await Deno.mkdir(workdir);
    await Deno.mkdir(`${root}/deno_dir`);
    const run = async (cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> => {
      const out = await new Deno.Command(Deno.execPath(), {
        // The binary's permissions, but reading the checkout is denied: nothing may come from it.
        args: [
          "run",
          ...RUNTIME_PERMISSIONS,
          `--deny-read=${checkout}`,
          "--no-config",
          "--no-npm",
          "--no-remote",
          bundlePath,
          ...args,
        ],
        cwd,
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: cwd,
          DENO_DIR: `${root}/deno_dir`,
          NO_COLOR: "1",
          ...env,
        },
        stdout: "piped",
        stderr: "piped",
        // apply --wait follows the operator through seven Helm releases (dev: no domain, no monitoring),
        // 40-60 s alone and more beside other test files; a hung command still ends here.
        signal: AbortSignal.timeout(240_000),
      }).output();
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
    };
    const k8zner = (...args: string[]) => run(workdir, args);
    const explain = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

    await t.step("version prints the stamped version, commit, date and the operator image by digest", async () => {
      const r = await k8zner("version");
      assertEquals(r.code, 0, explain(r));
      assertIncludes(r.stdout, `k8zner ${STAMP.version}`);
      assertIncludes(r.stdout, STAMP.commit);
      assertIncludes(r.stdout, STAMP.date);
      assertIncludes(r.stdout, `ghcr.io/k8zner/k8zner-operator:${STAMP.version}@${STAMP.operatorImageDigest}`);
      const short = await k8zner("--version");
      assertEquals([short.code, short.stdout.trim()], [0, STAMP.version], explain(short));
    });

    await t.step("--help lists the release commands", async () => {
      const r = await k8zner("--help");
      assertEquals(r.code, 0, explain(r));
      for (const command of ["version", "config", "generate", "completion"]) {
        assertOk(
          new RegExp(`^\\s+${command}\\b`, "m").test(r.stdout),
          `--help does not list "${command}":\n${r.stdout}`,
        );
      }
    });

    await t.step("the entry's fast --help and --version are the full CLI's answers, byte for byte", async () => {
      // The entry answers a lone --help/--version from text captured at build time; with any other
      // argument (-v changes neither answer) the full CLI bundle answers, so the two must agree.
      for (const flag of ["--help", "--version"]) {
        const fast = await k8zner(flag);
        const full = await k8zner("-v", flag);
        assertEquals([fast.code, fast.stdout, fast.stderr], [0, full.stdout, ""], explain(full));
      }
      const entry = await Deno.readTextFile(bundlePath);
      assertOk(entry.length < 16_384, `the entry should be small, it is ${entry.length} characters`);
      assertEquals(
        (await Deno.readTextFile(result.cli)).includes(checkout),
        false,
        "the CLI bundle names the checkout",
      );
    });

    await t.step("config schema prints a JSON Schema of k8zner.yaml", async () => {
      const r = await k8zner("config", "schema");
      assertEquals(r.code, 0, explain(r));
      const schema = JSON.parse(r.stdout);
      assertIncludes(String(schema.$schema), "2020-12");
      for (const field of ["name", "region", "mode", "workers"]) {
        assertOk(field in (schema.properties ?? {}), `schema has no property "${field}"`);
      }
    });

    await t.step("generate talos writes the machine configs and talosconfig", async () => {
      await Deno.writeTextFile(`${workdir}/k8zner.yaml`, K8ZNER_YAML);
      const r = await k8zner("generate", "talos", "-c", "k8zner.yaml", "-o", "out");
      assertEquals(r.code, 0, explain(r));
      for (const file of ["controlplane.yaml", "worker.yaml", "talosconfig"]) {
        const info = await Deno.stat(`${workdir}/out/${file}`);
        assertEquals(info.mode! & 0o777, 0o600, `${file} mode`);
      }
      const docs = parseAllDocuments(await Deno.readTextFile(`${workdir}/out/controlplane.yaml`));
      const types = [docs].flat().map((d) => (d.toJS() as { machine?: { type?: string } } | null)?.machine?.type);
      assertOk(types.includes("controlplane"), `controlplane.yaml has no machine.type controlplane: ${types}`);
    });

    const clusterDir = `${root}/cluster`;
    await Deno.mkdir(clusterDir);
    const cloudEnv = {
      HCLOUD_ENDPOINT: cloud.hcloudUrl,
      HCLOUD_TOKEN: "bundle-token",
      K8ZNER_IP_URL: cloud.ipEchoUrl,
      K8ZNER_POLL_INTERVAL_MS: "100",
      CI: "1",
    };
    const inCluster = (...args: string[]) => run(clusterDir, args, cloudEnv);

    await t.step("init writes k8zner.yaml into an empty directory", async () => {
      const r = await inCluster(
        "init",
        "--yes",
        ...["--name", "bundle1", "--region", "fsn1", "--mode", "dev", "--workers", "1", "--worker-size", "cx33"],
      );
      assertEquals(r.code, 0, explain(r));
      assertIncludes(await Deno.readTextFile(`${clusterDir}/k8zner.yaml`), "name: bundle1");
    });

    await t.step("plan --exit-code answers 10: everything is still to be created", async () => {
      const r = await inCluster("plan", "--exit-code");
      assertEquals(r.code, 10, explain(r));
      assertIncludes(r.stdout, "bundle1-cp-1");
    });

    await t.step("apply --wait bootstraps the cluster and follows the operator until it is Ready", async () => {
      // The local cloud runs the operator Deployment from the checkout (it installs the addons with the real
      // Helm); the bundled CLI follows its status.
      const r = await inCluster("apply", "--yes", "--wait");
      assertEquals(r.code, 0, explain(r));
      assertIncludes(r.stdout, `Cluster "bundle1" is bootstrapped`);
      assertIncludes(`${r.stdout}${r.stderr}`, "Running and Ready");
      assertOk(listClusterResources(cloud.sim.state, "bundle1").length > 0, "apply created nothing");
      const lb = [...cloud.sim.state.loadBalancers.values()].find((l) => l.name === "bundle1-kube");
      const deployment = lb && cloud.kubeApis.get(lb.id)?.store.getObject(
        "apps/v1",
        "Deployment",
        "k8zner-operator",
        "k8zner-system",
      ) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
      assertEquals(
        deployment?.spec?.template?.spec?.containers?.[0]?.image,
        `ghcr.io/k8zner/k8zner-operator:${STAMP.version}@${STAMP.operatorImageDigest}`,
        "the operator is installed by the stamped digest",
      );
    });

    await t.step("doctor passes on the cluster the operator reports", async () => {
      const r = await inCluster("doctor");
      assertEquals(r.code, 0, explain(r));
    });

    await t.step("destroy removes everything the cluster owned", async () => {
      const r = await inCluster("destroy", "--yes");
      assertEquals(r.code, 0, explain(r));
      assertIncludes(r.stderr, "Operator: deleted Deployment k8zner-system/k8zner-operator");
      assertEquals(listClusterResources(cloud.sim.state, "bundle1"), []);
      assertEquals(findLeaks(cloud.sim.state), []);
    });
  } finally {
    await cloud.close();
    await Deno.remove(root, { recursive: true });
  }
}));

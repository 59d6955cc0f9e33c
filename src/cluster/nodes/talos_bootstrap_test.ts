import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { createFakeTalosNetwork, type FakeTalosNode, startFakeTalosNode } from "../../../tests/talos_fake/mod.ts";
import { GrpcCode, isTalosError } from "../../talos/api_client.ts";
import { type ClusterConfigInput, renderNodeConfigYaml } from "../../talos/machine_config.ts";
import { generateSecretsBundle } from "../../talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../../talos/talosconfig.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { createTalosDeps, type TalosDeps, TalosWaitTimeout } from "./talos_deps.ts";
import { configureNode, waitForConfigured } from "./talos_configure.ts";
import { bootstrapFirstControlPlane, ensureEtcdBootstrapped, fetchKubeconfig } from "./talos_bootstrap.ts";
import { withFakes } from "../../../tests/fake_contracts.ts";
import { encodeEtcdDb, sealSnapshot } from "../../../tests/talos_fake/etcd_snapshot.ts";

const NOW = new Date(Date.now() - 60_000);
const secrets = await generateSecretsBundle({ now: NOW, random: seededRandom(21) });
const credentials = parseTalosconfig(
  await generateTalosconfig(secrets, { clusterName: "demo", endpoints: ["127.0.0.1"], now: NOW }),
);
const INPUT: ClusterConfigInput = {
  clusterName: "demo",
  endpoint: "https://127.0.0.1:6443",
  talosVersion: "v1.13.9",
  kubernetesVersion: "1.36.3",
  network: { nodeCidr: "10.0.0.0/17", podCidr: "10.0.128.0/17", serviceCidr: "10.96.0.0/12" },
  certSans: [],
};
const CP_CONFIG = renderNodeConfigYaml(secrets, INPUT, {
  hostname: "demo-cp-1",
  serverId: 101,
  privateIp: "10.0.0.2",
  role: "controlplane",
});
const KUBECONFIG =
  "apiVersion: v1\nkind: Config\nclusters:\n- name: demo\n  cluster:\n    server: https://127.0.0.1:6443\n" +
  "contexts:\n- name: admin@demo\n  context:\n    cluster: demo\n    user: admin@demo\ncurrent-context: admin@demo\n" +
  "users:\n- name: admin@demo\n  user:\n    token: fake\n";

/** Real clients and timers, with polling shrunk to milliseconds. */
const deps: TalosDeps = createTalosDeps(credentials);
const FAST = { intervalMs: 10, timeoutMs: 10_000 };

async function withNode(address: string, fn: (node: FakeTalosNode) => Promise<void>): Promise<void> {
  const node = await startFakeTalosNode({
    hostname: address,
    port: 0,
    rebootDelayMs: 30,
    network: createFakeTalosNetwork(),
    kubeconfig: () => KUBECONFIG,
  });
  try {
    await fn(node);
  } finally {
    await node.close();
  }
}

const count = (node: FakeTalosNode, method: string) =>
  node.state.calls.filter((c) => c.method === method && c.code === 0).length;

Deno.test(withFakes(
  "bootstrapFirstControlPlane() configures a maintenance node over the API, bootstraps etcd and fetches the kubeconfig",
  async () => {
    await withNode("127.0.46.1", async (node) => {
      const progress = recordingProgress();
      const tasks = {
        configure: progress.task("First control plane"),
        etcd: progress.task("Bootstrap"),
        kubeconfig: progress.task("Kubeconfig"),
      };
      const result = await bootstrapFirstControlPlane({
        endpoint: node.endpoint,
        configYaml: CP_CONFIG,
        deps,
        tasks,
        intervalMs: 10,
      });
      assertEquals(
        { configure: result.configure, etcd: result.etcd, version: result.talosVersion },
        { configure: "applied", etcd: "bootstrapped", version: "v1.13.9" },
      );
      assertEquals(result.kubeconfig, KUBECONFIG);
      assertEquals(node.state.applyHistory, [{ mode: "REBOOT", dryRun: false, inMaintenance: true }]);
      assertEquals(node.state.appliedConfig, CP_CONFIG);
      assertEquals(node.state.config?.hostname, "demo-cp-1");
      assertEquals(node.state.bootstrapped, true);
      assertEquals(count(node, "Bootstrap"), 1);
      assertEquals(progress.events.filter((e) => /^(done|skip|fail)/.test(e)).map((e) => e.split(":")[0]), [
        "done First control plane",
        "done Bootstrap",
        "done Kubeconfig",
      ]);
      // The node's reboot shows as waiting with a plain reason, never as a raw gRPC failure.
      assertEquals(progress.events.filter((e) => /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED/.test(e)), []);
      // The machine config and its secrets never reach the progress output.
      const shown = progress.events.join("\n");
      for (const secret of [secrets.trustdToken, secrets.secrets.bootstrapToken, secrets.cluster.secret, "ca:"]) {
        assertEquals(shown.includes(secret), false, `progress shows ${secret}`);
      }
    });
  },
));

Deno.test(withFakes(
  "a second run detects the configured, bootstrapped node and makes no ApplyConfiguration or Bootstrap call",
  async () => {
    await withNode("127.0.46.2", async (node) => {
      await bootstrapFirstControlPlane({ endpoint: node.endpoint, configYaml: CP_CONFIG, deps, intervalMs: 10 });
      const callsBefore = node.state.calls.length;
      const progress = recordingProgress();
      const again = await bootstrapFirstControlPlane({
        endpoint: node.endpoint,
        configYaml: CP_CONFIG,
        deps,
        intervalMs: 10,
        tasks: { configure: progress.task("First control plane"), etcd: progress.task("Bootstrap") },
      });
      assertEquals([again.configure, again.etcd], ["already-configured", "already-bootstrapped"]);
      const second = node.state.calls.slice(callsBefore).map((c) => c.method);
      assertEquals(second.filter((m) => m === "Bootstrap" || m === "ApplyConfiguration"), []);
      assertEquals(node.state.applyHistory.length, 1);
      assertEquals(count(node, "Bootstrap"), 1);
      assertEquals(progress.events.filter((e) => e.startsWith("skip")).length, 2);
    });
  },
));

Deno.test(withFakes("an apply killed after configuring and before bootstrap is completed by the next run", async () => {
  await withNode("127.0.46.3", async (node) => {
    // First run: the config is applied, then the process "dies" (no wait, no bootstrap).
    assertEquals(await configureNode({ endpoint: node.endpoint, configYaml: CP_CONFIG, deps, ...FAST }), "applied");
    assertEquals(node.state.bootstrapped, false);
    const result = await bootstrapFirstControlPlane({
      endpoint: node.endpoint,
      configYaml: CP_CONFIG,
      deps,
      intervalMs: 10,
    });
    // The node is still rebooting into its config: the re-run waits for it and does not apply again.
    assertEquals(result.configure, "already-configured");
    assertEquals(result.etcd, "bootstrapped");
    assertEquals(node.state.applyHistory.length, 1);
    assertEquals(count(node, "Bootstrap"), 1);
  });
}));

Deno.test(
  withFakes("ensureEtcdBootstrapped() retries FAILED_PRECONDITION until the node accepts the bootstrap", async () => {
    await withNode("127.0.46.4", async (node) => {
      await configureNode({ endpoint: node.endpoint, configYaml: CP_CONFIG, deps, ...FAST });
      await waitForConfigured({ endpoint: node.endpoint, deps, ...FAST });
      const client = deps.talosClient(node.endpoint);
      try {
        node.faults.failNext("Bootstrap", GrpcCode.FAILED_PRECONDITION, "bootstrap is not available yet");
        const progress = recordingProgress();
        const outcome = await ensureEtcdBootstrapped(client, { deps, ...FAST, task: progress.task("Bootstrap") });
        assertEquals(outcome, "bootstrapped");
        assertEquals(node.state.bootstrapped, true);
        assertEquals(node.state.calls.filter((c) => c.method === "Bootstrap").map((c) => c.code), [
          GrpcCode.FAILED_PRECONDITION,
          GrpcCode.OK,
        ]);
        assertEquals(
          progress.events.some((e) => e.includes("FAILED_PRECONDITION: bootstrap is not available yet")),
          true,
        );
        // Asked again, it only looks.
        const before = node.state.calls.length;
        assertEquals(await ensureEtcdBootstrapped(client, { deps, ...FAST }), "already-bootstrapped");
        assertEquals(node.state.calls.slice(before).map((c) => c.method).includes("Bootstrap"), false);
      } finally {
        await client.close();
      }
    });
  }),
);

Deno.test(
  withFakes("ensureEtcdBootstrapped() re-checks after a lost Bootstrap reply instead of calling it again", async () => {
    await withNode("127.0.46.10", async (node) => {
      await configureNode({ endpoint: node.endpoint, configYaml: CP_CONFIG, deps, ...FAST });
      await waitForConfigured({ endpoint: node.endpoint, deps, ...FAST });
      const client = deps.talosClient(node.endpoint);
      try {
        // The node handles Bootstrap after the client's deadline: the client sees DEADLINE_EXCEEDED.
        node.faults.delayNext("Bootstrap", 150);
        const outcome = await ensureEtcdBootstrapped(client, {
          deps,
          timeoutMs: 10_000,
          intervalMs: 400,
          callTimeoutMs: 50,
        });
        assertEquals(outcome, "bootstrapped");
        assertEquals(node.state.calls.filter((c) => c.method === "Bootstrap").length, 1);
        assertEquals(node.state.bootstrapped, true);
      } finally {
        await client.close();
      }
    });
  }),
);

Deno.test(withFakes("ensureEtcdBootstrapped() counts ALREADY_EXISTS as done", async () => {
  await withNode("127.0.46.5", async (node) => {
    await configureNode({ endpoint: node.endpoint, configYaml: CP_CONFIG, deps, ...FAST });
    await waitForConfigured({ endpoint: node.endpoint, deps, ...FAST });
    const client = deps.talosClient(node.endpoint);
    try {
      node.faults.failNext("Bootstrap", GrpcCode.ALREADY_EXISTS, "etcd data directory is not empty");
      assertEquals(await ensureEtcdBootstrapped(client, { deps, ...FAST }), "already-bootstrapped");
      assertEquals(node.state.bootstrapped, false);
    } finally {
      await client.close();
    }
  });
}));

Deno.test(withFakes("configureNode() surfaces a rejected config without echoing it", async () => {
  await withNode("127.0.46.6", async (node) => {
    const bad = CP_CONFIG.replace("type: controlplane", "type: toaster");
    await assertRejects(
      () => configureNode({ endpoint: node.endpoint, configYaml: bad, deps, ...FAST }),
      (err: unknown) => {
        assertEquals(isTalosError(err, "INVALID_ARGUMENT"), true, String(err));
        const text = String((err as Error).message);
        assertEquals(text.includes(secrets.trustdToken) || text.includes("BEGIN"), false);
        return true;
      },
    );
    assertEquals(node.state.mode, "maintenance");
  });
}));

Deno.test(
  withFakes("waitForConfigured() gives up at its deadline on the injected clock, naming the endpoint", async () => {
    await withNode("127.0.46.7", async (node) => {
      let clock = 0;
      const sleeps: number[] = [];
      const fakeTime: TalosDeps = {
        ...deps,
        now: () => clock,
        sleep: (ms) => {
          sleeps.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      };
      await assertRejects(
        () => waitForConfigured({ endpoint: node.endpoint, deps: fakeTime, timeoutMs: 30_000, intervalMs: 5_000 }),
        (err: unknown) =>
          err instanceof TalosWaitTimeout &&
          err.message.startsWith(`Cannot reach the configured Talos node at ${node.endpoint} within 30 s: UNAVAILABLE`),
      );
      // A maintenance node never answers the cluster's credentials: 6 waits of 5 s fill the 30 s.
      assertEquals(sleeps, [5000, 5000, 5000, 5000, 5000, 5000]);
    });
  }),
);

Deno.test(withFakes("fetchKubeconfig() retries until the node serves it and refuses at once on a worker", async () => {
  const network = createFakeTalosNetwork();
  const cp = await startFakeTalosNode({
    hostname: "127.0.46.8",
    port: 0,
    rebootDelayMs: 10,
    network,
    kubeconfig: () => KUBECONFIG,
  });
  const worker = await startFakeTalosNode({ hostname: "127.0.46.9", port: 0, rebootDelayMs: 10, network });
  const cpClient = deps.talosClient(cp.endpoint);
  const workerClient = deps.talosClient(worker.endpoint);
  try {
    await configureNode({ endpoint: cp.endpoint, configYaml: CP_CONFIG, deps, ...FAST });
    await waitForConfigured({ endpoint: cp.endpoint, deps, ...FAST });
    const workerConfig = renderNodeConfigYaml(secrets, INPUT, {
      hostname: "demo-w-1",
      serverId: 201,
      privateIp: "10.0.1.2",
      role: "worker",
    });
    await configureNode({ endpoint: worker.endpoint, configYaml: workerConfig, deps, ...FAST });
    await waitForConfigured({ endpoint: worker.endpoint, deps, ...FAST });

    cp.faults.failNext("Kubeconfig", GrpcCode.UNAVAILABLE, "kubeconfig is not ready yet");
    cp.faults.failNext("Kubeconfig", GrpcCode.NOT_FOUND, "resource not found");
    assertEquals(await fetchKubeconfig(cpClient, { deps, ...FAST }), KUBECONFIG);
    assertEquals(cp.state.calls.filter((c) => c.method === "Kubeconfig").length, 3);

    await assertRejects(
      () => fetchKubeconfig(workerClient, { deps, ...FAST }),
      (err: unknown) => isTalosError(err, "UNIMPLEMENTED"),
    );
    assertEquals(worker.state.calls.filter((c) => c.method === "Kubeconfig").length, 1);
  } finally {
    await cpClient.close();
    await workerClient.close();
    await cp.close();
    await worker.close();
  }
}));

Deno.test(withFakes(
  "bootstrapFirstControlPlane() with a snapshot uploads it and starts etcd from it; a re-run recovers nothing twice",
  async () => {
    // Another cluster's etcd, sealed as EtcdSnapshot streams it (database + SHA-256).
    const snapshot = sealSnapshot(encodeEtcdDb(new TextEncoder().encode("configmaps/default/keep: v1")));
    await withNode("127.0.46.8", async (node) => {
      const progress = recordingProgress();
      const input = {
        endpoint: node.endpoint,
        configYaml: CP_CONFIG,
        deps,
        intervalMs: 10,
        recover: { snapshot },
        skipKubeconfig: true,
        tasks: { etcd: progress.task("etcd bootstrap") },
      };
      const result = await bootstrapFirstControlPlane(input);
      assertEquals(result.etcd, "bootstrapped");
      assertEquals([count(node, "EtcdRecover"), count(node, "Bootstrap")], [1, 1]);
      assertEquals(node.etcdSnapshotBytes(), snapshot, "etcd holds exactly what the snapshot held");
      assertEquals(progress.events.at(-1), `done etcd bootstrap: etcd recovered from the snapshot on ${node.endpoint}`);
      const again = await bootstrapFirstControlPlane(input);
      assertEquals(again.etcd, "already-bootstrapped");
      assertEquals(
        [count(node, "EtcdRecover"), count(node, "Bootstrap")],
        [1, 1],
        "nothing uploaded or bootstrapped twice",
      );
    });
  },
));

Deno.test(
  withFakes("waitForConfigured() after an apply looks first when the install and reboot usually ends", async () => {
    await withNode("127.0.46.10", async (node) => {
      const run = async (after: "applied" | "already-configured") => {
        let clock = 0;
        const sleeps: number[] = [];
        const scaled: TalosDeps = {
          ...deps,
          timeScale: 20,
          now: () => clock,
          sleep: (ms) => {
            sleeps.push(ms);
            clock += ms;
            return Promise.resolve();
          },
        };
        // A maintenance node never answers the cluster's credentials: the pauses until the (real) deadline.
        await assertRejects(
          () => waitForConfigured({ endpoint: node.endpoint, deps: scaled, timeoutMs: 1_250, after }),
          TalosWaitTimeout,
        );
        return sleeps;
      };
      // 20 s (INSTALL_REBOOT_MS), then 2 s (TALOS_REPOLL_MS), of node time at 20 times real speed.
      assertEquals(await run("applied"), [1_000, 100, 100]);
      // Nothing applied: nothing to wait out before the first look.
      assertEquals(await run("already-configured"), Array(12).fill(100));
    });
  }),
);

import { assertEquals, assertRejects } from "../assert.ts";
import { createMaintenanceClient, createTalosClient, isTalosError } from "../../src/talos/api_client.ts";
import { renderNodeConfigYaml } from "../../src/talos/machine_config.ts";
import { createRenderedClusterFixture } from "./fixtures.ts";
import { createFakeTalosNetwork, startFakeTalosNode } from "./mod.ts";
import { withFakes } from "../fake_contracts.ts";

const { secrets, admin, input: INPUT } = await createRenderedClusterFixture(5);

async function applyInMaintenance(endpoint: string, config: string): Promise<void> {
  const maintenance = createMaintenanceClient({ endpoint });
  try {
    await maintenance.applyConfiguration(config, { mode: "REBOOT" });
  } finally {
    await maintenance.close();
  }
}

Deno.test(withFakes(
  "the fake node accepts rendered configs: the control plane's Talos key PEM, the worker's key from the control plane",
  async () => {
    const network = createFakeTalosNetwork();
    const cp = await startFakeTalosNode({ hostname: "127.0.45.1", port: 0, rebootDelayMs: 5, network });
    const worker = await startFakeTalosNode({ hostname: "127.0.45.2", port: 0, rebootDelayMs: 5, network });
    const clients = [cp, worker].map((n) =>
      createTalosClient({ endpoint: n.endpoint, caPem: secrets.certs.os.certPem, ...admin })
    );
    try {
      await applyInMaintenance(
        cp.endpoint,
        renderNodeConfigYaml(secrets, INPUT, {
          hostname: "fake-cp-1",
          serverId: 1,
          privateIp: "10.0.0.2",
          role: "controlplane",
        }),
      );
      await cp.waitForBoot();
      await applyInMaintenance(
        worker.endpoint,
        renderNodeConfigYaml(secrets, INPUT, {
          hostname: "fake-w-1",
          serverId: 2,
          privateIp: "10.0.1.2",
          role: "worker",
        }),
      );
      await worker.waitForBoot();
      assertEquals([cp.state.mode, worker.state.mode], ["configured", "configured"]);
      assertEquals(worker.state.config?.machineType, "worker");
      // Both answer a client whose certificate comes from the bundle's OS CA: their API certificates chain to it.
      for (const client of clients) assertEquals((await client.version())[0]?.version?.tag, "v1.13.9");
    } finally {
      for (const client of clients) await client.close();
      await cp.close();
      await worker.close();
    }
  },
));

Deno.test(withFakes(
  "the fake worker refuses its config while no control plane with the same OS CA can issue its certificate",
  async () => {
    const worker = await startFakeTalosNode({ hostname: "127.0.45.3", port: 0, rebootDelayMs: 5 });
    try {
      const config = renderNodeConfigYaml(secrets, INPUT, {
        hostname: "fake-w-2",
        serverId: 3,
        privateIp: "10.0.1.3",
        role: "worker",
      });
      await assertRejects(
        () => applyInMaintenance(worker.endpoint, config),
        (err: unknown) => isTalosError(err, "FAILED_PRECONDITION") && /trustd/.test(String(err)),
      );
      assertEquals(worker.state.mode, "maintenance");
    } finally {
      await worker.close();
    }
  },
));

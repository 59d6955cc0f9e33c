/**
 * The fake node refuses the machine configs Talos v1.13.9 refuses, with Talos' status code (InvalidArgument)
 * and text, through our real client, and a refused config leaves the node as it was. The expected texts are
 * written out from Talos' sources (decoder.go, v1alpha1_validation.go, go-multierror's format), not taken
 * from the fake.
 */
import { parseAllDocuments } from "yaml";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { createMaintenanceClient, createTalosClient, TalosError } from "../../src/talos/api_client.ts";
import { type ConfigDocument, renderConfigYaml } from "../../src/talos/config_documents.ts";
import { type ClusterConfigInput, type NodeFacts, renderNodeConfig } from "../../src/talos/machine_config.ts";
import { createRenderedClusterFixture } from "./fixtures.ts";
import { createFakeTalosNetwork, type FakeTalosNode, startFakeTalosNode } from "./mod.ts";
import { loadTalosConfigSchema } from "./config_decoder.ts";
import { withFakes } from "../fake_contracts.ts";

const { secrets, admin, input: INPUT } = await createRenderedClusterFixture(9);
const CP: NodeFacts = { hostname: "fake-cp-1", serverId: 1, privateIp: "10.0.0.2", role: "controlplane" };
const WORKER: NodeFacts = { hostname: "fake-w-1", serverId: 2, privateIp: "10.0.1.2", role: "worker" };

// deno-lint-ignore no-explicit-any
type Any = any;

/** The rendered config of `node`, changed by `edit` (documents as plain values), as YAML. */
function configWith(node: NodeFacts, edit: (docs: Any[]) => void = () => {}): string {
  const docs = structuredClone(renderNodeConfig(secrets, INPUT, node)) as Any[];
  edit(docs);
  return renderConfigYaml(docs as ConfigDocument[]);
}

const main = (docs: Any[]) => docs.find((d) => d.version === "v1alpha1");
const lineOf = (text: string, needle: string) => {
  const index = text.indexOf(needle);
  assertOk(index >= 0, `"${needle}" not in the config`);
  return text.slice(0, index).split("\n").length;
};
/** go-multierror's layout of Talos' Validate result: one v1alpha1.Config entry holding its own list. */
const v1alpha1Errors = (...errors: string[]) => {
  const inner = errors.length === 1
    ? `1 error occurred:\n\t* ${errors[0]}\n\n`
    : `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join("\n\t")}\n\n`;
  return `1 error occurred:\n\t* v1alpha1.Config: ${inner}\n\n`;
};

function snapshot(node: FakeTalosNode) {
  const s = node.state;
  return {
    mode: s.mode,
    appliedConfig: s.appliedConfig,
    config: s.config,
    stagedConfig: s.stagedConfig,
    rebootCount: s.rebootCount,
    applyHistory: s.applyHistory.length,
  };
}

async function applyInMaintenance(node: FakeTalosNode, config: string): Promise<unknown> {
  const client = createMaintenanceClient({ endpoint: node.endpoint });
  try {
    return await client.applyConfiguration(config, { mode: "REBOOT" });
  } finally {
    await client.close();
  }
}

/** Applies `config` and expects Talos' refusal with exactly `details`; the node must be unchanged. */
async function expectRefused(node: FakeTalosNode, apply: () => Promise<unknown>, details: string): Promise<void> {
  const before = snapshot(node);
  const err = await apply().then(() => undefined, (e) => e);
  assertOk(err instanceof TalosError, `expected a TalosError, got ${err}`);
  assertEquals(err.code, 3, err.message);
  assertEquals(err.codeName, "INVALID_ARGUMENT");
  assertEquals(err.details, details);
  assertEquals(snapshot(node), before, "a refused config must leave the node as it was");
}

Deno.test(withFakes(
  "a maintenance node refuses what Talos' decoder refuses: unknown kinds and versions, unknown keys and mistyped values per document kind",
  async (t) => {
    const node = await startFakeTalosNode({ hostname: "127.0.46.1", port: 0, rebootDelayMs: 5 });
    const refused = (config: string, details: string) =>
      expectRefused(node, () => applyInMaintenance(node, config), details);
    try {
      await t.step("an unknown document kind", async () => {
        const config = configWith(CP, (docs) => docs.push({ apiVersion: "v1alpha1", kind: "FooConfig", name: "x" }));
        const line = lineOf(config, "apiVersion: v1alpha1\nkind: FooConfig");
        await refused(
          config,
          `error decoding document v1alpha1/FooConfig/x (line ${line}): "FooConfig" "v1alpha1": not registered`,
        );
      });
      await t.step("a known kind in an unknown apiVersion", async () => {
        const config = configWith(
          CP,
          (docs) => (docs.find((d) => d.kind === "HostnameConfig").apiVersion = "v1alpha2"),
        );
        const line = lineOf(config, "apiVersion: v1alpha2");
        await refused(
          config,
          `error decoding document v1alpha2/HostnameConfig/ (line ${line}): "HostnameConfig" "v1alpha2": not registered`,
        );
      });
      await t.step("a document without kind or without apiVersion", async () => {
        const noKind = configWith(CP) + "---\napiVersion: v1alpha2\nhostname: lost\n";
        await refused(
          noKind,
          `error decoding document v1alpha2/v1alpha1/ (line ${lineOf(noKind, "apiVersion: v1alpha2")}): missing kind`,
        );
        const noVersion = configWith(CP) + "---\nkind: HostnameConfig\nhostname: lost\n";
        await refused(
          noVersion,
          `error decoding document /HostnameConfig/ (line ${
            lineOf(noVersion, "kind: HostnameConfig\nhostname: lost")
          }): missing apiVersion`,
        );
        // apiVersion v1alpha1 without kind is the v1alpha1 machine config to Talos, so the rest is unknown.
        const looksV1 = configWith(CP) + "---\napiVersion: v1alpha1\nhostname: lost\n";
        await refused(
          looksV1,
          `error decoding document v1alpha1/v1alpha1/ (line ${
            lineOf(looksV1, "apiVersion: v1alpha1\nhostname: lost")
          }): unknown keys found during decoding:\napiVersion: v1alpha1\nhostname: lost\n`,
        );
      });
      await t.step("two documents of the same kind and name", async () => {
        const config = configWith(CP) + "---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: twice\n";
        const line = lineOf(config, "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: twice");
        await refused(config, `duplicate document v1alpha1/HostnameConfig/ is not allowed (line ${line})`);
      });
      await t.step("unknown keys in the v1alpha1 document", async () => {
        const config = configWith(CP, (docs) => {
          main(docs).machine.kubelet.nodeIp = { validSubnets: ["10.0.0.0/17"] };
          main(docs).cluster.ghost = true;
        });
        await refused(
          config,
          "error decoding document /v1alpha1/ (line 1): unknown keys found during decoding:\n" +
            "cluster:\n    ghost: true\nmachine:\n    kubelet:\n        nodeIp:\n            validSubnets:\n" +
            "                - 10.0.0.0/17\n",
        );
      });
      await t.step("an unknown key in a HostnameConfig document", async () => {
        const config = configWith(CP, (docs) => (docs.find((d) => d.kind === "HostnameConfig").hostnames = "x"));
        const line = lineOf(config, "apiVersion: v1alpha1\nkind: HostnameConfig");
        await refused(
          config,
          `error decoding document v1alpha1/HostnameConfig/ (line ${line}): unknown keys found during decoding:\n` +
            "hostnames: x\n",
        );
      });
      await t.step("an unknown key deep in a VolumeConfig document", async () => {
        const config = configWith(CP, (docs) => (docs.find((d) => d.name === "STATE").encryption.keys[0].nodeId = {}));
        const line = lineOf(config, "apiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE");
        await refused(
          config,
          `error decoding document v1alpha1/VolumeConfig/STATE (line ${line}): unknown keys found during decoding:\n` +
            "encryption:\n    keys:\n        - nodeId: {}\n",
        );
      });
      await t.step("a string where the v1alpha1 schema has a bool and an int", async () => {
        const config = configWith(CP, (docs) => {
          main(docs).machine.install.wipe = "maybe";
          main(docs).machine.features.kubePrism.port = "7445";
        });
        await refused(
          config,
          "error decoding document /v1alpha1/ (line 1): error decoding  to *v1alpha1.Config: yaml: construct errors:\n" +
            `  line ${lineOf(config, "wipe: maybe")}: cannot construct !!str \`maybe\` into bool\n` +
            `  line ${lineOf(config, 'port: "7445"')}: cannot construct !!str \`7445\` into int`,
        );
      });
      await t.step("a list where a VolumeConfig has a mapping", async () => {
        const config = configWith(
          CP,
          (docs) => (docs.find((d) => d.name === "EPHEMERAL").encryption.keys = { slot: 0 }),
        );
        const volume = config.indexOf("name: EPHEMERAL");
        const keysLine = config.slice(0, config.indexOf("keys:", volume)).split("\n").length + 1;
        await refused(
          config,
          `error decoding document v1alpha1/VolumeConfig/EPHEMERAL (line ${
            lineOf(config, "apiVersion: v1alpha1\nkind: VolumeConfig\nname: EPHEMERAL")
          }): error decoding VolumeConfig to *block.VolumeConfigV1Alpha1: yaml: construct errors:\n` +
            `  line ${keysLine}: cannot construct !!map into []block.EncryptionKey`,
        );
      });
      assertEquals(node.state.applyHistory, []);
    } finally {
      await node.close();
    }
  },
));

Deno.test(withFakes(
  "a maintenance node refuses what Talos' validation refuses: endpoint, subnets, CA keys by role, versions",
  async (t) => {
    const node = await startFakeTalosNode({ hostname: "127.0.46.2", port: 0, rebootDelayMs: 5 });
    const refused = (config: string, details: string) =>
      expectRefused(node, () => applyInMaintenance(node, config), details);
    const endpoint = (value: string) => configWith(CP, (docs) => (main(docs).cluster.controlPlane.endpoint = value));
    try {
      await t.step("a cluster endpoint without host", async () => {
        await refused(
          endpoint("https://:6443"),
          v1alpha1Errors("invalid controlplane endpoint: hostname must not be blank"),
        );
        await refused(
          endpoint("10.0.0.1"),
          v1alpha1Errors("invalid controlplane endpoint: hostname must not be blank"),
        );
      });
      await t.step("a cluster endpoint with a port out of range", async () => {
        await refused(
          endpoint("https://10.0.0.1:70000"),
          v1alpha1Errors("invalid controlplane endpoint: port number must be between 1 and 65535"),
        );
      });
      await t.step("an IPv6 endpoint without brackets", async () => {
        await refused(
          endpoint("https://fd00::1:6443"),
          v1alpha1Errors("invalid controlplane endpoint: IPv6 addresses MUST be enclosed by square brackets"),
        );
      });
      await t.step("no cluster endpoint", async () => {
        const config = configWith(CP, (docs) => delete main(docs).cluster.controlPlane);
        await refused(config, v1alpha1Errors("cluster controlplane endpoint is required"));
      });
      await t.step("kubelet and etcd subnets that do not parse", async () => {
        const config = configWith(CP, (docs) => {
          main(docs).machine.kubelet.nodeIP.validSubnets = ["10.0.0.0/33", "!10.0.5.0/24"];
          main(docs).cluster.etcd.advertisedSubnets = ["10.0.0/17"];
        });
        await refused(
          config,
          v1alpha1Errors(
            'etcd advertised subnet is not valid: "10.0.0/17"',
            'kubelet nodeIP subnet is not valid: "10.0.0.0/33"',
          ),
        );
      });
      await t.step("a control plane without the Talos CA key", async () => {
        const config = configWith(CP, (docs) => delete main(docs).machine.ca.key);
        await refused(config, v1alpha1Errors("issuing CA key is required for controlplane nodes (.machine.ca.key)"));
      });
      await t.step("a worker carrying the Talos CA key, the Kubernetes CA key and etcd", async () => {
        const cp = main(renderNodeConfig(secrets, INPUT, CP) as Any[]);
        const config = configWith(WORKER, (docs) => {
          main(docs).machine.ca = cp.machine.ca;
          main(docs).cluster.ca = cp.cluster.ca;
          main(docs).cluster.etcd = cp.cluster.etcd;
        });
        await refused(
          config,
          v1alpha1Errors(
            "etcd config is only allowed on control plane machines",
            "cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)",
            "issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)",
            "issuing Kubernetes API CA key is not allowed on non-controlplane nodes (.cluster.ca)",
          ),
        );
      });
      await t.step("a worker with Kubernetes Talos API access", async () => {
        const config = configWith(WORKER, (docs) => {
          main(docs).machine.features.kubernetesTalosAPIAccess = { enabled: true, allowedRoles: ["os:root"] };
        });
        await refused(
          config,
          v1alpha1Errors(
            "feature Kubernetes Talos API Access can only be enabled on control plane machines",
            'invalid role "os:root" in allowed roles for Kubernetes Talos API Access',
          ),
        );
      });
      await t.step("an unknown machine type and CNI", async () => {
        const config = configWith(CP, (docs) => (main(docs).machine.type = "master"));
        // Not a control plane, so the control-plane parts of the rendered config are refused as well.
        await refused(
          config,
          v1alpha1Errors(
            "etcd config is only allowed on control plane machines",
            "cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)",
            'unknown machine type "master"',
            "feature Kubernetes Talos API Access can only be enabled on control plane machines",
          ),
        );
        const cni = configWith(CP, (docs) => (main(docs).cluster.network.cni = { name: "cilium" }));
        await refused(cni, v1alpha1Errors('cni name should be one of ["flannel", "custom", "none"]'));
      });
      await t.step("a hostname set both in HostnameConfig and the legacy machine.network", async () => {
        const config = configWith(CP, (docs) => (main(docs).machine.network = { hostname: "legacy" }));
        await refused(config, "1 error occurred:\n\t* static hostname is already set in v1alpha1 config\n\n");
      });
      await t.step("a VolumeConfig without keys, and an unsupported volume", async () => {
        const config = configWith(CP, (docs) => {
          docs.find((d) => d.name === "STATE").encryption.keys = [];
          docs.find((d) => d.name === "EPHEMERAL").name = "DATA";
        });
        await refused(
          config,
          "2 errors occurred:\n\t* VolumeConfig/STATE: encryption keys are required\n" +
            '\t* VolumeConfig/DATA: only ["STATE" "EPHEMERAL" "IMAGECACHE"] volumes are supported\n\n',
        );
      });
      await t.step("a Kubernetes version Talos v1.13 does not support (RuntimeValidate)", async () => {
        const config = configWith(CP, (docs) => {
          main(docs).machine.kubelet.image = "ghcr.io/siderolabs/kubelet:v1.30.0";
          main(docs).cluster.scheduler.image = "registry.k8s.io/kube-scheduler:latest";
        });
        await refused(
          config,
          v1alpha1Errors(
            "kubelet image is not valid: version of Kubernetes 1.30.0 is too old to be used with Talos 1.13.9",
            'kube-scheduler image is not valid: failed to parse Kubernetes version from image reference "registry.k8s.io/kube-scheduler:latest": invalid image reference: "registry.k8s.io/kube-scheduler:latest"',
          ),
        );
      });
      assertEquals(node.state.mode, "maintenance");
    } finally {
      await node.close();
    }
  },
));

Deno.test(withFakes(
  "the install disk is checked only where Talos checks it: on bare metal, not on a cloud platform",
  async () => {
    const metal = await startFakeTalosNode({
      hostname: "127.0.46.3",
      port: 0,
      rebootDelayMs: 5,
      platformMode: "metal",
    });
    const cloud = await startFakeTalosNode({ hostname: "127.0.46.4", port: 0, rebootDelayMs: 5 });
    try {
      const noDisk = configWith(CP, (docs) => delete main(docs).machine.install.disk);
      await expectRefused(
        metal,
        () => applyInMaintenance(metal, noDisk),
        v1alpha1Errors("either install disk or diskSelector should be defined"),
      );
      const byName = configWith(CP, (docs) => (main(docs).machine.install.diskSelector = { name: "sda" }));
      await expectRefused(
        metal,
        () => applyInMaintenance(metal, byName),
        v1alpha1Errors("install disk selector is invalid: selector on name is not supported"),
      );
      const bySize = configWith(CP, (docs) => {
        delete main(docs).machine.install.disk;
        main(docs).machine.install.diskSelector = { size: ">= 10GB" };
      });
      await applyInMaintenance(metal, bySize);
      await metal.waitForBoot();
      assertEquals(metal.state.mode, "configured");
      // Talos on Hetzner Cloud (platform mode "cloud") boots from its disk image and never reads machine.install
      // at apply time; our renderer refuses a disk that is not a /dev path instead.
      await applyInMaintenance(cloud, configWith(CP, (docs) => (main(docs).machine.install.disk = "sda")));
      await cloud.waitForBoot();
      assertEquals(cloud.state.mode, "configured");
    } finally {
      await metal.close();
      await cloud.close();
    }
  },
));

Deno.test(withFakes(
  "a configured node keeps its config when Talos would refuse the new one, and wants the v1alpha1 document",
  async () => {
    const network = createFakeTalosNetwork();
    const node = await startFakeTalosNode({ hostname: "127.0.46.5", port: 0, rebootDelayMs: 5, network });
    const client = createTalosClient({ endpoint: node.endpoint, caPem: secrets.certs.os.certPem, ...admin });
    try {
      const good = configWith(CP);
      await applyInMaintenance(node, good);
      await node.waitForBoot();
      assertEquals([node.state.mode, node.state.appliedConfig], ["configured", good]);

      const bad = configWith(CP, (docs) => (main(docs).cluster.controlPlane.endpoint = "https://:6443"));
      await expectRefused(
        node,
        () => client.applyConfiguration(bad, { mode: "AUTO" }),
        v1alpha1Errors("invalid controlplane endpoint: hostname must not be blank"),
      );
      const unknown = configWith(CP, (docs) => (main(docs).machine.kubelet.extraArgz = {}));
      await expectRefused(
        node,
        () => client.applyConfiguration(unknown, { mode: "STAGED" }),
        "error decoding document /v1alpha1/ (line 1): unknown keys found during decoding:\nmachine:\n    kubelet:\n        extraArgz: {}\n",
      );
      const partial = "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: renamed\n";
      await expectRefused(
        node,
        () => client.applyConfiguration(partial, { mode: "NO_REBOOT" }),
        "the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?",
      );
      assertEquals(node.state.appliedConfig, good);
      assertEquals((await client.version())[0]?.version?.tag, "v1.13.9");
    } finally {
      await client.close();
      await node.close();
    }
  },
));

Deno.test(withFakes(
  "in maintenance a config without the v1alpha1 document is taken and the node stays in maintenance",
  async () => {
    const node = await startFakeTalosNode({ hostname: "127.0.46.6", port: 0, rebootDelayMs: 5 });
    try {
      await applyInMaintenance(node, "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: early\n");
      await node.waitForBoot();
      assertEquals([node.state.mode, node.state.config, node.state.rebootCount], ["maintenance", undefined, 0]);
      // Fields Talos v1.13 still decodes though the schema leaves them out (deprecated) are accepted.
      const legacy = configWith(CP, (docs) => {
        main(docs).machine.network = { hostname: "legacy-name" };
        main(docs).persist = true;
        docs.splice(docs.findIndex((d) => d.kind === "HostnameConfig"), 1);
      });
      await applyInMaintenance(node, legacy);
      await node.waitForBoot();
      assertEquals([node.state.mode, node.nodeName], ["configured", "legacy-name"]);
    } finally {
      await node.close();
    }
  },
));

Deno.test(withFakes("every config variant our renderer produces passes the fake's Talos validation", async () => {
  const variants: ClusterConfigInput[] = [
    INPUT,
    { ...INPUT, monitoring: true },
    { ...INPUT, diskEncryption: false },
    { ...INPUT, allowSchedulingOnControlPlanes: true, dnsDomain: "k8s.internal", installDisk: "/dev/vda" },
    { ...INPUT, schematicId: "c".repeat(64), certSans: ["203.0.113.10", "10.0.0.254"] },
  ];
  // A worker config needs a configured control plane with the same OS CA (trustd), even for a dry run.
  const network = createFakeTalosNetwork();
  const cp = await startFakeTalosNode({ hostname: "127.0.46.7", port: 0, rebootDelayMs: 5, network });
  const worker = await startFakeTalosNode({ hostname: "127.0.46.8", port: 0, rebootDelayMs: 5, network });
  const client = createMaintenanceClient({ endpoint: worker.endpoint });
  try {
    await applyInMaintenance(cp, configWith(CP));
    await cp.waitForBoot();
    let checked = 0;
    for (const input of variants) {
      for (const node of [CP, WORKER]) {
        const config = renderConfigYaml(renderNodeConfig(secrets, input, node));
        assertOk(parseAllDocuments(config).length >= 2);
        // A dry run validates like a real apply and changes nothing.
        const [reply] = await client.applyConfiguration(config, { mode: "REBOOT", dryRun: true });
        assertEquals(reply?.modeDetails, "Dry run: nothing applied", `${node.role} ${JSON.stringify(input)}`);
        checked++;
      }
    }
    assertEquals(checked, variants.length * 2);
    assertEquals(worker.state.mode, "maintenance");
  } finally {
    await client.close();
    await cp.close();
    await worker.close();
  }
}));

Deno.test(withFakes("without the Talos schema the fake refuses to start rather than accept every config", () => {
  const missing = new URL("../../../shared/contracts/no-such-schema.json", import.meta.url);
  const expected = `Cannot start the fake Talos node: it validates machine configs against ${missing.pathname}, ` +
    "which cannot be read";
  assertThrows(() => loadTalosConfigSchema(missing), (err: Error) => err.message.startsWith(expected));

  // The real schema describes the document kinds our configs use.
  const schema = loadTalosConfigSchema();
  assertEquals(schema.kinds.get("HostnameConfig")?.get("v1alpha1"), "network.HostnameConfigV1Alpha1");
  assertEquals(schema.kinds.get("VolumeConfig")?.get("v1alpha1"), "block.VolumeConfigV1Alpha1");
}));

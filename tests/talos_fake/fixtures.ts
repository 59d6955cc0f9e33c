/**
 * Test credentials and machine configs for the fake node: an Ed25519 OS CA, client certificates per role,
 * and the smallest v1alpha1 config the fake accepts (real configs come from the renderer).
 *
 * @module
 */
import { generateCa, issueCertificate, toTalosKeyPem } from "../../src/talos/pki.ts";
import type { ClusterConfigInput } from "../../src/talos/machine_config.ts";
import { generateSecretsBundle, type SecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { seededRandom } from "../seeded_random.ts";
import { createMaintenanceClient, createTalosClient, type TalosClient } from "../../src/talos/api_client.ts";
import { createFakeTalosNetwork, type FakeTalosNode, startFakeTalosNode } from "./mod.ts";

/** An OS CA with client certificates for a few roles. */
export interface TestPki {
  ca: { certPem: string; keyPem: string };
  admin: { certPem: string; keyPem: string };
  reader: { certPem: string; keyPem: string };
}

/** Creates an OS CA (Ed25519, O=talos) and `os:admin` / `os:reader` client certificates. */
export async function createTestPki(now = new Date()): Promise<TestPki> {
  const notBefore = new Date(now.getTime() - 60_000);
  const ca = await generateCa({
    algorithm: "Ed25519",
    commonName: "talos",
    organization: "talos",
    notBefore,
    validityDays: 2,
  });
  const client = (role: string) =>
    issueCertificate(ca, {
      algorithm: "Ed25519",
      commonName: role,
      organization: [role],
      usage: "client",
      notBefore,
      validityDays: 1,
    });
  return { ca, admin: await client("os:admin"), reader: await client("os:reader") };
}

/**
 * A minimal machine config carrying the OS CA the way Talos does (base64 PEM, Talos key PEM header); a
 * worker gets only the certificate, as Talos allows no CA key on non-controlplane nodes.
 */
export function renderTestMachineConfig(
  pki: TestPki,
  options: { type?: "controlplane" | "worker"; hostname?: string; certSans?: string[] } = {},
): string {
  const b64 = (text: string) => btoa(text);
  const lines = [
    "version: v1alpha1",
    "machine:",
    `  type: ${options.type ?? "controlplane"}`,
    "  ca:",
    `    crt: ${b64(pki.ca.certPem)}`,
    ...(options.type === "worker" ? [] : [`    key: ${b64(toTalosKeyPem(pki.ca.keyPem))}`]),
    `  certSANs: [${(options.certSans ?? []).join(", ")}]`,
    "  install:",
    "    image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.13.9",
    "cluster:",
    "  clusterName: fake",
    "  controlPlane:",
    "    endpoint: https://127.0.0.1:6443",
  ];
  if (options.hostname) {
    lines.push("---", "apiVersion: v1alpha1", "kind: HostnameConfig", `hostname: ${options.hostname}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * A secrets bundle, an `os:admin` client certificate from its OS CA and the cluster input for the
 * product's renderer: what tests need to apply real rendered configs to fake nodes.
 */
export async function createRenderedClusterFixture(seed: number, now = new Date()): Promise<{
  secrets: SecretsBundle;
  admin: { certPem: string; keyPem: string };
  input: ClusterConfigInput;
}> {
  const notBefore = new Date(now.getTime() - 60_000);
  const secrets = await generateSecretsBundle({ now: notBefore, random: seededRandom(seed) });
  const admin = await issueCertificate(secrets.certs.os, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: ["os:admin"],
    usage: "client",
    notBefore,
    validityDays: 1,
  });
  const input: ClusterConfigInput = {
    clusterName: "fake",
    endpoint: "https://127.0.0.1:6443",
    talosVersion: "v1.13.9",
    kubernetesVersion: "1.36.3",
    network: { nodeCidr: "10.0.0.0/17", podCidr: "10.0.128.0/17", serviceCidr: "10.96.0.0/12" },
    certSans: [],
  };
  return { secrets, admin, input };
}

/** Starts a node on its own loopback address, configures it through maintenance mode, returns an admin client. */
export async function startConfiguredNode(
  pki: TestPki,
  address: string,
  options: {
    type?: "controlplane" | "worker";
    network?: ReturnType<typeof createFakeTalosNetwork>;
    kubeconfig?: () => string;
    learnerPromotionMs?: number;
  } = {},
): Promise<{ node: FakeTalosNode; admin: TalosClient; cleanup: () => Promise<void> }> {
  const node = await startFakeTalosNode({
    hostname: address,
    port: 0,
    rebootDelayMs: 10,
    ...(options.network ? { network: options.network } : {}),
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.learnerPromotionMs !== undefined ? { learnerPromotionMs: options.learnerPromotionMs } : {}),
  });
  const maintenance = createMaintenanceClient({ endpoint: node.endpoint });
  await maintenance.applyConfiguration(renderTestMachineConfig(pki, { type: options.type ?? "controlplane" }), {
    mode: "REBOOT",
  });
  await maintenance.close();
  await node.waitForBoot();
  const admin = createTalosClient({ endpoint: node.endpoint, caPem: pki.ca.certPem, ...pki.admin });
  return {
    node,
    admin,
    cleanup: async () => {
      await admin.close();
      await node.close();
    },
  };
}

/** Gives the node's etcd `size` bytes of deterministic content, so its snapshots span many stream chunks. */
export function fillEtcd(node: FakeTalosNode, size: number): Uint8Array {
  const etcd = node.network.etcd;
  if (!etcd) throw new Error(`Cannot fill etcd of ${node.hostname}: not bootstrapped`);
  const content = new Uint8Array(size);
  for (let i = 0; i < size; i++) content[i] = (i * 31 + 7) & 0xff;
  etcd.content = () => content;
  return content;
}

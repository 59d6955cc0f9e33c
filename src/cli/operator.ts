/**
 * `k8zner operator` (the in-cluster controller the operator Deployment runs) and `k8zner operator
 * manifests` (its installation as YAML for GitOps). This file only declares them; the work lives in
 * `operator_run.ts` and `operator_manifests_run.ts`, imported when a command runs so `--help` stays fast.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { OperatorCommandDeps } from "./operator_run.ts";

/** Registers `k8zner operator` and `k8zner operator manifests`. */
export function registerOperator(program: Command, ctx: CliContext, deps: OperatorCommandDeps = {}): void {
  const operator = program
    .command("operator")
    .description("Run the in-cluster operator that reconciles K8znerClusters (what the operator Deployment runs)")
    .option("--kubeconfig <path>", "reach the API with this kubeconfig instead of the pod's service account")
    .option("--health-probe-bind-address <ip:port>", "address of /healthz and /readyz (0: off)", "127.0.0.1:8081")
    .option("--metrics-bind-address <ip:port>", "address of /metrics (0: off)", "127.0.0.1:8080")
    .option("--talos-address-map <map>", "dial Talos endpoints in <cidr> at <cidr>: 10.0.0.0/16=127.101.0.0/16[,…]")
    .option("--namespace <name>", "namespace of the K8znerClusters and the Lease (default: the pod's)")
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .option("--charts-dir <dir>", "directory of the pinned chart archives (env K8ZNER_CHARTS_DIR; default /charts)")
    .option("--helm-binary <path>", "the Helm binary to run (env K8ZNER_HELM_BINARY; default /usr/local/bin/helm)")
    .option("--leader-election-lease-duration <duration>", "how long the Lease stays valid", "15s")
    .option("--leader-election-renew-deadline <duration>", "the leader steps down if it cannot renew within", "10s")
    .option("--leader-election-retry-period <duration>", "time between Lease attempts", "2s")
    .addHelpText(
      "after",
      "\nIn a pod: the service account in $K8ZNER_SERVICE_ACCOUNT_DIR (default /var/run/secrets/kubernetes.io/\n" +
        "serviceaccount) and KUBERNETES_SERVICE_HOST/PORT. POD_NAME is the leader-election identity,\n" +
        "POD_NAMESPACE the namespace; HCLOUD_ENDPOINT and K8ZNER_TALOS_ADDRESS_MAP are honoured.\n" +
        "Logs are JSON lines on stdout. SIGTERM/SIGINT stop it (exit 0); losing the Lease exits 1.",
    )
    .action(async (opts) => {
      const { runOperatorCommand } = await import("./operator_run.ts");
      await runOperatorCommand(ctx, opts, deps);
    });
  operator
    .command("manifests")
    .description("Print the operator installation (CRD, RBAC, Deployment) as YAML, without Secrets")
    .option("--cluster <name>", "the cluster the operator manages (label and K8ZNER_CLUSTER)")
    .option("--image <ref>", "operator image (default: the one of this k8zner version)")
    .option("--replicas <n>", "operator replicas, 1 to 5 (at most one per control plane)", "1")
    .action(async (opts) => {
      const { runOperatorManifests } = await import("./operator_manifests_run.ts");
      runOperatorManifests(ctx, opts);
    });
}

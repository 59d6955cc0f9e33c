/**
 * The operator installation as one multi-document YAML for GitOps users (`k8zner operator
 * manifests`): the objects `apply` installs, from the same renderer, without any Secret. A leading
 * comment says which two Secrets to create and with which keys, since their values never belong in
 * a repository. Pure.
 *
 * @module
 */
import { stringify } from "yaml";
import { CLOUD_CREDENTIALS_SECRET_NAME, TALOS_CREDENTIALS_SECRET_NAME } from "./k8zner_cluster.ts";
import { K8ZNER_NAMESPACE } from "./k8zner_crd.ts";
import { renderOperatorManifests } from "./operator_manifests.ts";

/** Inputs of {@link renderOperatorManifestsYaml}. */
export interface OperatorManifestsYamlInput {
  clusterName: string;
  image: string;
  replicas: number;
}

/** The leading comment: the Secrets to create, and who may read them. */
export function secretsComment(): string {
  const ns = K8ZNER_NAMESPACE;
  return [
    "# k8zner operator installation (CRD, Namespace, ServiceAccount, RBAC, metrics Service, Deployment).",
    "# It contains no credentials. Create these two Secrets in namespace " + ns + " yourself, e.g.:",
    "#",
    `#   kubectl -n ${ns} create secret generic ${CLOUD_CREDENTIALS_SECRET_NAME} \\`,
    "#     --from-literal=hcloud-token=<Hetzner Cloud API token> [--from-literal=cf-api-token=<Cloudflare API token>]",
    `#   kubectl -n ${ns} create secret generic ${TALOS_CREDENTIALS_SECRET_NAME} \\`,
    "#     --from-file=talos-secrets=<secrets bundle YAML> --from-file=talosconfig=<talosconfig>",
    "#",
    `# Whoever can read Secrets in ${ns} is root on the cluster and on the Hetzner project.`,
  ].join("\n");
}

/** Renders the installation as YAML documents separated by `---`, the Secrets left out. */
export function renderOperatorManifestsYaml(input: OperatorManifestsYamlInput): string {
  const objects = renderOperatorManifests(input).filter((o) => o.kind !== "Secret");
  const docs = objects.map((o) => stringify(o, { lineWidth: 0 }).trimEnd());
  return `${secretsComment()}\n---\n${docs.join("\n---\n")}\n`;
}

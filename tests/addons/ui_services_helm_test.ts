/**
 * The names `k8zner secrets` prints (the UIs' Services and ports, Grafana's admin Secret and keys) are
 * the charts' own: checked against `helm template` of the pinned archives with the release names the
 * operator installs them under. Argo CD's `argocd-initial-admin-secret` is created by argocd-server at
 * first start, not by the chart; its name and `password` key come from the chart's NOTES.txt, read here.
 */
import { parseAllDocuments } from "yaml";
import { ADDON_SECRETS, ADDON_SERVICES } from "../../src/bootstrap/credentials_report.ts";
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { helmRequirement } from "../kube_fake/helm_binary.ts";
import { requiring, sharedFile } from "../requirements.ts";

const HELM = await helmRequirement();
const ARGO = sharedFile("charts/argo-cd-9.7.0.tgz");
const KPS = sharedFile("charts/kube-prometheus-stack-88.2.0.tgz");
const withCharts = requiring([HELM, ARGO, KPS]);

// deno-lint-ignore no-explicit-any
type Obj = any;

async function helm(args: string[]): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "k8zner-helm-ui-" });
  try {
    const out = await new Deno.Command(HELM.path, {
      args,
      env: { HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    return text;
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

async function template(release: string, archive: string, namespace: string): Promise<Obj[]> {
  const text = await helm(["template", release, archive, "--namespace", namespace]);
  return parseAllDocuments(text).map((d) => d.toJSON()).filter((o) => o !== null);
}

const find = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name);

Deno.test(withCharts("the Argo CD server Service and the initial admin Secret are the argo-cd chart's", async () => {
  const s = ADDON_SERVICES.argocd;
  const objects = await template("argo-cd", ARGO.path, s.namespace);
  const service = find(objects, "Service", s.service);
  assertOk(service, `Service ${s.service} in the chart`);
  assertEquals(service.metadata.namespace, s.namespace);
  assertEquals(service.spec.ports.map((p: Obj) => p.port).sort((x: number, y: number) => x - y), [80, 443]);
  assertOk(service.spec.ports.some((p: Obj) => p.port === s.port));
  // The chart's NOTES.txt tells the user where the initial password is; the same place we read.
  const a = ADDON_SECRETS.argocd;
  const notesTxt = new TextDecoder().decode(
    (await new Deno.Command("tar", { args: ["-xzOf", ARGO.path, "argo-cd/templates/NOTES.txt"], stdout: "piped" })
      .output()).stdout,
  );
  assertIncludes(notesTxt, `get secret ${a.name} -o jsonpath="{.data.${a.passwordKey}}"`);
}));

Deno.test(withCharts("the Grafana Service and its admin Secret keys are kube-prometheus-stack's", async () => {
  const s = ADDON_SERVICES.grafana;
  const objects = await template("kube-prometheus-stack", KPS.path, s.namespace);
  const service = find(objects, "Service", s.service);
  assertOk(service, `Service ${s.service} in the chart`);
  assertEquals(service.spec.ports.map((p: Obj) => p.port), [s.port]);
  const g = ADDON_SECRETS.grafana;
  const secret = find(objects, "Secret", g.name);
  assertOk(secret, `Secret ${g.name} in the chart`);
  assertEquals(secret.metadata.namespace, g.namespace);
  assertOk(g.userKey in secret.data && g.passwordKey in secret.data, `keys: ${Object.keys(secret.data)}`);
  assertEquals(atob(secret.data[g.userKey]), "admin");
}));

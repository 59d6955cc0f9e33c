/**
 * The rendered ClusterIssuers against cert-manager's own CRD (rendered from the pinned chart by the real
 * Helm): the fake Kubernetes API validates custom resources against the CRD's `openAPIV3Schema` and
 * refuses unknown fields (our client applies with `fieldValidation=Strict`), as the API server does.
 */
import { renderClusterIssuers } from "../../src/addons/cluster_issuers.ts";
import { expandSpec } from "../../src/config/mod.ts";
import { assertEquals, assertIncludes } from "../assert.ts";
import { withKubeClient } from "../kube_fake/with_kube_client.ts";
import { CERT_MANAGER_CRDS_NEEDS, certManagerCrds } from "../operator/cert_manager_crds.ts";
import { requiring } from "../requirements.ts";

const withCrds = requiring(await CERT_MANAGER_CRDS_NEEDS);

Deno.test(
  withCrds("the rendered ClusterIssuers pass cert-manager v1.21.1's CRD schema; a wrong field does not", async () => {
    const issuers = renderClusterIssuers(
      expandSpec({
        name: "demo",
        region: "fsn1",
        mode: "dev",
        workers: { count: 1, size: "cx23" },
        domain: "example.com",
        cert_email: "ops@example.com",
      }),
    );
    await withKubeClient(async (kube, api) => {
      for (const crd of await certManagerCrds()) api.store.put(crd);
      const applied = await kube.applyServerSide(issuers, "test");
      assertEquals(applied.map((i) => i.metadata.name), [
        "letsencrypt-cloudflare-staging",
        "letsencrypt-cloudflare-production",
      ]);
      // The check bites: the solver's key misspelled (as an earlier draft had it) is refused.
      const wrong = structuredClone(issuers[1]!);
      const solver = (wrong.spec as { acme: { solvers: Record<string, Record<string, unknown>>[] } }).acme.solvers[0]!;
      solver.dns01 = { cloudflare: { apiTokenSecret: { name: "cloudflare-api-token", key: "api-token" } } };
      const err = await kube.applyServerSide([wrong], "test").then(() => undefined, (e) => e as Error);
      assertIncludes(String(err?.message), ".dns01.cloudflare.apiTokenSecret: field not declared in schema");
    });
  }),
);

import { assertEquals, assertOk } from "../../../../tests/assert.ts";
import { withDomainAddons } from "./domain_summary.ts";
import type { AddonStatusEntry, ReleaseOutcome } from "./reconcile_release.ts";
import { releasesSummary } from "./summary.ts";

function outcome(
  name: string,
  phase: AddonStatusEntry["phase"],
  message: string,
  requeueAfterMs?: number,
): ReleaseOutcome {
  return {
    name,
    ready: phase === "Installed",
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    entry: {
      phase,
      chartVersion: "1",
      valuesHash: "h",
      attempts: 1,
      lastError: phase === "Failed" ? "Error: boom" : "",
      retryAt: "",
      message,
      lastTransitionTime: "2026-12-01T10:00:00Z",
      installOrder: 1,
    },
  };
}
const DEPLOYED = "Deployed with chart 1 and the wanted values";
const APPLIED = { ready: true, message: "ClusterIssuers a and b applied", applied: [] };
const WEBHOOK = {
  ready: false,
  reason: "Installing" as const,
  message: "Waiting for the cert-manager webhook before applying the ClusterIssuers (no endpoints)",
  requeueAfterMs: 5_000,
  applied: [],
};

Deno.test("withDomainAddons() leaves the summary alone without a domain", () => {
  const summary = releasesSummary([outcome("cert-manager", "Installed", DEPLOYED)]);
  assertOk(withDomainAddons(summary, {}) === summary);
});

Deno.test("withDomainAddons() is ready only once the issuers are applied, shown on cert-manager's entry", () => {
  const outcomes = [outcome("cert-manager", "Installed", DEPLOYED), outcome("traefik", "Installed", DEPLOYED)];
  const ready = withDomainAddons(releasesSummary(outcomes), { cloudflare: { written: [] }, issuers: APPLIED });
  assertEquals([ready.ready, ready.reason], [true, "Installed"]);
  assertEquals(
    ready.message,
    "cert-manager, traefik deployed with the wanted chart versions and values; " + APPLIED.message,
  );
  assertEquals(ready.entries["cert-manager"]!.message, `${DEPLOYED}; ${APPLIED.message}`);
  assertEquals(ready.entries["cert-manager"]!.phase, "Installed");

  const waiting = withDomainAddons(releasesSummary(outcomes), { cloudflare: { written: [] }, issuers: WEBHOOK });
  assertEquals([waiting.ready, waiting.reason, waiting.requeueAfterMs], [false, "Installing", 5_000]);
  assertEquals(waiting.message, `cert-manager: ${WEBHOOK.message}`);
  assertEquals(waiting.entries["cert-manager"]!.message, `${DEPLOYED}; ${WEBHOOK.message}`);
  // Helm's phase stays: the release is deployed, only what k8zner adds to it waits.
  assertEquals(waiting.entries["cert-manager"]!.phase, "Installed");
  assertEquals(waiting.external, false);
});

Deno.test("withDomainAddons() names every part not ready and keeps the soonest requeue and the worst reason", () => {
  const outcomes = [
    outcome("cert-manager", "Installed", DEPLOYED),
    outcome("traefik", "Failed", "helm upgrade --install failed (attempt 1); retrying in 10 s", 10_000),
  ];
  const summary = withDomainAddons(releasesSummary(outcomes), { issuers: WEBHOOK });
  assertEquals([summary.reason, summary.requeueAfterMs], ["InstallFailed", 5_000]);
  assertEquals(
    summary.message,
    "traefik: helm upgrade --install failed (attempt 1); retrying in 10 s (Error: boom); " +
      `cert-manager: ${WEBHOOK.message}`,
  );
  const failed = withDomainAddons(releasesSummary([outcome("cert-manager", "Installed", DEPLOYED)]), {
    issuers: { ready: false, reason: "IssuersFailed", message: "The ClusterIssuers are not applied: x", applied: [] },
  });
  assertEquals(failed.reason, "IssuersFailed");
  // cert-manager still installing: its own entry says so; the issuers add nothing to it.
  const installing = withDomainAddons(
    releasesSummary([outcome("cert-manager", "Installing", "Helm is installing cert-manager", 15_000)]),
    {
      issuers: {
        ready: false,
        reason: "Installing",
        message: "The ClusterIssuers wait for the cert-manager release",
        applied: [],
      },
    },
  );
  assertEquals(installing.message, "cert-manager: Helm is installing cert-manager");
  assertEquals(installing.entries["cert-manager"]!.message, "Helm is installing cert-manager");
});

Deno.test("withDomainAddons() with the token missing: its own reason, external once only the token holds the phase", () => {
  const missing = 'Secret k8zner-system/creds has no key "cf-api-token"';
  const blocked = { "external-dns": "Waits for the Cloudflare API token" };
  const outcomes = [
    outcome("cert-manager", "Installed", DEPLOYED),
    outcome("external-dns", "Pending", blocked["external-dns"]),
  ];
  const summary = withDomainAddons(releasesSummary(outcomes), {
    cloudflare: { written: [], missing },
    issuers: APPLIED,
    blocked,
  });
  assertEquals([summary.ready, summary.reason, summary.external], [false, "CloudflareTokenMissing", true]);
  assertEquals(summary.message, `${missing}; external-dns: ${blocked["external-dns"]}`);
  // Another release still installing: the operator is still doing something.
  const busy = withDomainAddons(
    releasesSummary([...outcomes, outcome("traefik", "Installing", "Helm is installing traefik", 15_000)]),
    { cloudflare: { written: [], missing }, issuers: APPLIED, blocked },
  );
  assertEquals([busy.reason, busy.external], ["CloudflareTokenMissing", false]);
});

import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { scriptedPrompter, type Step } from "../../tests/cli/scripted_prompter.ts";
import { DEFAULT_CONTROL_PLANE_SIZE, SERVER_SIZES } from "./spec.ts";
import {
  CANCEL,
  listMissingFlags,
  listSizesBySpec,
  renderSpecFromAnswers,
  runWizard,
  WizardCancelledError,
} from "./wizard.ts";

const basics: Step[] = [
  { text: /Cluster name/, answers: ["demo"] },
  { select: /Region/, answer: "nbg1", expectChoices: ["fsn1", "nbg1", "hel1"] },
  { select: /Mode/, answer: "ha", expectChoices: ["dev", "ha"] },
  { select: /Number of workers/, answer: 3, expectChoices: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { select: /Worker size/, answer: "cx43" },
  { select: /Control-plane size/, answer: "cpx22" },
];

Deno.test("runWizard() asks every question and builds the spec with a separate control-plane size", async () => {
  const p = scriptedPrompter([
    ...basics,
    { text: /Domain/, answers: ["example.com"] },
    { text: /Email/, answers: ["ops@example.com"] },
    { text: /Argo CD subdomain/, answers: ["cd"] },
    { confirm: /monitoring/, answer: true },
    { text: /Grafana subdomain/, answers: ["metrics"] },
    { confirm: /Back up etcd/, answer: true },
    { text: /CIDRs allowed/, answers: ["203.0.113.7/32, 2001:db8::/48"] },
  ]);
  const spec = await runWizard(p);
  p.assertDone();
  assertEquals(spec, {
    name: "demo",
    region: "nbg1",
    mode: "ha",
    workers: { count: 3, size: "cx43" },
    control_plane: { size: "cpx22" },
    domain: "example.com",
    cert_email: "ops@example.com",
    argo_subdomain: "cd",
    monitoring: true,
    grafana_subdomain: "metrics",
    backup: true,
    api_allowlist: ["203.0.113.7/32", "2001:db8::/48"],
  });
});

Deno.test("runWizard() offers exactly the sizes the validator accepts, with sensible defaults", async () => {
  const p = scriptedPrompter([
    { text: /Cluster name/, answers: ["demo"] },
    { select: /Region/, answer: "fsn1" },
    { select: /Mode/, answer: "dev" },
    { select: /Number of workers/, answer: 2 },
    { select: /Worker size/, answer: "cx33", expectChoices: listSizesBySpec() },
    { select: /Control-plane size/, answer: "cx23", expectChoices: listSizesBySpec() },
    { text: /Domain/, answers: [""] },
    { confirm: /monitoring/, answer: false },
    { confirm: /Back up etcd/, answer: false },
    { text: /CIDRs allowed/, answers: [""] },
  ]);
  const spec = await runWizard(p);
  p.assertDone();
  assertEquals([...listSizesBySpec()].sort(), [...SERVER_SIZES].sort());
  assertEquals(p.transcript.defaults.get("Worker size"), "cx33");
  assertEquals(p.transcript.defaults.get("Control-plane size"), DEFAULT_CONTROL_PLANE_SIZE);
  assertEquals(p.transcript.defaults.get("Region"), "fsn1");
  assertEquals(p.transcript.defaults.get("Number of workers"), 2);
  // No domain: no domain fields; empty allowlist: the field is left out (apply detects the caller's IP).
  assertEquals(spec, {
    name: "demo",
    region: "fsn1",
    mode: "dev",
    workers: { count: 2, size: "cx33" },
    control_plane: { size: "cx23" },
    monitoring: false,
    backup: false,
  });
});

Deno.test("runWizard() re-asks after an invalid name, domain or CIDR and offers admin@domain as the email", async () => {
  const p = scriptedPrompter([
    { text: /Cluster name/, answers: ["My_Cluster", "-x", "a--b", "demo"], rejected: /lowercase|start with|"--"/ },
    ...basics.slice(1),
    { text: /Domain/, answers: ["not a domain", "example"], rejected: /domain/ },
  ]);
  // The script ends at the domain: the last domain attempt is also invalid, so the prompter fails there.
  await assertRejects(runWizard(p), /"example" for "Domain.*was rejected/);

  const q = scriptedPrompter([
    ...basics,
    { text: /Domain/, answers: ["example.org"] },
    { text: /Email/, answers: ["admin@example.org"] },
    { text: /Argo CD subdomain/, answers: ["argo"] },
    { confirm: /monitoring/, answer: false },
    { confirm: /Back up etcd/, answer: false },
    {
      text: /CIDRs allowed/,
      answers: ["10.0.0.1/8", "1.2.3.4/40", "10.0.0.0/8, 1.2.3.4"],
      rejected: /not a valid CIDR/,
    },
  ]);
  const spec = await runWizard(q);
  q.assertDone();
  assertEquals(q.transcript.initials.get("Email for Let's Encrypt certificates"), "admin@example.org");
  assertEquals(q.transcript.defaults.get("Install monitoring (Prometheus and Grafana)?"), true);
  assertEquals(spec.api_allowlist, ["10.0.0.0/8", "1.2.3.4/32"], "a bare address is written as one host");
});

Deno.test("runWizard() skips questions answered by flags", async () => {
  const p = scriptedPrompter([
    { select: /Control-plane size/, answer: "cx33" },
    { confirm: /Back up etcd/, answer: false },
  ]);
  const spec = await runWizard(p, {
    name: "given",
    region: "hel1",
    mode: "dev",
    workers: 1,
    workerSize: "cpx32",
    domain: "",
    monitoring: true,
    allowlist: [],
  });
  p.assertDone();
  assertEquals(spec.name, "given");
  assertEquals(spec.control_plane, { size: "cx33" });
  assertEquals(spec.monitoring, true);
  assertEquals(spec.grafana_subdomain, undefined, "no grafana host without a domain");
});

for (const at of ["name", "region", "backup"] as const) {
  Deno.test(`runWizard() throws WizardCancelledError (exit 130) when the user cancels at the ${at} question`, async () => {
    const steps: Step[] = at === "name"
      ? [{ text: /Cluster name/, answers: [CANCEL] }]
      : at === "region"
      ? [{ text: /Cluster name/, answers: ["demo"] }, { select: /Region/, answer: CANCEL }]
      : [...basics, { text: /Domain/, answers: [""] }, { confirm: /monitoring/, answer: false }, {
        confirm: /Back up/,
        answer: CANCEL,
      }];
    const p = scriptedPrompter(steps);
    const err = await runWizard(p).then(() => undefined, (e) => e);
    p.assertDone();
    if (!(err instanceof WizardCancelledError)) throw new Error(`expected WizardCancelledError, got ${err}`);
    assertEquals(err.exitCode, 130);
  });
}

Deno.test("renderSpecFromAnswers() fills defaults and listMissingFlags() names the required flags", () => {
  assertEquals(listMissingFlags({ name: "x", workers: 2 }), ["--region", "--mode", "--worker-size"]);
  assertEquals(
    renderSpecFromAnswers({ name: "x", region: "fsn1", mode: "dev", workers: 1, workerSize: "cx23", domain: "a.io" }),
    {
      name: "x",
      region: "fsn1",
      mode: "dev",
      workers: { count: 1, size: "cx23" },
      control_plane: { size: "cx23" },
      domain: "a.io",
      cert_email: "admin@a.io",
      argo_subdomain: "argo",
      monitoring: false,
      backup: false,
    },
  );
});

import { assertEquals, assertIncludes } from "../../tests/assert.ts";
import { type CredentialsReport, describeCredentialFile, renderCredentialsText } from "./credentials_report.ts";

const FILE = { name: "kubeconfig", purpose: "cluster admin for kubectl" };

Deno.test("describeCredentialFile() shows the mode in octal and flags group or world access", () => {
  assertEquals(describeCredentialFile(FILE, "./k", 0o100600, true), {
    name: "kubeconfig",
    path: "./k",
    purpose: "cluster admin for kubectl",
    exists: true,
    mode: "0600",
    tooOpen: false,
  });
  assertEquals(describeCredentialFile(FILE, "./k", 0o100640, true).tooOpen, true);
  assertEquals(describeCredentialFile(FILE, "./k", undefined, false).mode, undefined);
});

Deno.test("the text report says when there is no kubeconfig yet to read addon credentials from", () => {
  const report: CredentialsReport = {
    cluster: "demo",
    directory: "./secrets/demo",
    files: [describeCredentialFile(FILE, "./secrets/demo/kubeconfig", undefined, false)],
    kubeconfig: undefined,
    addons: [],
  };
  const text = renderCredentialsText(report);
  assertIncludes(text, "kubeconfig  ./secrets/demo/kubeconfig  missing (written by k8zner apply)");
  assertIncludes(text, "Addon credentials: no kubeconfig yet (run k8zner apply)");
});

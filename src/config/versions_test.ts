import { assertEquals, assertOk } from "../../tests/assert.ts";
import {
  KUBERNETES_MINORS_BY_TALOS_MINOR,
  KUBERNETES_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  SUPPORTED_TALOS_VERSIONS,
  TALOS_VERSION,
} from "./versions.ts";

const minor = (version: string) => version.replace(/^v/, "").split(".").slice(0, 2).join(".");

Deno.test("the newest supported versions are the defaults", () => {
  assertEquals(SUPPORTED_TALOS_VERSIONS.at(-1), TALOS_VERSION);
  assertEquals(SUPPORTED_KUBERNETES_VERSIONS.at(-1), KUBERNETES_VERSION);
});

Deno.test("every supported Talos version has a Kubernetes minor it runs, and the defaults are a valid pair", () => {
  for (const talos of SUPPORTED_TALOS_VERSIONS) {
    const minors = KUBERNETES_MINORS_BY_TALOS_MINOR[minor(talos)] ?? [];
    assertOk(
      SUPPORTED_KUBERNETES_VERSIONS.some((k) => minors.includes(minor(k))),
      `Talos ${talos} has no supported Kubernetes version`,
    );
  }
  assertOk(KUBERNETES_MINORS_BY_TALOS_MINOR[minor(TALOS_VERSION)]?.includes(minor(KUBERNETES_VERSION)));
});

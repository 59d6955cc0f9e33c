import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { BUILD_INFO } from "../build_info.ts";
import { OPERATOR_IMAGE_REPOSITORY, operatorImage } from "./operator_image.ts";

Deno.test("operatorImage() tags the ghcr.io/k8zner operator image with the given version", () => {
  assertEquals(operatorImage("1.2.3"), "ghcr.io/k8zner/k8zner-operator:1.2.3");
  assertEquals(operatorImage("1.2.3-rc.1"), "ghcr.io/k8zner/k8zner-operator:1.2.3-rc.1");
});

Deno.test("operatorImage() defaults to the CLI's own stamped version, never a moving tag", () => {
  assertEquals(operatorImage(), `${OPERATOR_IMAGE_REPOSITORY}:${BUILD_INFO.version}`);
  assertEquals(BUILD_INFO.operatorImageDigest, "", "a source checkout pins no digest");
});

Deno.test("operatorImage() rejects versions that are not valid image tags, naming the value", () => {
  for (const bad of ["", "1.2.3+build.4", "v1/2", "-1.2.3", "x".repeat(129)]) {
    assertThrows(
      () => operatorImage(bad),
      (err: unknown) => err instanceof RangeError && err.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("operatorImage() pins the stamped digest after the tag, and rejects a malformed one", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  assertEquals(operatorImage("1.2.3", digest), `ghcr.io/k8zner/k8zner-operator:1.2.3@${digest}`);
  assertEquals(operatorImage("1.2.3", ""), "ghcr.io/k8zner/k8zner-operator:1.2.3");
  for (const bad of ["sha256:abc", `sha512:${"ab".repeat(32)}`, `sha256:${"AB".repeat(32)}`]) {
    assertThrows(
      () => operatorImage("1.2.3", bad),
      (err: unknown) => err instanceof RangeError && err.message.includes(`"${bad}"`),
    );
  }
});

import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { BUILD_INFO } from "../build_info.ts";
import { OPERATOR_IMAGE_REPOSITORY, operatorImage } from "./operator_image.ts";

Deno.test("operatorImage() tags the ghcr.io/k8zner operator image with the given version", () => {
  assertEquals(operatorImage("1.2.3"), "ghcr.io/k8zner/k8zner-operator:1.2.3");
  assertEquals(operatorImage("1.2.3-rc.1"), "ghcr.io/k8zner/k8zner-operator:1.2.3-rc.1");
});

Deno.test("operatorImage() defaults to the CLI's own stamped version, never a moving tag", () => {
  assertEquals(operatorImage(), `${OPERATOR_IMAGE_REPOSITORY}:${BUILD_INFO.version}`);
});

Deno.test("operatorImage() rejects versions that are not valid image tags, naming the value", () => {
  for (const bad of ["", "1.2.3+build.4", "v1/2", "-1.2.3", "x".repeat(129)]) {
    assertThrows(
      () => operatorImage(bad),
      (err: unknown) => err instanceof RangeError && err.message.includes(`"${bad}"`),
    );
  }
});

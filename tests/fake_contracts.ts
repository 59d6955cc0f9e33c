/**
 * The official contracts the fakes hold themselves to at run time: the fake Talos node decodes and
 * validates machine configs with the Talos v1.13 schema, and the fake Kubernetes API validates
 * built-in objects with the v1.35 OpenAPI document. Both live in `../shared/contracts`; without them
 * a fake would accept what the real system refuses, so tests that run the fakes skip (or, in CI,
 * fail) with the reason instead of passing against a kinder fake.
 *
 * @module
 */
import { type Requirement, requiring, sharedFile } from "./requirements.ts";
import { TALOS_SCHEMA } from "./talos_schema.ts";

/** `../shared/contracts/kubernetes-openapi-v2.json` as a test requirement. */
export const KUBERNETES_OPENAPI: Requirement = sharedFile("contracts/kubernetes-openapi-v2.json");

/** What every test that starts a fake Talos node or the local cloud needs. */
export const FAKE_CONTRACTS: readonly Requirement[] = [TALOS_SCHEMA, KUBERNETES_OPENAPI];

/**
 * A test definition for tests that run the fakes (`Deno.test(withFakes("…", fn))`): skipped with the
 * reason when a contract is absent, failing under `K8ZNER_REQUIRE_ALL=1`.
 */
export const withFakes = requiring(FAKE_CONTRACTS);

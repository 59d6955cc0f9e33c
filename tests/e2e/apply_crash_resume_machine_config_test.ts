/**
 * Crash-resume right after the first control plane took its machine config (Talos
 * `ApplyConfiguration`), a kill the chain (`apply_crash_resume_chain_test.ts`) never makes: a first
 * `apply` in a fresh local cloud is SIGKILLed there, and the next run must converge
 * ({@link assertConverged}) with etcd bootstrapped once. Why this point: `apply_crash_resume.ts`.
 *
 * @module
 */
import { mutating } from "./apply_harness.ts";
import { configApplied, killOnceThenConverge } from "./apply_crash_resume.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes(
  "apply killed right after the machine config was applied converges on the next run without a second bootstrap",
  () =>
    killOnceThenConverge(
      configApplied,
      (_, first) =>
        `run 1 killed right after ApplyConfiguration, after ${mutating(first.requests).length} mutating requests`,
    ),
));

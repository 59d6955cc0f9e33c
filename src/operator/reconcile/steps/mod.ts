/**
 * The phase steps in the order the reconciler runs them: the design's phases Infrastructure, Compute (the
 * rolling upgrade right after it), WaitForK8s, CNI (healing right after it), Addons; `Running` is what
 * the reconciler reports once every one is done.
 *
 * @module
 */
import type { PhaseStep } from "../phase_step.ts";
import { addonsStep } from "./addons.ts";
import { cniStep } from "./cni.ts";
import { computeStep } from "./compute.ts";
import { healingStep } from "./healing.ts";
import { infrastructureStep } from "./infrastructure.ts";
import { upgradeStep } from "./upgrade.ts";
import { waitForK8sStep } from "./wait_for_k8s.ts";

/** The real steps. */
export const PHASE_STEPS: readonly PhaseStep[] = [
  infrastructureStep,
  computeStep,
  upgradeStep,
  waitForK8sStep,
  cniStep,
  healingStep,
  addonsStep,
];

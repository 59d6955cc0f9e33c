/**
 * The sections of `deno task bench`, in the order they run. Each is one module under `scripts/bench/`
 * whose function returns its rows ({@link BenchRow}); `--only <name>` picks one.
 *
 * @module
 */
import type { BenchSection } from "./types.ts";
import { helpStartup } from "./help_startup.ts";
import { reapply } from "./reapply.ts";
import { operatorIdle } from "./operator.ts";
import { scaleUp } from "./scale.ts";

export const SECTIONS: readonly BenchSection[] = [
  // Replaced by h14-startup's scripts/bench/startup.ts (shipping form and `deno run main.ts`).
  { name: "startup", run: helpStartup },
  // h14-latency's scripts/bench/apply.ts (dev and ha `apply --wait`, ratio to the critical path) goes here.
  { name: "reapply", run: reapply },
  { name: "operator", run: operatorIdle },
  { name: "scale", run: scaleUp },
];

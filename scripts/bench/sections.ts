/**
 * The sections of `deno task bench`, in the order they run. Each is one module under `scripts/bench/`
 * whose function returns its rows ({@link BenchRow}); `--only <name>` picks one.
 *
 * @module
 */
import type { BenchSection } from "./types.ts";
import { applyRows, startupRows } from "./merged_sections.ts";
import { reapply } from "./reapply.ts";
import { operatorIdle } from "./operator.ts";
import { scaleUp } from "./scale.ts";

export const SECTIONS: readonly BenchSection[] = [
  { name: "startup", run: startupRows },
  { name: "apply", run: applyRows },
  { name: "reapply", run: reapply },
  { name: "operator", run: operatorIdle },
  { name: "scale", run: scaleUp },
];

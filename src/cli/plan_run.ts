/**
 * The work of `k8zner plan` (registered in `plan.ts`): config and token are checked before any
 * request; then only `GET`s. The plan goes to stdout (text or `--json`); with `--exit-code` the exit
 * code says whether `apply` has something to do.
 *
 * @module
 */
import { computeApplyPlan, type PlanResult } from "../bootstrap/plan.ts";
import { applyPlanToJson, renderApplyPlan } from "../bootstrap/render_apply_plan.ts";
import { apiExposureWarning } from "../cluster/infra/api_exposure.ts";
import { expandSpec } from "../config/mod.ts";
import { ExitStatus } from "../lib/errors.ts";
import { type ApplyCommandDeps, applyDepsFromEnv } from "./apply_run.ts";
import type { CliContext } from "./context.ts";
import { loadConfig } from "./load_config.ts";
import { resolveSecretsLocation } from "./secrets_location.ts";
import { PLAN_PENDING_EXIT_CODE } from "./plan.ts";

/** Flags of `k8zner plan`. */
export interface PlanFlags {
  config?: string;
  json?: boolean;
  exitCode?: boolean;
  /** `--secrets-dir` (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Runs `k8zner plan`; with `--exit-code` and pending changes it ends with {@link ExitStatus} 10. */
export async function runPlanCommand(
  ctx: CliContext,
  flags: PlanFlags,
  deps: ApplyCommandDeps = {},
): Promise<PlanResult> {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env });
  const applyDeps = applyDepsFromEnv(ctx, deps);
  const result = await computeApplyPlan(applyDeps, {
    spec: loaded.spec,
    secretsDir: resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir).dir,
    config: { path: loaded.displayPath, positions: loaded.positions },
  });
  ctx.io.out(
    flags.json
      ? JSON.stringify(applyPlanToJson(result.plan, result.costs), null, 2)
      : renderApplyPlan(result.plan, loaded.spec.name, result.costs),
  );
  const warning = apiExposureWarning(expandSpec(loaded.spec));
  if (warning) ctx.io.err(warning);
  if (flags.exitCode && result.plan.pending) throw new ExitStatus(PLAN_PENDING_EXIT_CODE);
  return result;
}

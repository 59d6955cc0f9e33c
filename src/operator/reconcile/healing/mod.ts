/**
 * Healing: replaces nodes that stay NotReady once the cluster runs a CNI, one at a time, and a control plane
 * only when etcd keeps quorum without it. `reconcileHealing` is the step the reconciler runs after `CNIReady`;
 * the pure decisions are exported for tests and for `doctor`-style explanations.
 *
 * @module
 */
export { heal, reconcileHealing } from "./reconcile_healing.ts";
export { decideHealing, type HealingDecision } from "./decide.ts";
export {
  assessJoin,
  auditEtcd,
  type ControlPlaneEtcd,
  type EtcdAudit,
  type EtcdAuditInput,
  type JoinAssessment,
  type MemberRemoval,
} from "./etcd_audit.ts";
export { AUDIT_CALL_TIMEOUT_MS, observeEtcd } from "./etcd_observe.ts";
export { hasQuorum, quorumOf, removalKeepsQuorum } from "./etcd_quorum.ts";
export { DEFAULT_NOT_READY_THRESHOLD_MS, isCniReady, notReadyThresholdMs, THRESHOLD_FIELD } from "./health_spec.ts";
export { judgeNodes, type NodeJudgement, type NodeVerdict, readyConditionOf } from "./node_health.ts";
export { ACTIVE_REQUEUE_MS, type HealingReason, IDLE_REQUEUE_MS } from "./outcome.ts";
export {
  type JoinProgress,
  joinProgress,
  readReplacement,
  type Replacement,
  REPLACEMENT_MEMORY_KEY,
  type ReplacementStep,
  writeReplacement,
} from "./replacement.ts";
export type { HealPass } from "./replace_node.ts";

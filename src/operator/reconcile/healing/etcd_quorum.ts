/**
 * etcd quorum arithmetic: a cluster of N voting members commits only while a majority, ⌊N/2⌋+1, is healthy.
 * Removing a member is safe exactly when the healthy members are a majority both before (etcd must commit
 * the removal) and after it (the smaller cluster must still work). Learners never count: they do not vote.
 *
 * @module
 */

/** Members needed to commit in a cluster of `voting` voting members. */
export function quorumOf(voting: number): number {
  if (!Number.isInteger(voting) || voting < 0) throw new RangeError(`Cannot size a quorum of ${voting} members`);
  return Math.floor(voting / 2) + 1;
}

/** Whether `healthy` of `voting` voting members can commit. An empty cluster cannot. */
export function hasQuorum(voting: number, healthy: number): boolean {
  return voting > 0 && healthy >= quorumOf(voting);
}

/**
 * Whether removing `removed` voting members (`removedHealthy` of them healthy; a dead member usually is not) from
 * `voting`, of which `healthy` are healthy, keeps the cluster working: quorum now, so the removal commits, and
 * quorum afterwards, with at least one member left.
 */
export function removalKeepsQuorum(voting: number, healthy: number, removed: number, removedHealthy = 0): boolean {
  if (removed < 0 || removed > voting || removedHealthy > removed || removedHealthy > healthy) {
    throw new RangeError(`Cannot remove ${removed} (${removedHealthy} healthy) of ${voting} members`);
  }
  return hasQuorum(voting, healthy) && hasQuorum(voting - removed, healthy - removedHealthy);
}

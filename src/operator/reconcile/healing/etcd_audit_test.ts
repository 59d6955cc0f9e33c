import { assertEquals, assertMatch, assertOk } from "../../../../tests/assert.ts";
import type { EtcdMember } from "../../../talos/api_client.ts";
import { assessJoin, auditEtcd, type ControlPlaneEtcd, type EtcdAuditInput } from "./etcd_audit.ts";

const member = (n: number, isLearner = false): EtcdMember => ({
  id: BigInt(0x1000 + n),
  hostname: `demo-cp-${n}`,
  peerUrls: [`https://10.0.0.${n + 1}:2380`],
  clientUrls: [`https://10.0.0.${n + 1}:2379`],
  isLearner,
});

/** `count` control planes sharing `members`; those in `down` do not answer. */
function cluster(count: number, down: number[], members = range(count).map((n) => member(n))): ControlPlaneEtcd[] {
  return range(count).map((n) => ({
    name: `demo-cp-${n}`,
    privateIp: `10.0.0.${n + 1}`,
    members: down.includes(n) ? undefined : members,
    etcdHealthy: !down.includes(n),
    error: down.includes(n) ? "UNAVAILABLE: connection refused" : undefined,
  }));
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function input(observed: ControlPlaneEtcd[], dead: string, extra: Partial<EtcdAuditInput> = {}): EtcdAuditInput {
  return {
    observed,
    dead,
    knownDead: new Set([dead]),
    servers: new Set(observed.map((o) => o.name)),
    ...extra,
  };
}

Deno.test("auditEtcd() allows removing the dead member of 3 with one down, through a healthy control plane", () => {
  const audit = auditEtcd(input(cluster(3, [2]), "demo-cp-2"));
  assertOk(audit.ok);
  assertEquals(audit.removals, [{ id: 0x1002n, hostname: "demo-cp-2", why: "replaced" }]);
  assertEquals(audit.via.name, "demo-cp-1");
});

Deno.test("auditEtcd() refuses with QuorumAtRisk naming the members when 2 of 3 are down", () => {
  const audit = auditEtcd(input(cluster(3, [2, 3]), "demo-cp-2", { knownDead: new Set(["demo-cp-2", "demo-cp-3"]) }));
  assertOk(!audit.ok);
  assertEquals(audit.reason, "QuorumAtRisk");
  assertMatch(audit.message, /only 1 of 3 voting members are healthy, 2 are needed/);
  assertMatch(audit.message, /members demo-cp-1, demo-cp-2, demo-cp-3; down: demo-cp-2, demo-cp-3/);
});

Deno.test("auditEtcd() with 5 members: 2 known dead may go one at a time, 3 down is QuorumAtRisk", () => {
  const two = auditEtcd(input(cluster(5, [4, 5]), "demo-cp-4", { knownDead: new Set(["demo-cp-4", "demo-cp-5"]) }));
  assertOk(two.ok);
  assertEquals(two.removals.map((r) => r.hostname), ["demo-cp-4"]);
  const three = auditEtcd(input(cluster(5, [3, 4, 5]), "demo-cp-3", {
    knownDead: new Set(["demo-cp-3", "demo-cp-4", "demo-cp-5"]),
  }));
  assertEquals(!three.ok && three.reason, "QuorumAtRisk");
});

Deno.test("auditEtcd() waits when another member is unhealthy but its node is not past the threshold", () => {
  const audit = auditEtcd(input(cluster(5, [4, 5]), "demo-cp-4"));
  assertEquals(!audit.ok && audit.reason, "EtcdMemberUnhealthy");
  assertMatch(!audit.ok ? audit.message : "", /demo-cp-5 is unhealthy/);
});

Deno.test("auditEtcd() refuses the only member of a one-control-plane cluster", () => {
  const audit = auditEtcd(input(cluster(1, [1]), "demo-cp-1"));
  assertEquals(!audit.ok && audit.reason, "QuorumAtRisk");
});

Deno.test("auditEtcd() removes members whose server no longer exists first, counting them in the arithmetic", () => {
  // Six members: cp-1..5 and a stray cp-9 whose server is gone; cp-5 is dead. 4 of 6 healthy, 4 of 4 after.
  const members = [...range(5).map((n) => member(n)), member(9)];
  const audit = auditEtcd(input(cluster(5, [5], members), "demo-cp-5"));
  assertOk(audit.ok);
  assertEquals(audit.removals.map((r) => [r.hostname, r.why]), [["demo-cp-9", "no-server"], ["demo-cp-5", "replaced"]]);
  // Four members with a stray and a dead one: 2 healthy of 4 is no quorum, nothing may be removed.
  const refused = auditEtcd(input(cluster(3, [3], [...range(3).map((n) => member(n)), member(9)]), "demo-cp-3"));
  assertEquals(!refused.ok && refused.reason, "QuorumAtRisk");
});

Deno.test("auditEtcd() refuses when control planes report different member lists", () => {
  const observed = cluster(3, [3]);
  observed[1] = { ...observed[1]!, members: [member(1), member(2)] };
  const audit = auditEtcd(input(observed, "demo-cp-3"));
  assertEquals(!audit.ok && audit.reason, "EtcdMemberListMismatch");
  assertMatch(
    !audit.ok ? audit.message : "",
    /demo-cp-1 lists demo-cp-1, demo-cp-2, demo-cp-3; demo-cp-2 lists demo-cp-1, demo-cp-2/,
  );
});

Deno.test("auditEtcd() waits for a learner to vote, unless quorum is already lost", () => {
  // cp-4 joins as a learner while cp-3 is dead: 2 of 3 voters healthy, but one replacement at a time.
  const members = [member(1), member(2), member(3), member(4, true)];
  const joining = auditEtcd(input(cluster(4, [3], members), "demo-cp-3"));
  assertEquals(!joining.ok && joining.reason, "EtcdMemberJoining");
  // cp-1 is being replaced (its new server joins as a learner) and cp-2 fails: one healthy voter of two.
  const lost = auditEtcd(input(cluster(3, [2], [member(1, true), member(2), member(3)]), "demo-cp-2"));
  assertEquals(!lost.ok && lost.reason, "QuorumAtRisk");
});

Deno.test("auditEtcd() goes ahead with nothing to remove when the dead member already left (after a restart)", () => {
  const audit = auditEtcd(input(cluster(3, [3], [member(1), member(2)]), "demo-cp-3"));
  assertOk(audit.ok);
  assertEquals(audit.removals, []);
});

Deno.test("auditEtcd() is QuorumAtRisk when no control plane answers", () => {
  const audit = auditEtcd(input(cluster(3, [1, 2, 3]), "demo-cp-1"));
  assertEquals(!audit.ok && audit.reason, "QuorumAtRisk");
  assertMatch(!audit.ok ? audit.message : "", /demo-cp-1 \(UNAVAILABLE: connection refused\)/);
});

Deno.test("assessJoin() is done only once the new control plane votes and its etcd is healthy", () => {
  const learner = cluster(3, [], [member(1), member(2), member(3, true)]);
  assertEquals(assessJoin(learner, "demo-cp-3"), {
    state: "pending",
    detail: "etcd member demo-cp-3 is still a learner",
    members: [member(1), member(2), member(3, true)],
  });
  assertEquals(assessJoin(cluster(3, []), "demo-cp-3").state, "voting");
  const absent = assessJoin(cluster(3, [3], [member(1), member(2)]), "demo-cp-3");
  assertEquals(absent.state === "pending" && absent.detail, "etcd does not list demo-cp-3 yet");
  // A second control plane fails while the first one's replacement joins.
  const lost = assessJoin(cluster(3, [2, 3], [member(1), member(2), member(3, true)]), "demo-cp-3");
  assertEquals(lost.state, "quorum-at-risk");
});

import { assertEquals, assertThrows } from "../../../../tests/assert.ts";
import { hasQuorum, quorumOf, removalKeepsQuorum } from "./etcd_quorum.ts";

Deno.test("quorumOf() is a majority: 1 of 1, 2 of 2 and 3, 3 of 4 and 5", () => {
  assertEquals([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
  assertThrows(() => quorumOf(-1), RangeError);
});

Deno.test("removing a dead member keeps quorum for 3 or 5 members with one down, never for 1 member", () => {
  // [members, down] -> whether one dead member may be removed
  const table: Array<[number, number, boolean]> = [
    [1, 0, false], // removing the only member leaves nothing
    [1, 1, false],
    [3, 0, true], // removing a healthy one: 2 of 2 left; removalKeepsQuorum is asked with removedHealthy below
    [3, 1, true],
    [3, 2, false], // 1 of 3 healthy: no quorum, the removal cannot commit
    [5, 0, true],
    [5, 1, true],
    [5, 2, true], // 3 of 5 healthy, 3 of 4 after
    [5, 3, false],
  ];
  for (const [members, down, expected] of table) {
    const healthy = members - down;
    const removedHealthy = down > 0 ? 0 : 1;
    assertEquals(
      removalKeepsQuorum(members, healthy, 1, removedHealthy),
      expected,
      `${members} members, ${down} down`,
    );
  }
});

Deno.test("hasQuorum() is false for an empty cluster and for a healthy minority", () => {
  assertEquals([hasQuorum(0, 0), hasQuorum(2, 1), hasQuorum(2, 2), hasQuorum(4, 2), hasQuorum(4, 3)], [
    false,
    false,
    true,
    false,
    true,
  ]);
  assertThrows(() => removalKeepsQuorum(3, 2, 4), RangeError);
});

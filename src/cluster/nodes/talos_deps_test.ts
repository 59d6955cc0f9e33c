import { assertEquals } from "../../../tests/assert.ts";
import { createMaintenanceClient, GrpcCode, TalosError } from "../../talos/api_client.ts";
import { waitReasonOf } from "./talos_deps.ts";

const site = { method: "/machine.MachineService/Version", endpoint: "127.2.1.2:50000" };

Deno.test("waitReasonOf() shows a rebooting node's failures as plain waiting reasons", () => {
  const cases: [TalosError, string][] = [
    [
      new TalosError(GrpcCode.UNAVAILABLE, "connection failed: connect ECONNREFUSED 127.2.1.2:50000", site),
      "connection refused",
    ],
    [
      new TalosError(
        GrpcCode.UNAVAILABLE,
        "TLS handshake failed: Client network socket disconnected before secure TLS connection was established",
        site,
      ),
      "connection closed",
    ],
    [new TalosError(GrpcCode.DEADLINE_EXCEEDED, "deadline of 10000 ms exceeded", site), "no answer yet"],
  ];
  for (const [err, expected] of cases) assertEquals(waitReasonOf(err), expected, err.details);
});

Deno.test("waitReasonOf() keeps the code and details of failures that are not a reboot", () => {
  const denied = new TalosError(GrpcCode.PERMISSION_DENIED, "not authorized", site);
  assertEquals(waitReasonOf(denied), "PERMISSION_DENIED: not authorized");
  // A certificate the node does not trust is not healed by waiting: it stays visible as what it is.
  const untrusted = new TalosError(
    GrpcCode.UNAVAILABLE,
    "TLS handshake failed: unable to verify the first certificate",
    site,
  );
  assertEquals(waitReasonOf(untrusted), "UNAVAILABLE: TLS handshake failed: unable to verify the first certificate");
});

Deno.test("waitReasonOf() reads the real Talos client's error for a closed port as 'connection refused'", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = createMaintenanceClient({ endpoint: `127.0.0.1:${port}` });
  try {
    const err = await client.version({ timeoutMs: 5_000 }).then(() => undefined, (e) => e);
    assertEquals(waitReasonOf(err), "connection refused");
  } finally {
    await client.close();
  }
});

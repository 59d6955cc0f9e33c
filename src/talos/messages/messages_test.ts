import { assertEquals } from "../../../tests/assert.ts";
import { decodeMetadata, decodeReplies, encodeData, encodeReplies } from "./common.ts";
import { decodeApplyConfigurationRequest, encodeApplyConfigurationRequest } from "./apply.ts";
import { decodeEtcdMembers, encodeEtcdMembers, encodeEtcdRemoveMemberByIdRequest } from "./etcd.ts";
import { decodeServiceList, encodeServiceList } from "./services.ts";
import { decodeResetRequest, encodeResetRequest } from "./lifecycle.ts";
import { decodeVersion } from "./version.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("ApplyConfigurationRequest uses fields 1 (data), 4 (mode), 5 (dry_run), 6 (try timeout)", () => {
  const bytes = encodeApplyConfigurationRequest({
    data: new TextEncoder().encode("ab"),
    mode: "STAGED",
    dryRun: true,
    tryModeTimeoutMs: 1500,
  });
  // 0a 02 "ab" / 20 03 / 28 01 / 32 08 (08 01 10 80 ca b5 ee 01) = 1 s + 500 000 000 ns
  assertEquals(hex(bytes), "0a 02 61 62 20 03 28 01 32 08 08 01 10 80 ca b5 ee 01");
  assertEquals(decodeApplyConfigurationRequest(bytes).tryModeTimeoutMs, 1500);
  // REBOOT is the proto3 default (0) and is therefore not written.
  assertEquals(hex(encodeApplyConfigurationRequest({ data: new Uint8Array([1]), mode: "REBOOT" })), "0a 01 01");
});

Deno.test("EtcdRemoveMemberByIDRequest keeps a 64-bit member id exact", () => {
  const id = 0xfedcba9876543210n;
  assertEquals(hex(encodeEtcdRemoveMemberByIdRequest({ memberId: id })), "08 90 e4 d0 b2 87 d3 ae ee fe 01");
  const reply = encodeReplies([{
    legacyMembers: [],
    members: [{ id, hostname: "cp-1", peerUrls: ["https://10.0.1.1:2380"], clientUrls: [], isLearner: true }],
  }], encodeEtcdMembers);
  assertEquals(decodeReplies(reply, decodeEtcdMembers)[0]?.members[0]?.id, id);
});

Deno.test("decoders skip fields they do not know, as newer Talos versions add some", () => {
  // Version{ metadata{hostname:"n"}, field 9 varint 5, field 10 bytes "zz", version{tag:"v1"} }
  const bytes = new Uint8Array([
    0x0a,
    0x03,
    0x0a,
    0x01,
    0x6e,
    0x48,
    0x05,
    0x52,
    0x02,
    0x7a,
    0x7a,
    0x12,
    0x04,
    0x0a,
    0x02,
    0x76,
    0x31,
  ]);
  const version = decodeVersion(bytes);
  assertEquals(version.metadata, { hostname: "n" });
  assertEquals(version.version?.tag, "v1");
});

Deno.test("common.Metadata carries the node error and google.rpc.Status", () => {
  // hostname "h", error "e", status{code 14, message "m"}
  const bytes = new Uint8Array([0x0a, 0x01, 0x68, 0x12, 0x01, 0x65, 0x1a, 0x05, 0x08, 0x0e, 0x12, 0x01, 0x6d]);
  assertEquals(decodeMetadata(bytes), { hostname: "h", error: "e", status: { code: 14, message: "m" } });
  assertEquals(hex(encodeData({ metadata: { hostname: "h" }, bytes: new Uint8Array([1]) })), "0a 03 0a 01 68 12 01 01");
});

Deno.test("ServiceList and ResetRequest round-trip through encode and decode", () => {
  const ts = new Date("2026-01-02T03:04:05.678Z");
  const services = {
    services: [{
      id: "etcd",
      state: "Running",
      events: [{ msg: "ok", state: "Running", ts }],
      health: { unknown: false, healthy: true, lastMessage: "", lastChange: ts },
    }],
  };
  assertEquals(decodeServiceList(encodeServiceList(services)), services);
  const reset = {
    graceful: true,
    reboot: false,
    systemPartitionsToWipe: [{ label: "EPHEMERAL", wipe: true }],
    userDisksToWipe: ["/dev/sdb"],
    mode: "SYSTEM_DISK" as const,
  };
  assertEquals(decodeResetRequest(encodeResetRequest(reset)), reset);
});

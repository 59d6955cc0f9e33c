/**
 * Cross-checks our gRPC halves against an independent implementation, `@grpc/grpc-js`: our client against a
 * grpc-js server, and a grpc-js client against our fake node. A framing or trailer mistake shared by our own
 * client and server cannot hide here.
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { createMaintenanceClient, createTalosClient, TalosError } from "../../src/talos/api_client.ts";
import { decodeData, decodeReplies, encodeData, encodeReplies } from "../../src/talos/messages/common.ts";
import { decodeVersion, encodeVersion } from "../../src/talos/messages/version.ts";
import { encodeApplyConfigurationRequest } from "../../src/talos/messages/apply.ts";
import { issueCertificate } from "../../src/talos/pki.ts";
import { startFakeTalosNode } from "./mod.ts";
import { createTestPki, fillEtcd, renderTestMachineConfig } from "./fixtures.ts";
import { packKubeconfigArchive } from "./archive.ts";
import { withFakes } from "../fake_contracts.ts";

const pki = await createTestPki();
const raw = {
  serialize: (value: Uint8Array) => Buffer.from(value),
  deserialize: (bytes: Buffer) => new Uint8Array(bytes),
};
// Method paths as written in the Talos API facts, not taken from our client's table.
const VERSION = "/machine.MachineService/Version";
const KUBECONFIG = "/machine.MachineService/Kubeconfig";
const SNAPSHOT = "/machine.MachineService/EtcdSnapshot";
const BOOTSTRAP = "/machine.MachineService/Bootstrap";
const APPLY = "/machine.MachineService/ApplyConfiguration";
const RECOVER = "/machine.MachineService/EtcdRecover";

function method(
  path: string,
  responseStream: boolean,
  requestStream = false,
): grpc.MethodDefinition<Uint8Array, Uint8Array> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  };
}

Deno.test(
  withFakes("our client talks to a @grpc/grpc-js server: unary, stream, error status and metadata", async () => {
    const notBefore = new Date(Date.now() - 60_000);
    const serverCert = await issueCertificate(pki.ca, {
      algorithm: "Ed25519",
      commonName: "grpc-js",
      ipAddresses: ["127.0.41.50"],
      usage: "server",
      notBefore,
      validityDays: 1,
    });
    const seenNodes: string[][] = [];
    const uploaded: Uint8Array[] = [];
    const kubeconfig = "apiVersion: v1\nkind: Config\n# " + "y".repeat(40_000) + "\n";
    const archive = await packKubeconfigArchive(kubeconfig, new Date(0));
    const server = new grpc.Server();
    server.addService({
      Version: method(VERSION, false),
      Kubeconfig: method(KUBECONFIG, true),
      EtcdSnapshot: method(SNAPSHOT, true),
      Bootstrap: method(BOOTSTRAP, false),
      EtcdRecover: method(RECOVER, false, true),
    }, {
      Version: (call: grpc.ServerUnaryCall<Uint8Array, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) => {
        // node:http2 joins repeated header fields with ", " on receipt (the wire carries one field per value,
        // see channel_test.ts); grpc-go keeps them apart.
        const hosts = call.metadata.get("nodes").flatMap((v) => String(v).split(/,\s*/));
        seenNodes.push(hosts);
        callback(
          null,
          encodeReplies(
            hosts.map((h) => ({
              metadata: { hostname: h },
              version: { tag: "v1.13.9", sha: "", built: "", goVersion: "", os: "linux", arch: "arm64" },
            })),
            encodeVersion,
          ),
        );
      },
      Kubeconfig: (call: grpc.ServerWritableStream<Uint8Array, Uint8Array>) => {
        for (let offset = 0; offset < archive.length; offset += 100) {
          call.write(encodeData({ bytes: archive.subarray(offset, offset + 100) }));
        }
        call.end();
      },
      EtcdSnapshot: (call: grpc.ServerWritableStream<Uint8Array, Uint8Array>) => {
        call.write(encodeData({ bytes: new Uint8Array([1, 2, 3]) }));
        call.write(encodeData({ bytes: new Uint8Array([4, 5, 6]) }));
        call.emit("error", { code: grpc.status.DATA_LOSS, details: "snapshot torn: ünïcode & 100%" });
      },
      Bootstrap: (_call: grpc.ServerUnaryCall<Uint8Array, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) => {
        callback({ code: grpc.status.ALREADY_EXISTS, details: "etcd data directory is not empty" });
      },
      // Takes uploads up to 300 000 bytes; a larger one is refused as soon as it passes that.
      EtcdRecover: (
        call: grpc.ServerReadableStream<Uint8Array, Uint8Array>,
        callback: grpc.sendUnaryData<Uint8Array>,
      ) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        let refused = false;
        call.on("data", (message: Uint8Array) => {
          const bytes = decodeData(message).bytes;
          chunks.push(bytes);
          size += bytes.length;
          if (size > 300_000 && !refused) {
            refused = true;
            callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: "no space left on device" });
          }
        });
        call.on("end", () => {
          if (refused) return;
          uploaded.push(Buffer.concat(chunks));
          callback(null, encodeReplies([{}], () => new Uint8Array(0)));
        });
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(pki.ca.certPem),
      [{ private_key: Buffer.from(serverCert.keyPem), cert_chain: Buffer.from(serverCert.certPem) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.41.50:0", credentials, (err, p) => (err ? reject(err) : resolve(p)))
    );
    const client = createTalosClient({ endpoint: `127.0.41.50:${port}`, caPem: pki.ca.certPem, ...pki.admin });
    try {
      const versions = await client.version({ nodes: ["10.0.1.1", "10.0.1.2"] });
      assertEquals(versions.map((v) => [v.node, v.version?.arch]), [["10.0.1.1", "arm64"], ["10.0.1.2", "arm64"]]);
      assertEquals(seenNodes, [["10.0.1.1", "10.0.1.2"]]);

      assertEquals(await client.kubeconfig(), kubeconfig);

      const chunks: number[] = [];
      const failure = await client.etcdSnapshot({ write: (c) => chunks.push(...c) }).then(() => undefined, (e) => e);
      assertOk(failure instanceof TalosError, `expected TalosError, got ${failure}`);
      assertEquals(failure.codeName, "DATA_LOSS");
      assertEquals(failure.details, "snapshot torn: ünïcode & 100%");
      assertEquals(chunks, [1, 2, 3, 4, 5, 6], "messages before the error are delivered, then the error");

      const bootstrap = await client.bootstrap().then(() => undefined, (e) => e);
      assertOk(bootstrap instanceof TalosError);
      assertEquals(bootstrap.codeName, "ALREADY_EXISTS");
      assertMatch(bootstrap.message, /etcd data directory is not empty/);

      // Client streaming: 200 000 bytes from a web stream in uneven pieces arrive whole and in order.
      const snapshot = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
      const pieces = [snapshot.subarray(0, 7), snapshot.subarray(7, 150_007), snapshot.subarray(150_007)];
      const sent = await client.etcdRecover(ReadableStream.from(pieces));
      assertEquals(sent.bytes, 200_000);
      assertEquals(uploaded.map((u) => new Uint8Array(u)), [snapshot]);

      // A server that refuses midway stops the upload: its status, not a write error, reaches the caller.
      const tooBig = await client.etcdRecover(new Uint8Array(4_000_000)).then(() => undefined, (e) => e);
      assertOk(tooBig instanceof TalosError, `expected TalosError, got ${tooBig}`);
      assertEquals(tooBig.codeName, "RESOURCE_EXHAUSTED");
      assertEquals(tooBig.details, "no space left on device");
      assertEquals(uploaded.length, 1);
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  }),
);

Deno.test(
  withFakes(
    "a @grpc/grpc-js client talks to our fake node: unary, streams both ways, denial and a stream cut midway",
    async () => {
      const node = await startFakeTalosNode({ hostname: "127.0.41.51", port: 0, rebootDelayMs: 10 });
      // In maintenance mode a config Talos refuses comes back as status 3 (InvalidArgument) with Talos' text.
      const insecure = new grpc.Client(
        node.endpoint,
        grpc.credentials.createSsl(Buffer.from(node.maintenanceCaPem), null, null, {
          checkServerIdentity: () => undefined,
        }),
        { "grpc.ssl_target_name_override": "maintenance.test" },
      );
      const badConfig = renderTestMachineConfig(pki).replace(
        "endpoint: https://127.0.0.1:6443",
        "endpoint: https://:6443",
      );
      const refused = await new Promise<grpc.ServiceError | undefined>((resolve) =>
        insecure.makeUnaryRequest(
          APPLY,
          raw.serialize,
          raw.deserialize,
          encodeApplyConfigurationRequest({ data: new TextEncoder().encode(badConfig), mode: "REBOOT" }),
          (err) => resolve(err ?? undefined),
        )
      );
      insecure.close();
      assertEquals(refused?.code, 3);
      assertEquals(refused?.code, grpc.status.INVALID_ARGUMENT);
      assertEquals(
        refused?.details,
        "1 error occurred:\n\t* v1alpha1.Config: 1 error occurred:\n\t* invalid controlplane endpoint: hostname must not be blank\n\n\n\n",
      );
      assertEquals(node.state.mode, "maintenance");
      const maintenance = createMaintenanceClient({ endpoint: node.endpoint });
      await maintenance.applyConfiguration(renderTestMachineConfig(pki, { certSans: ["fake-node.test"] }), {
        mode: "REBOOT",
      });
      await maintenance.close();
      await node.waitForBoot();
      const connect = (cert: { certPem: string; keyPem: string }) =>
        new grpc.Client(
          node.endpoint,
          grpc.credentials.createSsl(Buffer.from(pki.ca.certPem), Buffer.from(cert.keyPem), Buffer.from(cert.certPem)),
          { "grpc.ssl_target_name_override": "fake-node.test", "grpc.default_authority": "fake-node.test" },
        );
      const admin = connect(pki.admin);
      const reader = connect(pki.reader);
      const unary = (client: grpc.Client, path: string) =>
        new Promise<Uint8Array>((resolve, reject) =>
          client.makeUnaryRequest(
            path,
            raw.serialize,
            raw.deserialize,
            new Uint8Array(0),
            (err, value) => err ? reject(err) : resolve(value!),
          )
        );
      const stream = (client: grpc.Client, path: string) =>
        new Promise<{ bytes: number; error?: grpc.ServiceError }>((resolve) => {
          const call = client.makeServerStreamRequest(path, raw.serialize, raw.deserialize, new Uint8Array(0));
          let bytes = 0;
          call.on("data", (message: Uint8Array) => (bytes += message.length));
          call.on("error", (error: grpc.ServiceError) => resolve({ bytes, error }));
          call.on("end", () => resolve({ bytes }));
        });
      try {
        const versions = decodeReplies(await unary(admin, VERSION), decodeVersion);
        assertEquals(versions.map((v) => v.version?.tag), ["v1.13.9"]);

        const kubeconfig = await stream(admin, KUBECONFIG);
        assertEquals(kubeconfig.error, undefined);
        assertOk(kubeconfig.bytes > 0);

        const denied = await unary(reader, BOOTSTRAP).then(() => undefined, (e: grpc.ServiceError) => e);
        assertEquals(denied?.code, grpc.status.PERMISSION_DENIED);
        assertEquals(denied?.details, "not authorized");

        await unary(admin, BOOTSTRAP);
        fillEtcd(node, 100_000);
        node.faults.cutStreamAfter("EtcdSnapshot", 2, { code: grpc.status.INTERNAL, message: "disk on fire" });
        const cut = await stream(admin, SNAPSHOT);
        assertEquals(cut.error?.code, grpc.status.INTERNAL);
        assertEquals(cut.error?.details, "disk on fire");
        assertOk(cut.bytes > 0 && cut.bytes < 100_000, `got ${cut.bytes} bytes before the cut`);

        const full = await stream(admin, SNAPSHOT);
        assertEquals(full.error, undefined);

        // Client streaming into the fake: the upload is kept whole for a recovery; a reader may not upload.
        const upload = (client: grpc.Client, chunks: Uint8Array[]) =>
          new Promise<Uint8Array>((resolve, reject) => {
            const call = client.makeClientStreamRequest(
              RECOVER,
              raw.serialize,
              raw.deserialize,
              (err, value) => err ? reject(err) : resolve(value!),
            );
            for (const bytes of chunks) call.write(encodeData({ bytes }));
            call.end();
          });
        const snapshot = node.etcdSnapshotBytes();
        await upload(admin, [snapshot.subarray(0, 1000), snapshot.subarray(1000, 50_000), snapshot.subarray(50_000)]);
        assertEquals(node.state.recoverySnapshot, snapshot);
        const refused = await upload(reader, [snapshot]).then(() => undefined, (e: grpc.ServiceError) => e);
        assertEquals(refused?.code, grpc.status.PERMISSION_DENIED);
      } finally {
        admin.close();
        reader.close();
        await node.close();
      }
    },
  ),
);

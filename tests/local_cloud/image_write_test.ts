import { assertEquals, assertMatch } from "../assert.ts";
import { commandName, parseImageWriteCommand, renderDdReport } from "./image_write.ts";

const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const URL_AMD64 = `https://factory.talos.dev/image/${SCHEMATIC}/v1.13.9/hcloud-amd64.raw.xz`;

Deno.test("parseImageWriteCommand() reads the factory URL, version, architecture and target disk", () => {
  assertEquals(parseImageWriteCommand(`curl -fsSL ${URL_AMD64} | xz -d | dd of=/dev/sda bs=4M && sync`), {
    url: URL_AMD64,
    schematicId: SCHEMATIC,
    talosVersion: "v1.13.9",
    arch: "amd64",
    device: "/dev/sda",
  });
});

Deno.test("parseImageWriteCommand() accepts a disk lookup prefix, wget, xz -dc and a variable device", () => {
  const url = URL_AMD64.replace("amd64", "arm64").replace("v1.13.9", "v1.13.0-beta.1");
  const command = `set -euo pipefail; DISK=$(lsblk -d -n -o NAME | grep -E '^sda|^vda' | head -n 1); ` +
    `wget -qO- ${url} | xz -dc | dd of=/dev/$DISK bs=4M conv=fsync status=none && sync`;
  const write = parseImageWriteCommand(command);
  assertEquals([write?.arch, write?.talosVersion, write?.device], ["arm64", "v1.13.0-beta.1", "/dev/$DISK"]);
});

Deno.test("parseImageWriteCommand() refuses commands that do not download, decompress and dd in that order", () => {
  const refused = [
    `curl -fsSL ${URL_AMD64} > /tmp/image.xz`,
    `curl -fsSL ${URL_AMD64} | dd of=/dev/sda`,
    `curl -fsSL ${URL_AMD64} | xz -d > /dev/null`,
    `dd of=/dev/sda < x | xz -d | curl ${URL_AMD64}`,
    `curl -fsSL https://github.com/siderolabs/talos/releases/download/v1.13.9/metal-amd64.raw.zst | zstd -d | dd of=/dev/sda`,
    `curl -fsSL https://factory.talos.dev/image/not-a-schematic/v1.13.9/hcloud-amd64.raw.xz | xz -d | dd of=/dev/sda`,
    `cat ${URL_AMD64} | xz -d | dd of=/dev/sda`,
  ];
  assertEquals(refused.map(parseImageWriteCommand), refused.map(() => undefined));
});

Deno.test("renderDdReport() looks like GNU dd's closing lines", () => {
  const report = renderDdReport(1_306_525_696, 6.5);
  assertMatch(report, /^0\+19936 records in\n0\+19936 records out\n/);
  assertMatch(report, /1306525696 bytes \(1\.3 GB, 1\.2 GiB\) copied, 6\.50 s, 201 MB\/s\n$/);
});

Deno.test("commandName() names the program bash would not find", () => {
  assertEquals([commandName("  apt-get update && x"), commandName("lsblk|grep sda")], ["apt-get", "lsblk"]);
});

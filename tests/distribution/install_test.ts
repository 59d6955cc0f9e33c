/**
 * Runs `scripts/install.sh` with /bin/sh against a fake release served on 127.0.0.1: the
 * "binaries" are tiny shell scripts that print a version, so the installer's final
 * `k8zner version` really runs what it installed.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { assetName, TARGETS } from "../../scripts/compile.ts";
import { binary, requires } from "../requirements.ts";

const installSh = new URL("../../scripts/install.sh", import.meta.url).pathname;
const SHELLCHECK = binary("shellcheck");

/** One release as the fake server publishes it. */
interface FakeRelease {
  version: string;
  assets: Record<string, string>;
  /** Replaces checksums.txt (for tampering). */
  checksums?: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A release with one fake binary per published platform, each printing its version and name. */
function fakeRelease(version: string): FakeRelease {
  const assets: Record<string, string> = {};
  for (const name of ["linux-x86_64", "linux-aarch64", "darwin-x86_64", "darwin-aarch64"]) {
    assets[`k8zner-${name}`] = `#!/bin/sh\necho "k8zner ${version} (fake ${name})"\n`;
  }
  return { version, assets };
}

async function checksumsOf(release: FakeRelease): Promise<string> {
  if (release.checksums !== undefined) return release.checksums;
  const lines = await Promise.all(
    Object.entries(release.assets).map(async ([name, body]) => `${await sha256Hex(body)}  ${name}`),
  );
  return lines.join("\n") + "\n";
}

/** Serves releases laid out like GitHub's; the first release is "latest". Records every path asked for. */
async function serveReleases(releases: FakeRelease[]) {
  const files = new Map<string, string>();
  for (const [i, release] of releases.entries()) {
    const dirs = [`/releases/download/v${release.version}`, ...(i === 0 ? ["/releases/latest/download"] : [])];
    for (const dir of dirs) {
      for (const [name, body] of Object.entries(release.assets)) files.set(`${dir}/${name}`, body);
      files.set(`${dir}/checksums.txt`, await checksumsOf(release));
    }
  }
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const body = files.get(path);
    return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
  });
  return { baseUrl: `http://127.0.0.1:${server.addr.port}/releases`, requests, close: () => server.shutdown() };
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs install.sh with a clean environment: HOME and TMPDIR inside `root`, uname overridable. */
async function runInstaller(root: string, baseUrl: string, args: string[] = [], env: Record<string, string> = {}) {
  await Deno.mkdir(`${root}/home`, { recursive: true });
  await Deno.mkdir(`${root}/tmp`, { recursive: true });
  const out = await new Deno.Command("/bin/sh", {
    args: [installSh, ...args],
    clearEnv: true,
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: `${root}/home`,
      TMPDIR: `${root}/tmp`,
      K8ZNER_BASE_URL: baseUrl,
      K8ZNER_UNAME_S: "Linux",
      K8ZNER_UNAME_M: "x86_64",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) } satisfies RunResult;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function listDir(path: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(path))).map((e) => e.name).sort();
}

/** Gives a test a temp root and a fake release server, and cleans both up. */
async function withReleases(
  releases: FakeRelease[],
  fn: (root: string, server: Awaited<ReturnType<typeof serveReleases>>) => Promise<void>,
) {
  const root = await Deno.makeTempDir({ prefix: "k8zner-install-test-" });
  const server = await serveReleases(releases);
  try {
    await fn(root, server);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("install.sh installs the verified latest binary into ~/.local/bin and prints its version", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const r = await runInstaller(root, server.baseUrl);
    assertEquals(r.code, 0, r.stderr);
    const bin = `${root}/home/.local/bin/k8zner`;
    assertEquals(await Deno.readTextFile(bin), fakeRelease("1.2.3").assets["k8zner-linux-x86_64"]);
    assertEquals((await Deno.stat(bin)).mode! & 0o777, 0o755);
    assertIncludes(r.stdout, "k8zner 1.2.3 (fake linux-x86_64)");
    assertIncludes(r.stdout, "is not on your PATH");
    assertEquals(server.requests, [
      "/releases/latest/download/k8zner-linux-x86_64",
      "/releases/latest/download/checksums.txt",
    ]);
    assertEquals(await listDir(`${root}/home/.local/bin`), ["k8zner"]);
    assertEquals(await listDir(`${root}/tmp`), [], "the download directory is removed");
  });
});

Deno.test("install.sh run again leaves an identical binary in place and replaces an older one", async () => {
  await withReleases([fakeRelease("1.3.0"), fakeRelease("1.2.3")], async (root, server) => {
    const prefix = `${root}/opt/bin`;
    const first = await runInstaller(root, server.baseUrl, ["--version", "v1.2.3", "--prefix", prefix]);
    assertEquals(first.code, 0, first.stderr);
    assertIncludes(first.stdout, "k8zner 1.2.3");
    const before = await Deno.stat(`${prefix}/k8zner`);

    const again = await runInstaller(root, server.baseUrl, ["--version=1.2.3", `--prefix=${prefix}`]);
    assertEquals(again.code, 0, again.stderr);
    assertIncludes(again.stdout, "already this binary");
    assertIncludes(again.stdout, "k8zner 1.2.3");
    assertEquals((await Deno.stat(`${prefix}/k8zner`)).mtime, before.mtime);

    const upgrade = await runInstaller(root, server.baseUrl, ["--prefix", prefix], { PATH: `${prefix}:/usr/bin:/bin` });
    assertEquals(upgrade.code, 0, upgrade.stderr);
    assertIncludes(upgrade.stdout, "k8zner 1.3.0");
    assertEquals(upgrade.stdout.includes("not on your PATH"), false);
    assertEquals(await listDir(prefix), ["k8zner"]);
    assertEquals(server.requests.filter((p) => p.endsWith("/k8zner-linux-x86_64")), [
      "/releases/download/v1.2.3/k8zner-linux-x86_64",
      "/releases/download/v1.2.3/k8zner-linux-x86_64",
      "/releases/latest/download/k8zner-linux-x86_64",
    ]);
  });
});

Deno.test("install.sh picks the asset from uname for every published platform", async () => {
  const cases = [
    { s: "Linux", m: "x86_64", asset: "k8zner-linux-x86_64" },
    { s: "Linux", m: "aarch64", asset: "k8zner-linux-aarch64" },
    { s: "Linux", m: "arm64", asset: "k8zner-linux-aarch64" },
    { s: "Darwin", m: "x86_64", asset: "k8zner-darwin-x86_64" },
    { s: "Darwin", m: "arm64", asset: "k8zner-darwin-aarch64" },
  ];
  const published = TARGETS.map(assetName);
  await withReleases([fakeRelease("2.0.0")], async (root, server) => {
    for (const c of cases) {
      assertOk(published.includes(c.asset), `${c.asset} is not built by scripts/compile.ts`);
      const prefix = `${root}/${c.s}-${c.m}`;
      const r = await runInstaller(root, server.baseUrl, ["--prefix", prefix], {
        K8ZNER_UNAME_S: c.s,
        K8ZNER_UNAME_M: c.m,
      });
      assertEquals(r.code, 0, r.stderr);
      assertIncludes(r.stdout, `(fake ${c.asset.slice("k8zner-".length)})`);
    }
  });
});

Deno.test("install.sh refuses an unsupported platform before downloading anything", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const bsd = await runInstaller(root, server.baseUrl, [], { K8ZNER_UNAME_S: "FreeBSD", K8ZNER_UNAME_M: "amd64" });
    assertEquals(bsd.code, 1);
    assertMatch(bsd.stderr, /unsupported operating system "FreeBSD".*Linux and macOS/);

    const arm32 = await runInstaller(root, server.baseUrl, [], { K8ZNER_UNAME_M: "armv7l" });
    assertEquals(arm32.code, 1);
    assertMatch(arm32.stderr, /unsupported CPU architecture "armv7l".*x86_64 and aarch64/);

    const windows = await runInstaller(root, server.baseUrl, [], { K8ZNER_UNAME_S: "MINGW64_NT-10.0" });
    assertEquals(windows.code, 1);
    assertIncludes(windows.stderr, "k8zner-windows-x86_64.exe");

    assertEquals(server.requests, []);
    assertEquals(await exists(`${root}/home/.local`), false);
  });
});

Deno.test("install.sh refuses a binary whose checksum does not match and installs nothing", async () => {
  const release = fakeRelease("1.2.3");
  const tampered: FakeRelease = {
    ...release,
    assets: { ...release.assets, "k8zner-linux-x86_64": "#!/bin/sh\necho pwned\n" },
    checksums: await checksumsOf(release),
  };
  await withReleases([tampered], async (root, server) => {
    const fresh = `${root}/fresh/bin`;
    const r = await runInstaller(root, server.baseUrl, ["--prefix", fresh]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /checksum mismatch for k8zner-linux-x86_64: .*nothing was installed/);
    assertEquals(await exists(`${root}/fresh`), false, "no directory is created for a refused download");

    const existing = `${root}/existing`;
    await Deno.mkdir(existing);
    await Deno.writeTextFile(`${existing}/k8zner`, "#!/bin/sh\necho old\n", { mode: 0o755 });
    const again = await runInstaller(root, server.baseUrl, ["--prefix", existing]);
    assertEquals(again.code, 1);
    assertEquals(await Deno.readTextFile(`${existing}/k8zner`), "#!/bin/sh\necho old\n");
    assertEquals(await listDir(existing), ["k8zner"]);
    assertEquals(await listDir(`${root}/tmp`), []);
    assertEquals(r.stdout.includes("pwned") || again.stdout.includes("pwned"), false);
  });
});

Deno.test("install.sh refuses a release whose checksums.txt lacks the asset", async () => {
  const release = { ...fakeRelease("1.2.3"), checksums: `${"0".repeat(64)}  k8zner-darwin-aarch64\n` };
  await withReleases([release], async (root, server) => {
    const r = await runInstaller(root, server.baseUrl);
    assertEquals(r.code, 1);
    assertIncludes(r.stderr, "has no entry for k8zner-linux-x86_64");
    assertEquals(await exists(`${root}/home/.local/bin/k8zner`), false);
  });
});

Deno.test("install.sh reports a missing release and a malformed --version clearly", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const missing = await runInstaller(root, server.baseUrl, ["--version", "9.9.9"]);
    assertEquals(missing.code, 1);
    assertIncludes(missing.stderr, `cannot download ${server.baseUrl}/download/v9.9.9/k8zner-linux-x86_64`);

    for (const bad of ["latest", "1.2", "1.2.3;rm", "../1.2.3"]) {
      const r = await runInstaller(root, server.baseUrl, ["--version", bad]);
      assertEquals(r.code, 2, `--version ${bad}: ${r.stderr}`);
      assertIncludes(r.stderr, "invalid version");
    }
    const unknown = await runInstaller(root, server.baseUrl, ["--force"]);
    assertEquals(unknown.code, 2);
    assertIncludes(unknown.stderr, `unknown option "--force"`);
    assertEquals(server.requests.filter((p) => !p.includes("9.9.9")), []);
  });
});

/** A PATH holding only the named tools (symlinks), to run the installer without the others. */
async function toolPath(root: string, tools: string[]): Promise<string> {
  const dir = `${root}/tools-${tools.join("-")}`;
  await Deno.mkdir(dir, { recursive: true });
  for (const tool of tools) {
    const found = ["/usr/local/bin", "/usr/bin", "/bin"].map((d) => `${d}/${tool}`).find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
    assertOk(found, `${tool} is not installed on this machine`);
    await Deno.symlink(found, `${dir}/${tool}`);
  }
  return dir;
}

const BASE_TOOLS = ["sh", "mktemp", "awk", "rm", "mkdir", "cp", "chmod", "mv"];

Deno.test("install.sh falls back to wget and shasum when curl and sha256sum are missing", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const path = await toolPath(root, [...BASE_TOOLS, "wget", "shasum"]);
    const r = await runInstaller(root, server.baseUrl, [], { PATH: path });
    assertEquals(r.code, 0, r.stderr);
    assertIncludes(r.stdout, "k8zner 1.2.3 (fake linux-x86_64)");
    assertEquals(server.requests.length, 2);
  });
});

Deno.test("install.sh stops with a clear message when no SHA-256 tool exists, installing nothing", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const path = await toolPath(root, [...BASE_TOOLS, "curl"]);
    const r = await runInstaller(root, server.baseUrl, [], { PATH: path });
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      "k8zner install: error: neither sha256sum nor shasum is installed; " +
        "cannot verify the download, so nothing was installed\n",
    );
    assertEquals(server.requests, [], "nothing is downloaded that could not be verified");
    assertEquals(await exists(`${root}/home/.local/bin`), false);
  });
});

Deno.test(requires([SHELLCHECK], {
  name: "install.sh is clean under shellcheck as POSIX sh",
  fn: async () => {
    const out = await new Deno.Command(SHELLCHECK.path, { args: ["--shell=sh", "--severity=style", installSh] })
      .output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stdout));
  },
}));

Deno.test("install.sh refuses a plain http base URL to another host before downloading anything", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const port = new URL(server.baseUrl).port;
    for (
      const bad of [
        "http://example.invalid/releases",
        `http://127.0.0.1.example.invalid:${port}/releases`,
        `http://127.0.0.1@example.invalid:${port}/releases`,
        `http://10.0.0.1:${port}/releases`,
        `http://[::2]:${port}/releases`,
        "ftp://127.0.0.1/releases",
      ]
    ) {
      const r = await runInstaller(root, bad);
      assertEquals(r.code, 2, `${bad}: ${r.stderr}`);
      assertIncludes(r.stderr, `K8ZNER_BASE_URL "${bad}"`);
    }
    assertEquals(server.requests, []);
    assertEquals(await exists(`${root}/home/.local`), false);
  });
});

Deno.test("install.sh accepts plain http to loopback hosts (its own tests) by name and address", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const port = new URL(server.baseUrl).port;
    for (const base of [`http://localhost:${port}/releases`, `http://127.0.0.1:${port}/releases`]) {
      const r = await runInstaller(root, base, ["--prefix", `${root}/bin`]);
      assertEquals(r.code, 0, `${base}: ${r.stderr}`);
      assertIncludes(r.stdout, "k8zner 1.2.3 (fake linux-x86_64)");
    }
    // Nothing listens on [::1] here: accepted means it tries to download (exit 1), not a refusal (exit 2).
    const v6 = await runInstaller(root, "http://[::1]:9/releases", ["--prefix", `${root}/bin`]);
    assertEquals(v6.code, 1, v6.stderr);
    assertIncludes(v6.stderr, "cannot download http://[::1]:9/releases/latest/download/k8zner-linux-x86_64");
  });
});

Deno.test("install.sh downloads over https only: curl gets --proto =https and --tlsv1.2", async () => {
  await withReleases([fakeRelease("1.2.3")], async (root, server) => {
    const path = await toolPath(root, [...BASE_TOOLS, "sha256sum"]);
    // A curl that records its arguments and fails like an unreachable host.
    await Deno.writeTextFile(`${path}/curl`, `#!/bin/sh\nprintf '%s\\n' "$@" >> "${root}/curl-args"\nexit 6\n`, {
      mode: 0o755,
    });
    const r = await runInstaller(root, "https://releases.example.invalid/k8zner", [], { PATH: path });
    assertEquals(r.code, 1);
    assertIncludes(
      r.stderr,
      "cannot download https://releases.example.invalid/k8zner/latest/download/k8zner-linux-x86_64",
    );
    const args = (await Deno.readTextFile(`${root}/curl-args`)).split("\n");
    assertEquals(args.slice(0, 3), ["--proto", "=https", "--tlsv1.2"]);
    assertEquals(server.requests, []);
  });
});

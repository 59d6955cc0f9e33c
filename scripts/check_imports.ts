/**
 * Keeps the import direction of STYLE.md true:
 * lib <- {hcloud, talos, kube, cloudflare, s3, config} <- addons <- cluster <- {bootstrap, operator} <- cli <- main.ts.
 * Clients (hcloud, talos, kube, cloudflare, s3) never import each other; bootstrap and operator never import each other.
 * Production code (src/) never imports tests/.
 *
 * @module
 */
const layers: Record<string, string[]> = {
  lib: ["lib"],
  config: ["lib", "config"],
  hcloud: ["lib", "hcloud"],
  talos: ["lib", "talos", "config"],
  kube: ["lib", "kube"],
  cloudflare: ["lib", "cloudflare"],
  s3: ["lib", "s3"],
  addons: ["lib", "config", "hcloud", "talos", "kube", "addons"],
  cluster: ["lib", "config", "hcloud", "talos", "kube", "cloudflare", "s3", "addons", "cluster"],
  bootstrap: ["lib", "config", "hcloud", "talos", "kube", "cloudflare", "s3", "addons", "cluster", "bootstrap"],
  operator: ["lib", "config", "hcloud", "talos", "kube", "cloudflare", "s3", "addons", "cluster", "operator"],
  cli: [
    "lib",
    "config",
    "hcloud",
    "talos",
    "kube",
    "cloudflare",
    "s3",
    "addons",
    "cluster",
    "bootstrap",
    "operator",
    "cli",
  ],
};

/** Returns the import-direction violations of one src/ file. */
export function violations(file: string, source: string): string[] {
  const parts = file.split("/");
  const area = parts[0] === "src" && parts.length > 2 ? parts[1]! : undefined;
  if (area === undefined) return [];
  const allowed = layers[area];
  const found: string[] = [];
  for (
    const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)
  ) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    const target = new URL(spec, `file:///${file}`).pathname.slice(1).split("/");
    if (target[0] === "tests") {
      found.push(`${file}: production code imports ${spec}`);
      continue;
    }
    if (target[0] !== "src" || target.length < 3) continue;
    const targetArea = target[1]!;
    if (allowed === undefined) found.push(`${file}: unknown area "${area}" (add it to scripts/check_imports.ts)`);
    else if (!allowed.includes(targetArea)) found.push(`${file}: ${area}/ must not import ${targetArea}/ (${spec})`);
  }
  return found;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

if (import.meta.main) {
  const problems: string[] = [];
  for await (const file of walk("src")) problems.push(...violations(file, await Deno.readTextFile(file)));
  if (problems.length > 0) {
    console.error(`import direction violated:\n${problems.join("\n")}`);
    Deno.exit(1);
  }
  console.log("import direction ok");
}

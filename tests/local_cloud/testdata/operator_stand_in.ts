/**
 * Stands in for `k8zner operator` in operator_pods_test.ts: does what the real command does first with
 * what the pod gives it (service account files, KUBERNETES_SERVICE_HOST/PORT, the bind addresses in its
 * args) and prints one JSON line with what it saw; then runs until SIGTERM.
 */
const env = (name: string) => Deno.env.get(name) ?? "";
const dir = env("K8ZNER_SERVICE_ACCOUNT_DIR");
const token = (await Deno.readTextFile(`${dir}/token`)).trim();
const ca = await Deno.readTextFile(`${dir}/ca.crt`);
const namespace = (await Deno.readTextFile(`${dir}/namespace`)).trim();
const client = Deno.createHttpClient({ caCerts: [ca] });
const base = `https://${env("KUBERNETES_SERVICE_HOST")}:${env("KUBERNETES_SERVICE_PORT")}`;
const status = async (path: string) => {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` }, client });
  await res.body?.cancel();
  return res.status;
};
const health = Deno.args.find((a) => a.startsWith("--health-probe-bind-address="))!.split("=")[1]!;
const [hostname, port] = [health.slice(0, health.lastIndexOf(":")), Number(health.slice(health.lastIndexOf(":") + 1))];
const listener = Deno.listen({ hostname, port });
console.log(JSON.stringify({
  args: Deno.args,
  namespace,
  nodes: await status("/api/v1/nodes"),
  secretsList: await status(`/api/v1/namespaces/${namespace}/secrets`),
  env: Object.fromEntries(
    [
      "POD_NAME",
      "POD_NAMESPACE",
      "POD_IP",
      "HCLOUD_TOKEN",
      "HCLOUD_ENDPOINT",
      "K8ZNER_TALOS_ADDRESS_MAP",
      "K8ZNER_CLUSTER",
    ]
      .map((n) => [n, env(n)]),
  ),
}));
Deno.addSignalListener("SIGTERM", () => {
  console.log("terminating");
  listener.close();
  Deno.exit(0);
});
for await (const conn of listener) conn.close();

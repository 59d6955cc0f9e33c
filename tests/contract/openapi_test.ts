/**
 * The contract validator itself: it must find operations, and it must reject what the spec
 * rejects (otherwise a green contract suite would mean nothing).
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { HCLOUD_OPENAPI, OpenApiContract } from "./openapi.ts";
import { requires } from "../requirements.ts";
import { ContractRecorder, createValidatingFetch } from "./validating_fetch.ts";

let loaded: Promise<OpenApiContract> | undefined;
const contract = () => loaded ??= OpenApiContract.load();
const u = (path: string) => new URL(`https://api.hetzner.cloud/v1${path}`);

const action = {
  id: 1,
  command: "start_server",
  status: "running",
  progress: 0,
  started: "2026-01-01T00:00:00+00:00",
  finished: null,
  resources: [{ id: 42, type: "server" }],
  error: null,
};

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "findOperation() prefers static segments and strips the /v1 base path",
  fn: async () => {
    const c = await contract();
    assertEquals(c.operations.length, 189);
    assertEquals(c.findOperation("GET", "/v1/servers/actions")?.key, "GET /servers/actions");
    assertEquals(c.findOperation("GET", "/v1/servers/42")?.key, "GET /servers/{id}");
    assertEquals(c.findOperation("POST", "/servers/42/actions/poweron")?.operationId, "poweron_server");
    assertEquals(c.findOperation("PATCH", "/v1/servers/42"), undefined);
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "validateResponse() accepts a valid action and rejects a wrong enum, a missing field and a bad date",
  fn: async () => {
    const c = await contract();
    assertEquals(c.validateResponse("GET", u("/actions/1"), 200, { action }).errors, []);
    const wrong = c.validateResponse("GET", u("/actions/1"), 200, {
      action: { ...action, status: "done", started: "yesterday", resources: undefined },
    }).errors;
    assertOk(wrong.some((e) => e.includes("/action/status") && e.includes("allowed values")), wrong.join("\n"));
    assertOk(wrong.some((e) => e.includes("resources")), wrong.join("\n"));
    assertOk(wrong.some((e) => e.includes("/action/started") && e.includes("date-time")), wrong.join("\n"));
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "validateResponse() falls back to the 4xx error schema and checks it",
  fn: async () => {
    const c = await contract();
    const good = { error: { code: "not_found", message: "nope", details: null } };
    assertEquals(c.validateResponse("GET", u("/servers/1"), 404, good).errors, []);
    const bad = c.validateResponse("GET", u("/servers/1"), 404, { message: "nope" }).errors;
    assertMatch(bad.join("\n"), /must have required property 'error'/);
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "validateResponse() requires an empty body for 204 and a body where the spec has one",
  fn: async () => {
    const c = await contract();
    assertEquals(c.validateResponse("DELETE", u("/networks/1"), 204, undefined).errors, []);
    assertMatch(c.validateResponse("DELETE", u("/networks/1"), 204, {}).errors.join(), /has no body/);
    assertMatch(c.validateResponse("GET", u("/networks/1"), 200, undefined).errors.join(), /must have a JSON body/);
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "validateRequest() checks bodies, query parameter names and types, and path ids",
  fn: async () => {
    const c = await contract();
    assertEquals(
      c.validateRequest("POST", u("/servers"), { name: "a", server_type: "cx23", image: "debian-13" }).errors,
      [],
    );
    assertMatch(
      c.validateRequest("POST", u("/servers"), { name: "a", image: "x" }).errors.join(),
      /required property 'server_type'/,
    );
    assertMatch(c.validateRequest("POST", u("/servers"), undefined).errors.join(), /request body is required/);
    assertMatch(c.validateRequest("GET", u("/servers?labelSelector=a"), undefined).errors.join(), /labelSelector/);
    assertMatch(c.validateRequest("GET", u("/servers?status=exploded"), undefined).errors.join(), /allowed values/);
    assertMatch(c.validateRequest("GET", u("/servers?page=x"), undefined).errors.join(), /integer/);
    assertEquals(c.validateRequest("GET", u("/actions?id=1&id=2"), undefined).errors, []);
    assertMatch(c.validateRequest("GET", u("/actions"), undefined).errors.join(), /id is required/);
    assertMatch(c.validateRequest("GET", u("/servers/abc"), undefined).errors.join(), /path parameter id/);
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "createValidatingFetch() records mismatches and unknown routes without changing the exchange",
  fn: async () => {
    const recorder = new ContractRecorder(await contract());
    const inner: typeof fetch = (input) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path === "/v1/actions/1") return Promise.resolve(Response.json({ action: { ...action, progress: "x" } }));
      return Promise.resolve(Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 }));
    };
    const f = createValidatingFetch(inner, recorder);
    const res = await f("https://api.hetzner.cloud/v1/actions/1");
    assertEquals((await res.json()).action.progress, "x");
    await f("https://api.hetzner.cloud/v1/nothing/here");
    assertEquals(recorder.mismatches.map((m) => m.phase), ["response", "route"]);
    assertEquals(recorder.exercised, ["GET /actions/{id}"]);
    assertEquals(recorder.validated, []);
    assertMatch(recorder.summary(), /^hcloud contract: 1 operations exercised \/ 0 validated, 2 mismatches \(of 189/);
  },
}));

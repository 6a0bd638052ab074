// The router (issue 2, "The router"): static/param/wildcard precedence, 404, 405 + Allow, HEAD fallback,
// percent-decoding, malformed escapes, many routes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Router, type RouteHandler } from "../src/router.ts";
import type { ServeInfo } from "../src/types.ts";

const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1234 } };

/** A handler that names itself, so a match result says which route won. */
const named = (name: string): RouteHandler => Object.assign(() => new Response(name), { routeName: name });
const nameOf = (handler: RouteHandler): string => (handler as RouteHandler & { routeName: string }).routeName;

function sampleRouter(): Router {
  return new Router()
    .get("/", named("root"))
    .get("/users", named("users"))
    .post("/users", named("create user"))
    .get("/users/new", named("new user form"))
    .get("/users/:id", named("user"))
    .delete("/users/:id", named("delete user"))
    .get("/users/:id/posts/:postId", named("post"))
    .get("/static/*", named("static files"))
    .get("/static/special", named("special"))
    .get("/files/:name", named("one file"))
    .get("/files/*", named("file tree"))
    .all("/any/:x", named("any"))
    .get("/a/:b/c", named("a param c"))
    .get("/a/static/d", named("a static d"))
    .head("/only-head", named("explicit head"))
    .get("/only-head", named("get beside head"))
    .get("/caf%C3%A9", named("encoded pattern"))
    .on("PURGE", "/cache/:key", named("purge"));
}

interface Row {
  name: string;
  method: string;
  target: string;
  route?: string;
  params?: Record<string, string>;
  status?: 204 | 400 | 404 | 405;
  allow?: string;
}

const ROWS: Row[] = [
  { name: "root", method: "GET", target: "/", route: "root", params: {} },
  { name: "static", method: "GET", target: "/users", route: "users", params: {} },
  { name: "query is not part of the path", method: "GET", target: "/users?sort=name&x=/y", route: "users", params: {} },
  { name: "static beats param", method: "GET", target: "/users/new", route: "new user form", params: {} },
  { name: "named param", method: "GET", target: "/users/42", route: "user", params: { id: "42" } },
  { name: "param with query", method: "GET", target: "/users/42?x=1", route: "user", params: { id: "42" } },
  { name: "two params", method: "GET", target: "/users/42/posts/7", route: "post", params: { id: "42", postId: "7" } },
  { name: "method picks the route", method: "DELETE", target: "/users/42", route: "delete user", params: { id: "42" } },
  { name: "static beats wildcard", method: "GET", target: "/static/special", route: "special", params: {} },
  { name: "wildcard takes the rest", method: "GET", target: "/static/css/site.css", route: "static files", params: { "*": "css/site.css" } },
  { name: "wildcard takes an empty rest (trailing slash)", method: "GET", target: "/static/", route: "static files", params: { "*": "" } },
  { name: "wildcard takes an empty rest (no slash)", method: "GET", target: "/static", route: "static files", params: { "*": "" } },
  { name: "param beats wildcard", method: "GET", target: "/files/a.txt", route: "one file", params: { name: "a.txt" } },
  { name: "wildcard when the param route is too short", method: "GET", target: "/files/a/b.txt", route: "file tree", params: { "*": "a/b.txt" } },
  { name: "all() takes any method", method: "PATCH", target: "/any/1", route: "any", params: { x: "1" } },
  { name: "custom method", method: "PURGE", target: "/cache/k1", route: "purge", params: { key: "k1" } },
  { name: "backtrack from a dead static branch to the param", method: "GET", target: "/a/static/c", route: "a param c", params: { b: "static" } },
  { name: "static branch when it completes", method: "GET", target: "/a/static/d", route: "a static d", params: {} },
  { name: "HEAD falls back to GET", method: "HEAD", target: "/users/42", route: "user", params: { id: "42" } },
  { name: "HEAD route beats GET fallback", method: "HEAD", target: "/only-head", route: "explicit head", params: {} },
  { name: "params are percent-decoded", method: "GET", target: "/users/caf%C3%A9", route: "user", params: { id: "caf\u00e9" } },
  { name: "encoded slash stays inside its param", method: "GET", target: "/users/a%2Fb", route: "user", params: { id: "a/b" } },
  { name: "encoded space and plus", method: "GET", target: "/users/a%20b+c", route: "user", params: { id: "a b+c" } },
  { name: "wildcard rest is decoded", method: "GET", target: "/static/my%20file.txt", route: "static files", params: { "*": "my file.txt" } },
  { name: "static segment matches its encoded form", method: "GET", target: "/caf%c3%a9", route: "encoded pattern", params: {} },
  { name: "absolute-form target", method: "GET", target: "http://example.com/users/9?q", route: "user", params: { id: "9" } },
  { name: "unknown path", method: "GET", target: "/nope", status: 404 },
  { name: "too deep", method: "GET", target: "/users/42/extra", status: 404 },
  { name: "empty param segment does not match", method: "GET", target: "/users/", status: 404 },
  { name: "asterisk-form names no route", method: "OPTIONS", target: "*", status: 404 },
  { name: "405 lists the other methods, sorted, with HEAD and OPTIONS", method: "POST", target: "/users/42", status: 405, allow: "DELETE, GET, HEAD, OPTIONS" },
  { name: "405 on a static path", method: "PUT", target: "/users", status: 405, allow: "GET, HEAD, OPTIONS, POST" },
  { name: "405 collects methods over every matching route", method: "POST", target: "/users/new", status: 405, allow: "DELETE, GET, HEAD, OPTIONS" },
  { name: "OPTIONS on a known path answers 204 + Allow", method: "OPTIONS", target: "/users", status: 204, allow: "GET, HEAD, OPTIONS, POST" },
  { name: "methods are case-sensitive (RFC 9110 §9.1)", method: "get", target: "/users", status: 405, allow: "GET, HEAD, OPTIONS, POST" },
  { name: "malformed escape: bad hex", method: "GET", target: "/users/%zz", status: 400 },
  { name: "malformed escape: truncated", method: "GET", target: "/users/%E0%A4%A", status: 400 },
  { name: "malformed escape: lone percent", method: "GET", target: "/users/50%", status: 400 },
  { name: "malformed escape: invalid UTF-8", method: "GET", target: "/users/%FF", status: 400 },
  { name: "malformed escape on an unknown path is still 400", method: "GET", target: "/nope/%G0", status: 400 },
];

for (const row of ROWS) {
  test(`match: ${row.name}`, () => {
    const result = sampleRouter().match(row.method, row.target);
    if (row.route !== undefined) {
      assert.equal(result.status, 200);
      assert.ok(result.handler !== null);
      assert.equal(nameOf(result.handler), row.route);
      assert.deepEqual("params" in result ? result.params : null, row.params);
    } else {
      assert.equal(result.status, row.status);
      assert.equal(result.handler, null);
      assert.equal("allow" in result ? result.allow : undefined, row.allow ?? null);
    }
  });
}

test("autoOptions: false answers OPTIONS with 405 and leaves OPTIONS out of Allow", () => {
  const router = new Router({ autoOptions: false }).get("/x", named("x"));
  assert.deepEqual(router.match("OPTIONS", "/x"), { status: 405, handler: null, allow: "GET, HEAD" });
});

test("an OPTIONS route is used when present", () => {
  const router = new Router().get("/x", named("x")).options("/x", named("options x"));
  const result = router.match("OPTIONS", "/x");
  assert.ok(result.handler !== null);
  assert.equal(nameOf(result.handler), "options x");
});

test("params of different names may share a tree position", () => {
  const router = new Router().get("/u/:id", named("by id")).get("/u/:name/posts", named("posts by name"));
  assert.deepEqual(router.match("GET", "/u/7"), { status: 200, handler: router.match("GET", "/u/7").handler, params: { id: "7" } });
  const posts = router.match("GET", "/u/ann/posts");
  assert.deepEqual("params" in posts ? posts.params : null, { name: "ann" });
});

test("bad patterns and duplicates are refused at registration", () => {
  const h = named("h");
  assert.throws(() => new Router().get("no-slash", h), TypeError);
  assert.throws(() => new Router().get("/a/*/b", h), TypeError);
  assert.throws(() => new Router().get("/a/:", h), TypeError);
  assert.throws(() => new Router().get("/a/:x/:x", h), TypeError);
  assert.throws(() => new Router().get("/a/%zz", h), TypeError);
  assert.throws(() => new Router().on("BAD METHOD", "/", h), TypeError);
  assert.throws(() => new Router().get("/a/:x", h).get("/a/:y", h), /duplicate/);
  assert.throws(() => new Router().all("/a", h).all("/a", h), /duplicate/);
  assert.doesNotThrow(() => new Router().get("/a", h).post("/a", h).all("/a", h));
});

test("1,000 routes: each path finds its own handler", () => {
  const router = new Router();
  for (let i = 0; i < 1000; i++) {
    router.get(`/r${i}/items/:id`, named(`r${i}`));
    router.post(`/r${i}/static`, named(`p${i}`));
  }
  for (let i = 0; i < 1000; i += 37) {
    const got = router.match("GET", `/r${i}/items/x${i}`);
    assert.ok(got.handler !== null, `r${i}`);
    assert.equal(nameOf(got.handler), `r${i}`);
    assert.deepEqual("params" in got ? got.params : null, { id: `x${i}` });
    assert.equal(router.match("GET", `/r${i}/static`).status, 405);
  }
  assert.equal(router.match("GET", "/r1000/items/1").status, 404);
});

test("fetch: calls the handler with params and info", async () => {
  let seen: unknown = null;
  const router = new Router().get("/users/:id", (request, ctx) => {
    seen = { method: request.method, params: ctx.params, info: ctx.info };
    return new Response(`user ${ctx.params.id}`);
  });
  const response = await router.fetch(new Request("http://localhost/users/%E2%9C%93?x=1"), INFO);
  assert.equal(await response.text(), "user \u2713");
  assert.deepEqual(seen, { method: "GET", params: { id: "\u2713" }, info: INFO });
});

test("fetch: 404, 405 with Allow, 400, automatic OPTIONS", async () => {
  const router = new Router().get("/x", () => new Response("x")).put("/x", () => new Response("put"));
  const notFound = await router.fetch(new Request("http://localhost/y"), INFO);
  assert.equal(notFound.status, 404);
  assert.equal(await notFound.text(), "Not Found\n");
  const notAllowed = await router.fetch(new Request("http://localhost/x", { method: "DELETE" }), INFO);
  assert.equal(notAllowed.status, 405);
  assert.equal(notAllowed.headers.get("allow"), "GET, HEAD, OPTIONS, PUT");
  await notAllowed.body?.cancel();
  const bad = await router.fetch(new Request("http://localhost/%zz"), INFO);
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const options = await router.fetch(new Request("http://localhost/x", { method: "OPTIONS" }), INFO);
  assert.equal(options.status, 204);
  assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS, PUT");
});

test("fetch: custom notFound handler, and fetch works unbound", async () => {
  const router = new Router({ notFound: (request) => new Response(`no ${new URL(request.url).pathname}`, { status: 404 }) });
  const { fetch } = router;
  const response = await fetch(new Request("http://localhost/missing"), INFO);
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "no /missing");
});

test("fetch: a throwing handler rejects (the connection turns it into a 500)", async () => {
  const router = new Router().get("/boom", () => {
    throw new Error("boom");
  });
  await assert.rejects(router.fetch(new Request("http://localhost/boom"), INFO), /boom/);
});

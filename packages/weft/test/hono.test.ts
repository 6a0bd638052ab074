// Issue 5: an unchanged Hono app (fixtures/hono-app.ts) runs through weft's serve(), inline and on the
// worker pool, driven by a real HTTP client (fetch) over 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import app from "./fixtures/hono-app.ts";
import { serve } from "../src/index.ts";

type Server = Awaited<ReturnType<typeof serve>>;

// Hono's `c.text()` relies on the Response constructor's default Content-Type (text/plain;charset=UTF-8).
// Bun 1.4.5's own Response leaves it out of `headers`; weft's Response (installed as the global by
// serve() and on every pool worker, see core's weft-response.ts) sets it, so it is there in both modes.
async function suite(server: Server, mode: "inline" | "pool") {
  const base = `http://127.0.0.1:${server.port}`;

  const hello = await fetch(`${base}/`);
  assert.equal(hello.status, 200);
  assert.match(hello.headers.get("content-type") ?? "", /^text\/plain;\s?charset=UTF-8$/i, `${mode}: Content-Type of c.text()`);
  assert.equal(await hello.text(), "Hello Hono!");

  // route params and query
  const user = await fetch(`${base}/users/42?tab=posts`);
  assert.deepEqual(await user.json(), { id: "42", tab: "posts" });

  // JSON request and response bodies, status
  const echo = await fetch(`${base}/echo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "weft", list: [1, 2, 3], nested: { ok: true } }),
  });
  assert.equal(echo.status, 201);
  assert.deepEqual(await echo.json(), { received: { name: "weft", list: [1, 2, 3], nested: { ok: true } }, contentType: "application/json" });

  // a streamed response, read as it arrives
  const stream = await fetch(`${base}/stream`);
  assert.equal(stream.status, 200);
  assert.equal(await stream.text(), "line 0\nline 1\nline 2\nline 3\nline 4\n");

  // request and response headers
  const headers = await fetch(`${base}/headers`, { headers: { "x-test": "abc" } });
  assert.equal(headers.headers.get("x-powered-by"), "hono-on-weft");
  assert.deepEqual(await headers.json(), { test: "abc" });

  // cookies: two Set-Cookie fields out, a Cookie field in
  const set = await fetch(`${base}/cookies/set`);
  const cookies = set.headers.getSetCookie();
  assert.deepEqual(cookies, ["session=abc123; Path=/; HttpOnly; SameSite=Lax", "theme=dark; Path=/"]);
  await set.text();
  const read = await fetch(`${base}/cookies`, { headers: { cookie: "session=abc123; theme=dark" } });
  assert.deepEqual(await read.json(), { session: "abc123", theme: "dark" });

  // error handler, not-found handler, HEAD
  const thrown = await fetch(`${base}/throw`);
  assert.equal(thrown.status, 500);
  assert.equal(await thrown.text(), "handled: boom");
  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "no such route");
  const head = await fetch(`${base}/`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");

  // several requests in flight at once on separate connections
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${base}/users/${i}`).then((r) => r.json())));
  assert.deepEqual(many.map((u) => (u as { id: string }).id), Array.from({ length: 20 }, (_, i) => String(i)));
}

test("an unchanged Hono app runs inline (serve({ fetch: app.fetch }))", async () => {
  const server = await serve({ port: 0, fetch: app.fetch });
  try {
    await suite(server, "inline");
  } finally {
    await server.close();
  }
});

test("the same Hono app runs on the worker pool (module mode, 2 workers)", async () => {
  const server = await serve({ port: 0, module: new URL("./fixtures/hono-app.ts", import.meta.url), workers: 2 });
  try {
    await suite(server, "pool");
    assert.ok(server.stats().completed >= 10, `pool completed ${server.stats().completed} jobs`);
  } finally {
    await server.close();
  }
});

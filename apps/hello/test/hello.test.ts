// The seed app's routes (in-process, no socket) and its command line.
import { test } from "node:test";
import assert from "node:assert/strict";
import app from "../src/app.ts";
import { parseArgs } from "../src/main.ts";

test("GET / → 200 hello.html; anything else → 404 404.html", async () => {
  const home = await app.fetch(new Request("http://127.0.0.1:7878/"));
  assert.equal(home.status, 200);
  assert.equal(home.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(await home.text(), /<h1>Hello!<\/h1>/);
  for (const request of [new Request("http://127.0.0.1:7878/nope"), new Request("http://127.0.0.1:7878/", { method: "POST" })]) {
    const missing = await app.fetch(request);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<h1>Oops!<\/h1>/);
  }
});

test("command line: defaults, environment, flags over environment, bad values refused", () => {
  assert.deepEqual(parseArgs([], {}), { host: "127.0.0.1", port: 7878, workers: undefined });
  assert.deepEqual(parseArgs([], { HOST: "::1", PORT: "8080" }), { host: "::1", port: 8080, workers: undefined });
  assert.deepEqual(parseArgs(["--port", "9000", "--host=0.0.0.0", "--workers", "2"], { PORT: "8080" }), { host: "0.0.0.0", port: 9000, workers: 2 });
  assert.throws(() => parseArgs(["--port", "70000"], {}), /--port/);
  assert.throws(() => parseArgs(["--workers", "-1"], {}), /--workers/);
  assert.throws(() => parseArgs(["--bogus"], {}), /unknown option/);
  assert.throws(() => parseArgs(["--port"], {}), /needs a value/);
});

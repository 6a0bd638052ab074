// serveStatic over the wire on this runtime: real files, the runtime's FileSystem port, weft's server.
// (Every behaviour is unit-tested against a fake file system in packages/core; this checks that the
// port and the connection carry them intact: lengths, statuses without bodies, encodings.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { serveStatic } from "@weft/core";
import { fs, serve } from "../src/index.ts";
import { header, rawRequest } from "./fixtures/raw.ts";

const TEXT = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(5000); // 180 000 bytes, several 64 KiB reads
let dir = "";
let server: Awaited<ReturnType<typeof serve>>;
let base = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-static-http-"));
  await writeFile(join(dir, "big.txt"), TEXT);
  await writeFile(join(dir, "app.js"), "console.log('plain')");
  await writeFile(join(dir, "app.js.gz"), gzipSync("console.log('plain')"));
  await mkdir(join(dir, "docs"));
  await writeFile(join(dir, "docs", "index.html"), "<h1>docs</h1>");
  server = await serve({ port: 0, fetch: serveStatic({ root: dir, fs, cacheControl: "max-age=60" }) });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test("a multi-chunk file arrives whole, with its length and validators", async () => {
  const res = await fetch(`${base}/big.txt`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), String(TEXT.length));
  assert.equal(res.headers.get("cache-control"), "max-age=60");
  assert.ok(res.headers.get("etag"));
  assert.equal(await res.text(), TEXT);
});

test("range request across a read boundary (bytes=65530-65545) gives 206", async () => {
  const res = await fetch(`${base}/big.txt`, { headers: { range: "bytes=65530-65545" } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes 65530-65545/${TEXT.length}`);
  assert.equal(await res.text(), TEXT.slice(65530, 65546));
});

test("unsatisfiable range gives 416 and the connection stays usable", async () => {
  const raw = await rawRequest(server.port,
    `GET /big.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=999999-\r\n\r\nGET /docs/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(raw.status, 416);
  assert.equal(header(raw, "content-range"), `bytes */${TEXT.length}`);
  assert.match(raw.body, /HTTP\/1\.1 200 OK[\s\S]*<h1>docs<\/h1>$/);
});

test("If-None-Match gives 304 with no body on the wire", async () => {
  const etag = (await fetch(`${base}/big.txt`, { method: "HEAD" })).headers.get("etag")!;
  const raw = await rawRequest(server.port, `GET /big.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`);
  assert.equal(raw.status, 304);
  assert.equal(raw.body, "");
});

test("a gzip sibling is sent with Content-Encoding and Vary (raw socket: fetch would decode it)", async () => {
  const raw = await rawRequest(server.port, "GET /app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  assert.equal(raw.status, 200);
  assert.equal(header(raw, "content-encoding"), "gzip");
  assert.equal(header(raw, "vary"), "accept-encoding");
  assert.equal(header(raw, "content-type"), "text/javascript; charset=utf-8");
  assert.equal(Number(header(raw, "content-length")), gzipSync("console.log('plain')").length);
});

test("a folder URL without slash redirects, then serves index.html", async () => {
  const res = await fetch(`${base}/docs`, { redirect: "manual" });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get("location"), "/docs/");
  await res.body?.cancel();
  assert.equal(await (await fetch(`${base}/docs/`)).text(), "<h1>docs</h1>");
});

// serveStatic against an in-memory file system: every behaviour of issue 5 that does not need sockets.
// (Traversal over raw sockets and the 1 GiB streaming test run against real servers in packages/weft.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { isInside, serveStatic, toSafePath, type ServeStaticOptions } from "../src/index.ts";
import type { ServeInfo } from "../src/index.ts";
import { fakeFs } from "./static-fakefs.ts";

const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 } };
const ROOT = "/srv/www";
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5);

function site(extra: Parameters<typeof fakeFs>[0] = {}) {
  return fakeFs({
    "/srv/www/hello.txt": "hello world",
    "/srv/www/app.js": "console.log(1)",
    "/srv/www/data.json": "{}",
    "/srv/www/logo.svg": "<svg/>",
    "/srv/www/pic.png": "PNG",
    "/srv/www/blob.weftunknown": "?",
    "/srv/www/empty.txt": "",
    "/srv/www/.env": "SECRET=1",
    "/srv/www/.git/config": "[core]",
    "/srv/www/docs/index.html": "<h1>docs</h1>",
    "/srv/www/list/b.txt": "bb",
    "/srv/www/list/a dir/x": "x",
    "/srv/www/list/<img src=x onerror=alert(1)>.txt": "xss",
    "/srv/www/list/.hidden": "h",
    "/srv/secret.txt": "TOP SECRET",
    ...extra,
  });
}

function handler(fs = site(), options: Partial<ServeStaticOptions> = {}) {
  const h = serveStatic({ root: ROOT, fs, ...options });
  return (path: string, init: RequestInit = {}) => h(new Request(`http://localhost${path}`, init), INFO);
}

test("serves a file with type, length, validators and Accept-Ranges", async () => {
  const res = await handler()("/hello.txt");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "hello world");
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(res.headers.get("content-length"), "11");
  assert.equal(res.headers.get("accept-ranges"), "bytes");
  assert.equal(res.headers.get("last-modified"), new Date(MTIME).toUTCString());
  assert.match(res.headers.get("etag")!, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
});

test("Content-Type comes from the mime database, with charset=utf-8 only for text types", async () => {
  const get = handler();
  const expected: Record<string, string> = {
    "/app.js": "text/javascript; charset=utf-8",
    "/data.json": "application/json; charset=utf-8",
    "/logo.svg": "image/svg+xml; charset=utf-8",
    "/pic.png": "image/png",
    "/blob.weftunknown": "application/octet-stream",
  };
  for (const [path, type] of Object.entries(expected)) {
    assert.equal((await get(path)).headers.get("content-type"), type, path);
  }
});

test("HEAD sends the same headers and no body, without opening the file", async () => {
  const fs = site();
  const res = await handler(fs)("/hello.txt", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), "11");
  assert.equal(res.body, null);
  assert.deepEqual(fs.opened, []);
});

test("methods other than GET and HEAD get 405 with Allow", async () => {
  for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
    const res = await handler()("/hello.txt", { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  }
});

test("a missing file is 404, and the custom notFound page is used", async () => {
  assert.equal((await handler()("/nope.txt")).status, 404);
  assert.equal((await handler()("/hello.txt/extra")).status, 404);
  const custom = handler(site(), { notFound: () => new Response("<h1>Oops</h1>", { status: 404, headers: { "content-type": "text/html" } }) });
  const res = await custom("/nope");
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "<h1>Oops</h1>");
});

test("a file URL with a trailing slash is 404", async () => {
  assert.equal((await handler()("/hello.txt/")).status, 404);
});

test("an empty file is 200 with Content-Length 0", async () => {
  const res = await handler()("/empty.txt");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), "0");
  assert.equal(await res.text(), "");
});

// Each row is one way out of the root. Request URLs pass through the WHATWG parser first (as with the
// real server), so encoded forms that survive it are what reach serveStatic.
const TRAVERSALS: [name: string, path: string][] = [
  ["dot-dot", "/../secret.txt"],
  ["encoded dot-dot", "/%2e%2e/secret.txt"],
  ["mixed-case encoded dot-dot", "/%2E%2e/secret.txt"],
  ["encoded slash", "/..%2fsecret.txt"],
  ["encoded slash deep", "/docs/..%2f..%2fsecret.txt"],
  ["encoded backslash", "/..%5csecret.txt"],
  ["raw backslash", "/..\\secret.txt"],
  ["NUL byte", "/hello.txt%00.png"],
  ["double slash absolute", "//srv/secret.txt"],
  ["drive letter", "/C:/secret.txt"],
  ["bad percent-encoding", "/%E0%A4%A"],
];

test("no traversal attempt reaches a file outside the root", async () => {
  const get = handler();
  for (const [name, path] of TRAVERSALS) {
    const res = await get(path);
    assert.ok(res.status === 400 || res.status === 404, `${name}: got ${res.status}`);
    assert.doesNotMatch(await res.text(), /TOP SECRET/, name);
  }
});

test("encoded separators, NUL and drive letters are 400, not silently fixed", async () => {
  const get = handler();
  for (const path of ["/..%2fsecret.txt", "/..%5csecret.txt", "/hello.txt%00.png", "/C:/x", "/%E0%A4%A"]) {
    assert.equal((await get(path)).status, 400, path);
  }
});

test("dotfiles and dot-folders are 404 by default and served with dotfiles: allow", async () => {
  const get = handler();
  assert.equal((await get("/.env")).status, 404);
  assert.equal((await get("/.git/config")).status, 404);
  const allow = handler(site(), { dotfiles: "allow" });
  assert.equal(await (await allow("/.env")).text(), "SECRET=1");
});

test("a symlink out of the root is refused by default and followed with followSymlinks: any", async () => {
  const fs = site({ "/srv/www/escape.txt": { link: "../secret.txt" }, "/srv/www/outdir": { link: "/srv" } });
  const get = handler(fs);
  assert.equal((await get("/escape.txt")).status, 404);
  assert.equal((await get("/outdir/secret.txt")).status, 404);
  const any = handler(fs, { followSymlinks: "any" });
  assert.equal(await (await any("/escape.txt")).text(), "TOP SECRET");
});

test("a symlink inside the root is followed, but not onto a dotfile", async () => {
  const fs = site({ "/srv/www/alias.txt": { link: "hello.txt" }, "/srv/www/env.txt": { link: ".env" } });
  const get = handler(fs);
  assert.equal(await (await get("/alias.txt")).text(), "hello world");
  assert.equal((await get("/env.txt")).status, 404);
});

test("a root that is itself a symlink still serves its files", async () => {
  const fs = site({ "/srv/current": { link: "www" } });
  const h = serveStatic({ root: "/srv/current", fs });
  const res = await h(new Request("http://localhost/hello.txt"), INFO);
  assert.equal(await res.text(), "hello world");
});

test("a directory without trailing slash redirects to the slash form, keeping the query", async () => {
  const res = await handler()("/docs?x=1");
  assert.equal(res.status, 301);
  assert.equal(res.headers.get("location"), "/docs/?x=1");
});

test("the directory redirect can never become a protocol-relative URL", async () => {
  const fs = site({ "/srv/www/evil.com/index.html": "e" });
  const res = await handler(fs)("//evil.com");
  assert.equal(res.status, 301);
  assert.equal(res.headers.get("location"), "/evil.com/");
});

test("a directory serves its index.html", async () => {
  const res = await handler()("/docs/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await res.text(), "<h1>docs</h1>");
});

test("a directory without index gets a listing with escaped names, encoded links and sizes", async () => {
  const res = await handler()("/list/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await res.text();
  assert.equal(res.headers.get("content-length"), String(new TextEncoder().encode(html).length));
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;.txt"), "name is escaped");
  assert.ok(!html.includes("<img src=x"), "no raw markup from a file name");
  assert.ok(html.includes('href="./%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt"'), "link is percent-encoded");
  assert.ok(html.includes('href="./a%20dir/"'), "folders link with a slash");
  assert.ok(html.includes("2 B"), "sizes are shown");
  assert.ok(html.includes("2024-01-02 03:04:05"), "dates are shown");
  assert.ok(html.includes('href="../"'), "parent link");
  assert.ok(!html.includes(".hidden"), "dotfiles are not listed");
  assert.ok(html.indexOf("a dir/") < html.indexOf("b.txt"), "folders first");
});

test("listing: false turns a directory without index into 404", async () => {
  assert.equal((await handler(site(), { listing: false })("/list/")).status, 404);
  assert.equal((await handler(site(), { listing: false })("/docs/")).status, 200);
});

test("the root folder is listed without a parent link", async () => {
  const html = await (await handler()("/")).text();
  assert.ok(html.includes("Index of /"));
  assert.ok(!html.includes('href="../"'));
  assert.ok(!html.includes(".env"));
});

test("If-None-Match with the current ETag gives 304 without a body", async () => {
  const get = handler();
  const first = await get("/hello.txt");
  const etag = first.headers.get("etag")!;
  for (const value of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
    const res = await get("/hello.txt", { headers: { "if-none-match": value } });
    assert.equal(res.status, 304, value);
    assert.equal(res.body, null);
    assert.equal(res.headers.get("etag"), etag);
  }
  assert.equal((await get("/hello.txt", { headers: { "if-none-match": '"other"' } })).status, 200);
});

test("If-Modified-Since gives 304 when the file is not newer, and loses to If-None-Match", async () => {
  const get = handler();
  const lastModified = new Date(MTIME).toUTCString();
  assert.equal((await get("/hello.txt", { headers: { "if-modified-since": lastModified } })).status, 304);
  assert.equal((await get("/hello.txt", { headers: { "if-modified-since": new Date(MTIME - 60_000).toUTCString() } })).status, 200);
  const both = await get("/hello.txt", { headers: { "if-modified-since": lastModified, "if-none-match": '"other"' } });
  assert.equal(both.status, 200);
});

test("handles range request (bytes=0-4)", async () => {
  const res = await handler()("/hello.txt", { headers: { range: "bytes=0-4" } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), "bytes 0-4/11");
  assert.equal(res.headers.get("content-length"), "5");
  assert.equal(await res.text(), "hello");
});

test("handles suffix and open ranges, clamping the end", async () => {
  const get = handler();
  const cases: [string, string, string][] = [
    ["bytes=-5", "bytes 6-10/11", "world"],
    ["bytes=6-", "bytes 6-10/11", "world"],
    ["bytes=6-999", "bytes 6-10/11", "world"],
    ["bytes=-999", "bytes 0-10/11", "hello world"],
  ];
  for (const [range, contentRange, body] of cases) {
    const res = await get("/hello.txt", { headers: { range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get("content-range"), contentRange, range);
    assert.equal(await res.text(), body, range);
  }
});

test("an unsatisfiable range is 416 with Content-Range bytes */size", async () => {
  for (const range of ["bytes=11-", "bytes=100-200", "bytes=-0"]) {
    const res = await handler()("/hello.txt", { headers: { range } });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get("content-range"), "bytes */11");
  }
});

test("multiple ranges, invalid ranges and other units are ignored: 200 with the whole file", async () => {
  for (const range of ["bytes=0-1,3-4", "bytes=5-2", "bytes=abc", "items=0-1", "bytes=-"]) {
    const res = await handler()("/hello.txt", { headers: { range } });
    assert.equal(res.status, 200, range);
    assert.equal(await res.text(), "hello world");
  }
});

test("If-Range applies the range only while the validator matches", async () => {
  const get = handler();
  const etag = (await get("/hello.txt")).headers.get("etag")!;
  const lastModified = new Date(MTIME).toUTCString();
  assert.equal((await get("/hello.txt", { headers: { range: "bytes=0-4", "if-range": etag } })).status, 206);
  assert.equal((await get("/hello.txt", { headers: { range: "bytes=0-4", "if-range": lastModified } })).status, 206);
  assert.equal((await get("/hello.txt", { headers: { range: "bytes=0-4", "if-range": '"stale"' } })).status, 200);
  assert.equal((await get("/hello.txt", { headers: { range: "bytes=0-4", "if-range": `W/${etag}` } })).status, 200);
  const old = new Date(MTIME - 60_000).toUTCString();
  assert.equal((await get("/hello.txt", { headers: { range: "bytes=0-4", "if-range": old } })).status, 200);
});

test("HEAD with a range gives 206 headers and no body", async () => {
  const res = await handler()("/hello.txt", { method: "HEAD", headers: { range: "bytes=0-4" } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-length"), "5");
  assert.equal(res.body, null);
});

test("Cache-Control is sent when configured", async () => {
  const get = handler(site(), { cacheControl: "public, max-age=60" });
  assert.equal((await get("/hello.txt")).headers.get("cache-control"), "public, max-age=60");
  const etag = (await get("/hello.txt")).headers.get("etag")!;
  const notModified = await get("/hello.txt", { headers: { "if-none-match": etag } });
  assert.equal(notModified.headers.get("cache-control"), "public, max-age=60");
});

function compressedSite() {
  return site({
    "/srv/www/app.css": "body{}",
    "/srv/www/app.css.br": "BR-BYTES",
    "/srv/www/app.css.gz": "GZ-BYTES!",
    "/srv/www/only-gz.js": "x()",
    "/srv/www/only-gz.js.gz": "GZ",
    "/srv/www/leak.txt": "plain",
    "/srv/www/leak.txt.gz": { link: "../secret.txt" },
  });
}

test("precompressed: br is preferred, gzip when br is refused, identity when nothing is accepted", async () => {
  const get = handler(compressedSite());
  const br = await get("/app.css", { headers: { "accept-encoding": "gzip, deflate, br" } });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.equal(br.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(br.headers.get("vary"), "accept-encoding");
  assert.equal(br.headers.get("content-length"), "8");
  assert.equal(await br.text(), "BR-BYTES");

  const gz = await get("/app.css", { headers: { "accept-encoding": "br;q=0, gzip" } });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(await gz.text(), "GZ-BYTES!");

  const weighted = await get("/app.css", { headers: { "accept-encoding": "br;q=0.5, gzip;q=0.9" } });
  assert.equal(weighted.headers.get("content-encoding"), "gzip");

  const none = await get("/app.css");
  assert.equal(none.headers.get("content-encoding"), null);
  assert.equal(none.headers.get("vary"), "accept-encoding", "Vary also on the identity response");
  assert.equal(await none.text(), "body{}");

  const refused = await get("/app.css", { headers: { "accept-encoding": "gzip;q=0, br;q=0" } });
  assert.equal(refused.headers.get("content-encoding"), null);

  const star = await get("/only-gz.js", { headers: { "accept-encoding": "*" } });
  assert.equal(star.headers.get("content-encoding"), "gzip");
});

test("precompressed representations have their own ETag", async () => {
  const get = handler(compressedSite());
  const plain = await get("/app.css");
  const br = await get("/app.css", { headers: { "accept-encoding": "br" } });
  assert.notEqual(plain.headers.get("etag"), br.headers.get("etag"));
  const notModified = await get("/app.css", { headers: { "accept-encoding": "br", "if-none-match": br.headers.get("etag")! } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get("vary"), "accept-encoding");
});

test("a range request gets the identity file, never a precompressed sibling", async () => {
  const res = await handler(compressedSite())("/app.css", { headers: { "accept-encoding": "br", range: "bytes=0-3" } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(await res.text(), "body");
});

test("a precompressed sibling that is a symlink out of the root is not used", async () => {
  const res = await handler(compressedSite())("/leak.txt", { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(await res.text(), "plain");
});

test("precompressed: false ignores siblings", async () => {
  const res = await handler(compressedSite(), { precompressed: false })("/app.css", { headers: { "accept-encoding": "br" } });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("vary"), null);
});

test("the body is pulled from the file system only as the reader asks", async () => {
  const big = "x".repeat(4 * 100); // 100 chunks of the fake's 4-byte reads
  const fs = site({ "/srv/www/big.txt": big });
  const res = await handler(fs)("/big.txt");
  assert.equal(fs.pulls, 0, "nothing read before the body is consumed");
  const reader = res.body!.getReader();
  await reader.read();
  assert.ok(fs.pulls <= 2, `read ahead ${fs.pulls} chunks for one read`);
  await reader.cancel();
});

test("a path the process may not read is 403", async () => {
  const fs = site();
  fs.stat = async () => {
    throw Object.assign(new Error("denied"), { code: "EACCES" });
  };
  assert.equal((await handler(fs)("/hello.txt")).status, 403);
});

// The path check itself, fed raw pathnames (as a server that kept the raw target would): it must not
// depend on the URL parser having removed dot segments first.
test("toSafePath refuses every raw traversal form", () => {
  const refused = ["/../etc/passwd", "/a/../../etc", "/%2e%2e/etc", "/%2E%2e/etc", "/.%2e/etc", "/./x", "/..%2fetc",
    "/..%2Fetc", "/..%5cetc", "/..\\etc", "/x%00y", "/C:/Windows", "/c:x", "/%E0%A4%A", "relative/path"];
  for (const path of refused) assert.equal(toSafePath(path).ok, false, path);
  assert.deepEqual(toSafePath("/a%20b//c/"), { ok: true, segments: ["a b", "c"], trailingSlash: true });
  assert.deepEqual(toSafePath("/"), { ok: true, segments: [], trailingSlash: false });
  assert.deepEqual(toSafePath("/caf%C3%A9.txt"), { ok: true, segments: ["café.txt"], trailingSlash: false });
});

test("isInside compares whole segments", () => {
  assert.equal(isInside("/srv/www", "/srv/www"), true);
  assert.equal(isInside("/srv/www", "/srv/www/a"), true);
  assert.equal(isInside("/srv/www", "/srv/www-evil/a"), false);
  assert.equal(isInside("/srv/www/", "/srv/www/a"), true);
  assert.equal(isInside("/", "/anything"), true);
});

test("dotfiles: a leading /.well-known/ is served (RFC 8615), a nested one is not", async () => {
  const fs = site({ "/srv/www/.well-known/security.txt": "Contact: x", "/srv/www/docs/.well-known/a": "a" });
  const get = handler(fs);
  assert.equal(await (await get("/.well-known/security.txt")).text(), "Contact: x");
  assert.equal((await get("/docs/.well-known/a")).status, 404);
  assert.equal((await get("/.well-known/../.env")).status, 404);
});

test("precompressed siblings are only looked for on compressible types", async () => {
  const fs = site({ "/srv/www/photo.png": "PNG", "/srv/www/photo.png.gz": "GZ" });
  const res = await handler(fs)("/photo.png", { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("vary"), null);
  assert.equal(await res.text(), "PNG");
});

test("a listing shows symlinks by name only, never their target's size or date", async () => {
  const fs = site({ "/srv/www/list/out.txt": { link: "/srv/secret.txt" } });
  const html = await (await handler(fs)("/list/")).text();
  const row = html.split("\n").find((line) => line.includes("out.txt"))!;
  assert.ok(row, "the link is listed");
  assert.ok(!row.includes("10 B"), "no size from outside the root");
  assert.ok(!row.includes("2024-01-02"), "no date from outside the root");
});

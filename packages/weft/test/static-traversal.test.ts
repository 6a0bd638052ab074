// Issue 5: no request escapes the served folder. Every attack goes over a RAW socket, byte for byte (a
// fetch client would normalise `..` and `%2e%2e` away before sending), against a real weft server whose
// root sits next to a secret file. Each row fails if the secret comes back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic } from "@weft/core";
import { fs, serve } from "../src/index.ts";
import { header, rawGet, rawRequest } from "./fixtures/raw.ts";

const SECRET = "TOP-SECRET-7f3a9c";
let dir = "";
let root = "";
let server: Awaited<ReturnType<typeof serve>>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-traversal-"));
  root = join(dir, "root");
  await mkdir(join(root, "sub"), { recursive: true });
  await mkdir(join(dir, "outside"));
  await writeFile(join(dir, "secret.txt"), SECRET);
  await writeFile(join(dir, "outside", "secret.txt"), SECRET);
  await writeFile(join(root, "public.txt"), "public");
  await writeFile(join(root, ".env"), SECRET);
  await writeFile(join(root, "sub", "page.txt"), "page");
  await symlink(join(dir, "secret.txt"), join(root, "link-out.txt"));
  await symlink(join(dir, "outside"), join(root, "dir-out"));
  await symlink(join(root, "public.txt"), join(root, "link-in.txt"));
  server = await serve({ port: 0, fetch: serveStatic({ root, fs }) });
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const attacks = (): [name: string, target: string][] => [
  ["dot-dot", "/../secret.txt"],
  ["many dot-dots", "/../../../../../../../../etc/passwd"],
  ["dot-dot after a folder", "/sub/../../secret.txt"],
  ["encoded dot-dot", "/%2e%2e/secret.txt"],
  ["upper-case encoded dot-dot", "/%2E%2E/secret.txt"],
  ["half-encoded dot-dot", "/.%2e/secret.txt"],
  ["encoded slash", "/..%2fsecret.txt"],
  ["encoded slash after folder", "/sub/..%2f..%2fsecret.txt"],
  ["fully encoded traversal", "/%2e%2e%2fsecret.txt"],
  ["encoded backslash", "/..%5csecret.txt"],
  ["raw backslash", "/..\\secret.txt"],
  ["double-encoded dot-dot", "/%252e%252e/secret.txt"],
  ["NUL byte", "/public.txt%00/../../secret.txt"],
  ["NUL before extension", "/secret.txt%00.txt"],
  ["absolute path", `/${dir}/secret.txt`],
  ["encoded absolute path", `/${encodeURIComponent(join(dir, "secret.txt"))}`],
  ["drive letter", "/C:/secret.txt"],
  ["absolute-form target", "http://127.0.0.1/../secret.txt"],
  ["symlink to a file outside", "/link-out.txt"],
  ["symlink to a folder outside", "/dir-out/secret.txt"],
  ["dotfile", "/.env"],
  ["encoded dotfile", "/%2eenv"],
];

test("every traversal attempt is refused (raw socket)", async () => {
  for (const [name, target] of attacks()) {
    const res = await rawGet(server.port, target);
    assert.ok(res.status === 400 || res.status === 404, `${name} (${target}): got status ${res.status}`);
    assert.ok(!res.body.includes(SECRET), `${name} (${target}): the secret leaked`);
  }
});

test("the same server serves files inside the root, also through an inside symlink (control)", async () => {
  const file = await rawGet(server.port, "/public.txt");
  assert.equal(file.status, 200);
  assert.equal(file.body, "public");
  const link = await rawGet(server.port, "/link-in.txt");
  assert.equal(link.status, 200);
  assert.equal(link.body, "public");
  const nested = await rawGet(server.port, "/sub/page.txt");
  assert.equal(nested.body, "page");
});

test("HEAD and 405 over the wire", async () => {
  const head = await rawRequest(server.port, "HEAD /public.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.equal(head.status, 200);
  assert.equal(header(head, "content-length"), "6");
  assert.equal(head.body, "");
  const post = await rawRequest(server.port, "POST /public.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  assert.equal(post.status, 405);
  assert.equal(header(post, "allow"), "GET, HEAD");
});

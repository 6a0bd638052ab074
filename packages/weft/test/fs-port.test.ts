// The FileSystem port of whichever runtime runs this test (the runtime-neutral entry picks the adapter):
// Node's node:fs/promises, Deno's Deno.* calls, Bun's Bun.file streams. Same expectations for all three.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fs } from "../src/index.ts";

let dir = "";
// Over 256 KiB, so on Bun both body paths (open+read for small ranges, Bun.file for large) are exercised.
const DATA = new Uint8Array(600_000).map((_, i) => i % 251);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-fs-"));
  await writeFile(join(dir, "data.bin"), DATA);
  await mkdir(join(dir, "sub"));
  await symlink(join(dir, "data.bin"), join(dir, "link.bin"));
});
after(() => rm(dir, { recursive: true, force: true }));

test("stat: files, folders, and null for missing paths or a file used as a folder", async () => {
  const file = await fs.stat(join(dir, "data.bin"));
  assert.equal(file?.isFile, true);
  assert.equal(file?.size, DATA.length);
  assert.equal(typeof file?.mtimeMs, "number");
  assert.equal((await fs.stat(join(dir, "sub")))?.isDirectory, true);
  assert.equal(await fs.stat(join(dir, "missing")), null);
  assert.equal(await fs.stat(join(dir, "data.bin", "x")), null);
});

test("lstat sees the link, stat and realPath follow it", async () => {
  assert.equal((await fs.lstat(join(dir, "link.bin")))?.isSymlink, true);
  assert.equal((await fs.stat(join(dir, "link.bin")))?.isFile, true);
  assert.equal(await fs.realPath(join(dir, "link.bin")), await fs.realPath(join(dir, "data.bin")));
  await assert.rejects(fs.realPath(join(dir, "missing")));
});

test("readDir lists names with their kinds", async () => {
  const entries = (await fs.readDir(dir)).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(entries.map((e) => [e.name, e.isFile, e.isDirectory, e.isSymlink]), [
    ["data.bin", true, false, false],
    ["link.bin", false, false, true],
    ["sub", false, true, false],
  ]);
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

test("openRange streams exactly bytes [start, end], small and large ranges", async () => {
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 0, DATA.length - 1)), DATA);
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 70_000, 140_000)), DATA.slice(70_000, 140_001));
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 5, 5)), DATA.slice(5, 6));
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 1, 599_998)), DATA.slice(1, 599_999));
  // One read chunk (64 KiB) exactly, and one byte more: on Bun, the whole-range read and open+read.
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 3, 3 + 65_535)), DATA.slice(3, 3 + 65_536));
  assert.deepEqual(await readAll(fs.openRange(join(dir, "data.bin"), 3, 3 + 65_536)), DATA.slice(3, 3 + 65_537));
});

test("openRange past the end of the file fails (the file shrank after its stat)", async () => {
  await assert.rejects(readAll(fs.openRange(join(dir, "data.bin"), DATA.length - 10, DATA.length + 100)));
  await assert.rejects(readAll(fs.openRange(join(dir, "data.bin"), DATA.length - 10, DATA.length + 100_000)));
});

test("openRange on a missing file fails when read, not when created", async () => {
  const stream = fs.openRange(join(dir, "missing"), 0, 10);
  await assert.rejects(readAll(stream));
});

test("a cancelled openRange stream stops cleanly", async () => {
  const reader = fs.openRange(join(dir, "data.bin"), 0, DATA.length - 1).getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.byteLength > 0);
  await reader.cancel();
});

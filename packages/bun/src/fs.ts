// The FileSystem port on Bun. https://bun.com/docs/api/file-io
// Metadata through node:fs/promises (Bun implements it natively; it has lstat/realpath/readdir, which
// Bun.file lacks). File bodies through Bun.file(path).slice(start, end + 1).stream(), because it was
// measured faster than open + read per pull on this machine (Bun 1.4.5, 2 cores, page cache warm):
//   64 KiB file, 3000 full reads: Bun.file ≈ 35 000/s, node:fs open+read ≈ 11 000/s (≈3.3×);
//   1 GiB sparse file read through: Bun.file ≈ 0.25–0.46 s, node:fs ≈ 0.63–0.85 s (≈2×);
//   memory stays bounded: with a reader that takes one chunk and stops for 1.5 s, RSS grew 2.6 MiB.
// Trade-off: Bun picks its own read size (256–512 KiB chunks seen) instead of `readChunkBytes`; memory
// per streaming response is still bounded by that plus the connection's highWaterMark.
import { readdir, realpath, stat, lstat } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { FileStat, FileSystem } from "@weft/core";

/** Errors that mean "no such path" for the port. */
const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP"]);

const toStat = (s: Stats, isSymlink: boolean): FileStat => ({
  isFile: s.isFile(),
  isDirectory: s.isDirectory(),
  isSymlink,
  size: s.size,
  mtimeMs: s.mtimeMs,
  ino: s.ino,
});

async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (NOT_FOUND.has((error as { code?: string }).code ?? "")) return null;
    throw error;
  }
}

export const fs: FileSystem = {
  async stat(path) {
    const s = await orNull(stat(path));
    return s && toStat(s, false);
  },
  async lstat(path) {
    const s = await orNull(lstat(path));
    return s && toStat(s, s.isSymbolicLink());
  },
  realPath: (path) => realpath(path),
  async readDir(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isFile: e.isFile(), isDirectory: e.isDirectory(), isSymlink: e.isSymbolicLink() }));
  },
  // Bun.file is lazy: nothing is opened or read until the stream is pulled.
  openRange: (path, start, end) => Bun.file(path).slice(start, end + 1).stream(),
};

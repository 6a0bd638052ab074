// The FileSystem port on Bun. https://bun.com/docs/api/file-io
// Metadata through node:fs/promises (Bun implements it natively; it has lstat/realpath/readdir, which
// Bun.file lacks). Bodies over one read chunk take one of two paths, by the size of the range, as neither was
// faster for every size when measured through weft's server (wrk, Bun 1.4.5, 2 shared cores):
//   64 KiB file:  open + read per pull ≈ 3 700–6 400 req/s, Bun.file(…).stream() ≈ 2 700–2 900 req/s;
//   256 KiB:      about even (1 600–2 600 req/s both);
//   1 MiB / 8 MiB: Bun.file ≈ 10–25% more bytes/s; 1 GiB download: Bun.file 0.85 s, open+read 1.4–1.8 s.
// A range of one read chunk (64 KiB) or less takes a third path: one Bun.file(…).slice(…).bytes() on the
// first pull, so Bun opens, reads and closes it in native code (64 KiB file through weft's server, 4
// interleaved rounds against open + read: 4 300–5 200 → 5 000–6 700 req/s, 290 → 245 µs CPU per request).
// Bun.file streams read 256–512 KiB at a time in native code (few crossings into JS for big files) but
// cost more to set up per response. Memory stays bounded either way: with a reader that stops after one
// chunk, Bun.file's RSS grew 2.6 MiB in 1.5 s (nothing is read ahead), and weft pulls only as the socket
// drains.
import { open, readdir, realpath, stat, lstat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { DEFAULT_STATIC_FILE_OPTIONS, type FileStat, type FileSystem } from "@weft/core";

const READ_CHUNK_BYTES = DEFAULT_STATIC_FILE_OPTIONS.readChunkBytes;
/** Ranges over one read chunk and up to this size are read with open + read per pull; larger ones
 * stream through Bun.file (the measured crossover above). */
const BUN_FILE_MIN_BYTES = 256 * 1024;
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

/** A range that is one chunk: read whole by one native call on the first pull (Bun opens, reads and
 * closes the file in native code), instead of three round trips through node:fs/promises. */
function readWhole(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  const want = end - start + 1;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const bytes = await Bun.file(path).slice(start, end + 1).bytes();
          if (bytes.byteLength < want) throw new Error("weft: file shrank while it was being served");
          controller.enqueue(bytes);
          controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 }, // nothing is read before the consumer's first read
  );
}

/** open + read `READ_CHUNK_BYTES` per pull into a fresh buffer (the consumer keeps each chunk). */
function readPerPull(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let position = start;
  const close = () => {
    const h = handle;
    handle = undefined;
    return h?.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          handle ??= await open(path, "r");
          const want = Math.min(READ_CHUNK_BYTES, end - position + 1);
          const buffer = new Uint8Array(want);
          const { bytesRead } = await handle.read(buffer, 0, want, position);
          if (bytesRead === 0) throw new Error("weft: file shrank while it was being served");
          position += bytesRead;
          controller.enqueue(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
          if (position > end) {
            await close();
            controller.close();
          }
        } catch (error) {
          await close();
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 }, // nothing is read before the consumer's first read
  );
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
  openRange: (path, start, end) =>
    end - start + 1 <= READ_CHUNK_BYTES ? readWhole(path, start, end)
      : end - start + 1 < BUN_FILE_MIN_BYTES ? readPerPull(path, start, end)
      : Bun.file(path).slice(start, end + 1).stream(),
};

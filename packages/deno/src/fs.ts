// The FileSystem port on Deno: Deno.stat / Deno.lstat / Deno.realPath / Deno.readDir / Deno.open.
// https://docs.deno.com/api/deno/file-system
// openRange opens (and seeks, for a range not at the start) on the first pull, then reads `readChunkBytes` per pull into a fresh buffer
// (the consumer keeps each chunk); nothing is read until asked for.
import { DEFAULT_STATIC_FILE_OPTIONS, type FileStat, type FileSystem } from "@weft/core";

const READ_CHUNK_BYTES = DEFAULT_STATIC_FILE_OPTIONS.readChunkBytes;

const toStat = (s: Deno.FileInfo): FileStat => ({
  isFile: s.isFile,
  isDirectory: s.isDirectory,
  isSymlink: s.isSymlink,
  size: s.size,
  mtimeMs: s.mtime ? s.mtime.getTime() : null,
  ino: s.ino,
});

/** Errors that mean "no such path" for the port. */
const isNotFound = (error: unknown): boolean =>
  error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
  error instanceof Deno.errors.FilesystemLoop;

/** Core answers 403 for `code: "EACCES"` (ports.ts); Deno reports PermissionDenied instead. */
const translate = (error: unknown): unknown =>
  error instanceof Deno.errors.PermissionDenied ? Object.assign(error, { code: "EACCES" }) : error;

async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw translate(error);
  }
}

export const fs: FileSystem = {
  async stat(path) {
    const s = await orNull(Deno.stat(path));
    return s && toStat(s);
  },
  async lstat(path) {
    const s = await orNull(Deno.lstat(path));
    return s && toStat(s);
  },
  realPath: (path) => Deno.realPath(path).catch((error) => Promise.reject(translate(error))),
  async readDir(path) {
    const out = [];
    for await (const e of Deno.readDir(path)) {
      out.push({ name: e.name, isFile: e.isFile, isDirectory: e.isDirectory, isSymlink: e.isSymlink });
    }
    return out;
  },
  openRange(path, start, end) {
    let file: Deno.FsFile | undefined;
    let position = start;
    const close = () => {
      try {
        file?.close();
      } catch {
        // already closed
      }
      file = undefined;
    };
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            if (!file) {
              file = await Deno.open(path, { read: true });
              // A whole file (the usual response) starts where a new descriptor already is: no seek op.
              if (start > 0) await file.seek(start, Deno.SeekMode.Start);
            }
            const want = Math.min(READ_CHUNK_BYTES, end - position + 1);
            const buffer = new Uint8Array(want);
            const bytesRead = await file.read(buffer);
            if (bytesRead === null || bytesRead === 0) throw new Error("weft: file shrank while it was being served");
            position += bytesRead;
            controller.enqueue(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
            if (position > end) {
              close();
              controller.close();
            }
          } catch (error) {
            close();
            controller.error(translate(error));
          }
        },
        cancel: close,
      },
      { highWaterMark: 0 },
    );
  },
};

// An in-memory FileSystem for serveStatic unit tests: files, folders and symlinks under absolute paths,
// with counters so tests can see how much was read and when.
import type { DirEntry, FileStat, FileSystem } from "../src/index.ts";

type Node =
  | { kind: "file"; data: Uint8Array; mtimeMs: number; ino: number }
  | { kind: "dir"; mtimeMs: number; ino: number }
  | { kind: "link"; target: string; ino: number };

export interface FakeFs extends FileSystem {
  /** Chunks handed out by openRange streams so far. */
  pulls: number;
  /** Ranges opened, as "path start-end". */
  opened: string[];
}

const MAX_LINK_DEPTH = 40;
const READ_CHUNK = 4;

const normalize = (path: string): string => {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
};
const parentOf = (path: string): string => normalize(`${path}/..`);

/** `spec` maps absolute paths to file contents (string), `{ dir: true }` or `{ link: "target" }`. Parent
 * folders are created implicitly. Every file gets mtime `mtimeMs` unless it gives its own. */
export function fakeFs(
  spec: Record<string, string | Uint8Array | { dir: true } | { link: string } | { data: string; mtimeMs: number }>,
  mtimeMs = Date.UTC(2024, 0, 2, 3, 4, 5),
): FakeFs {
  const nodes = new Map<string, Node>();
  let ino = 1;
  const mkdirs = (path: string) => {
    for (let p = path; !nodes.has(p); p = parentOf(p)) {
      nodes.set(p, { kind: "dir", mtimeMs, ino: ino++ });
      if (p === "/") break;
    }
  };
  mkdirs("/");
  for (const [rawPath, value] of Object.entries(spec)) {
    const path = normalize(rawPath);
    mkdirs(parentOf(path));
    if (typeof value === "string" || value instanceof Uint8Array) {
      const data = typeof value === "string" ? new TextEncoder().encode(value) : value;
      nodes.set(path, { kind: "file", data, mtimeMs, ino: ino++ });
    } else if ("dir" in value) nodes.set(path, { kind: "dir", mtimeMs, ino: ino++ });
    else if ("link" in value) nodes.set(path, { kind: "link", target: value.link, ino: ino++ });
    else nodes.set(path, { kind: "file", data: new TextEncoder().encode(value.data), mtimeMs: value.mtimeMs, ino: ino++ });
  }

  /** Resolve every symlink in `path`; null if some component is missing or not a folder. */
  const resolve = (path: string, followLast: boolean, depth = 0): string | null => {
    if (depth > MAX_LINK_DEPTH) return null;
    const parts = normalize(path).split("/").filter(Boolean);
    let current = "/";
    for (let i = 0; i < parts.length; i++) {
      const parentNode = nodes.get(current);
      if (!parentNode || parentNode.kind !== "dir") return null;
      const next = normalize(`${current}/${parts[i]}`);
      const node = nodes.get(next);
      if (node?.kind === "link" && (followLast || i < parts.length - 1)) {
        const target = node.target.startsWith("/") ? node.target : `${current}/${node.target}`;
        const resolved = resolve(target, true, depth + 1);
        if (resolved === null) return null;
        current = resolved;
      } else current = next;
    }
    return nodes.has(current) ? current : null;
  };
  const statOf = (node: Node, isSymlink: boolean): FileStat => ({
    isFile: node.kind === "file",
    isDirectory: node.kind === "dir",
    isSymlink,
    size: node.kind === "file" ? node.data.length : 0,
    mtimeMs: node.kind === "link" ? null : node.mtimeMs,
    ino: node.ino,
  });

  const fs: FakeFs = {
    pulls: 0,
    opened: [],
    async stat(path) {
      const real = resolve(path, true);
      return real === null ? null : statOf(nodes.get(real)!, false);
    },
    async lstat(path) {
      const real = resolve(path, false);
      if (real === null) return null;
      const node = nodes.get(real)!;
      return statOf(node, node.kind === "link");
    },
    async realPath(path) {
      const real = resolve(path, true);
      if (real === null) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return real;
    },
    async readDir(path) {
      const real = resolve(path, true);
      if (real === null) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      const prefix = real === "/" ? "/" : `${real}/`;
      const out: DirEntry[] = [];
      for (const [p, node] of nodes) {
        if (p !== real && p.startsWith(prefix) && !p.slice(prefix.length).includes("/")) {
          out.push({ name: p.slice(prefix.length), isFile: node.kind === "file", isDirectory: node.kind === "dir", isSymlink: node.kind === "link" });
        }
      }
      return out;
    },
    openRange(path, start, end) {
      fs.opened.push(`${path} ${start}-${end}`);
      let position = start;
      // Pulled one small chunk at a time, as the real adapters do with 64 KiB.
      return new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            const real = resolve(path, true);
            const node = real === null ? undefined : nodes.get(real);
            if (!node || node.kind !== "file") return controller.error(new Error(`ENOENT: ${path}`));
            const stop = Math.min(end + 1, position + READ_CHUNK);
            fs.pulls++;
            controller.enqueue(node.data.slice(position, stop));
            position = stop;
            if (position > end) controller.close();
          },
        },
        { highWaterMark: 0 },
      );
    },
  };
  return fs;
}

// serveStatic: a folder as a fetch handler, runtime-agnostic (file access through the FileSystem port).
//
// Life of a request, as a straight line of early returns (Deno's file server and Hono's serve-static
// read the same way):
//   method (GET/HEAD, else 405) → decode and check the path (400) → dotfiles (404) → stat (404) →
//   symlink containment (404) → directory: redirect to the slash form (301), index.html, listing or 404 →
//   pick a precompressed sibling → validators → 304 → Range (206 / 416) → 200.
// Refusals that reveal nothing about the disk (dotfiles, escapes, missing) all look the same: 404.
import type { FileStat, FileSystem } from "../ports.ts";
import type { FetchHandler } from "../types.ts";
import { etagOf, httpDate, ifRangeAllows, isNotModified, parseRange } from "./conditional.ts";
import { readListing, renderListing } from "./listing.ts";
import { acceptedCodings, CODINGS, type Coding, contentTypeOf, isCompressible } from "./negotiate.ts";
import { hasDotSegment, isInside, joinUnderRoot, segmentsBelow, toSafePath, urlPathOf } from "./path.ts";

export interface ServeStaticOptions {
  /** Folder to serve. Resolved to its real path once, on the first request. */
  root: string;
  fs: FileSystem;
  /** HTML listing for folders without an index file. Default true; false → 404. */
  listing?: boolean;
  /** "ignore" (default): any path segment starting with "." is 404, and hidden from listings, except a
   * leading `/.well-known/` (RFC 8615). "allow": served like any other file. */
  dotfiles?: "ignore" | "allow";
  /** "inside" (default): a symlink is followed only when its real path stays under the real root.
   * "any": follow every symlink (the target must still be readable by the process). */
  followSymlinks?: "inside" | "any";
  /** Sent as Cache-Control on file responses (200, 206, 304). Default: none. */
  cacheControl?: string;
  /** Answer for 404s (e.g. the seed's 404.html). Default: a plain "Not Found". */
  notFound?: (request: Request) => Response | Promise<Response>;
  /** Serve `file.br` / `file.gz` when they exist and Accept-Encoding allows. Default true. */
  precompressed?: boolean;
  /** File served for a folder URL. Default "index.html"; "" disables index files. */
  index?: string;
}

const ALLOW = "GET, HEAD";
const plain = (status: number, text: string, headers: Record<string, string> = {}): Response =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

/** Errors the adapters report for a path the process may not read (see FileSystem in ports.ts). */
const isPermissionError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EACCES" || code === "EPERM";
};

export function serveStatic(options: ServeStaticOptions): FetchHandler {
  const { fs } = options;
  const listing = options.listing ?? true;
  const hideDotfiles = (options.dotfiles ?? "ignore") === "ignore";
  const confine = (options.followSymlinks ?? "inside") === "inside";
  const precompressed = options.precompressed ?? true;
  const indexName = options.index ?? "index.html";
  const notFound = options.notFound ?? (() => plain(404, "Not Found"));

  // The root's real path, resolved once (a failed attempt is retried by the next request).
  let realRoot: Promise<string> | undefined;
  const rootPath = (): Promise<string> => {
    realRoot ??= fs.realPath(options.root).catch((error: unknown) => {
      realRoot = undefined;
      throw error;
    });
    return realRoot;
  };

  /** stat `path`, then refuse it (null) if a symlink took it out of the root or onto a dotfile. */
  async function statInside(root: string, path: string): Promise<FileStat | null> {
    const stat = await fs.stat(path);
    if (stat === null || !confine) return stat;
    const real = await fs.realPath(path);
    if (!isInside(root, real)) return null;
    if (hideDotfiles && hasDotSegment(segmentsBelow(root, real))) return null;
    return stat;
  }

  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plain(405, "Method Not Allowed", { allow: ALLOW });
    }
    const url = new URL(request.url);
    const safe = toSafePath(url.pathname);
    if (!safe.ok) return plain(400, "Bad Request");
    const { segments, trailingSlash } = safe;
    if (hideDotfiles && hasDotSegment(segments)) return notFound(request);

    const root = await rootPath();
    const path = joinUnderRoot(root, segments);
    let stat: FileStat | null;
    try {
      stat = await statInside(root, path);
    } catch (error) {
      if (isPermissionError(error)) return plain(403, "Forbidden");
      throw error;
    }
    if (stat === null) return notFound(request);

    if (stat.isDirectory) {
      // A folder's relative links only resolve against its slash form (RFC 3986 §5.2.3).
      if (!trailingSlash && segments.length > 0) {
        return new Response(null, { status: 301, headers: { location: urlPathOf(segments, true) + url.search } });
      }
      if (indexName) {
        const indexPath = `${path}/${indexName}`;
        const indexStat = await statInside(root, indexPath).catch(() => null);
        if (indexStat?.isFile) return serveFile(request, indexPath, indexStat);
      }
      if (!listing) return notFound(request);
      const rows = await readListing(fs, path, !hideDotfiles);
      const html = renderListing(urlPathOf(segments, true), rows);
      return new Response(request.method === "HEAD" ? null : html, {
        headers: { "content-type": "text/html; charset=utf-8", "content-length": String(new TextEncoder().encode(html).length) },
      });
    }
    // Devices, sockets, FIFOs are not files to serve; `/file.txt/` names no folder.
    if (!stat.isFile || trailingSlash) return notFound(request);
    return serveFile(request, path, stat);
  };

  async function serveFile(request: Request, path: string, stat: FileStat): Promise<Response> {
    const contentType = contentTypeOf(path);
    const headers = new Headers({ "content-type": contentType, "accept-ranges": "bytes" });
    if (options.cacheControl) headers.set("cache-control", options.cacheControl);

    // Precompressed siblings. Vary goes on every response for a file that has one, including the
    // identity response, so a shared cache never hands the plain file's key to the wrong client
    // (RFC 9110 §12.5.5). Range requests always get the identity file: byte offsets a resuming client
    // holds refer to the plain file, and mixing codings across ranges would corrupt it.
    let chosen: { path: string; stat: FileStat; coding: Coding | null } = { path, stat, coding: null };
    if (precompressed && isCompressible(contentType)) {
      const root = await rootPath();
      const siblings = await Promise.all(CODINGS.map((c) => statInside(root, path + c.suffix).catch(() => null)));
      if (siblings.some((s) => s?.isFile)) {
        headers.set("vary", "accept-encoding");
        if (!request.headers.has("range")) {
          for (const coding of acceptedCodings(request.headers.get("accept-encoding"))) {
            const sibling = siblings[CODINGS.indexOf(coding)];
            if (sibling?.isFile) {
              chosen = { path: path + coding.suffix, stat: sibling, coding };
              break;
            }
          }
        }
      }
    }
    if (chosen.coding) headers.set("content-encoding", chosen.coding.coding);
    const size = chosen.stat.size;
    const etag = etagOf(chosen.stat, chosen.coding?.coding);
    const lastModified = httpDate(chosen.stat.mtimeMs);
    headers.set("etag", etag);
    if (lastModified) headers.set("last-modified", lastModified);

    // RFC 9110 §13.2.2: If-None-Match / If-Modified-Since are evaluated before Range.
    if (isNotModified(request.headers, etag, chosen.stat.mtimeMs)) {
      for (const name of ["content-type", "accept-ranges", "content-encoding"]) headers.delete(name);
      return new Response(null, { status: 304, headers });
    }

    const isHead = request.method === "HEAD";
    const range = chosen.coding || !ifRangeAllows(request.headers, etag, lastModified)
      ? { kind: "none" as const }
      : parseRange(request.headers.get("range"), size);
    if (range.kind === "unsatisfiable") {
      return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}`, "content-length": "0" } });
    }
    if (range.kind === "single") {
      const length = range.end - range.start + 1;
      headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
      headers.set("content-length", String(length));
      const body = isHead ? null : fs.openRange(chosen.path, range.start, range.end);
      return new Response(body, { status: 206, headers });
    }
    headers.set("content-length", String(size));
    // The body is pulled from disk as the connection drains it (FileSystem.openRange), never buffered.
    const body = isHead || size === 0 ? null : fs.openRange(chosen.path, 0, size - 1);
    return new Response(body, { status: 200, headers });
  }
}

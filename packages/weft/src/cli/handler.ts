// The handler `weft serve` runs: serveStatic over the runtime's FileSystem port, the folder's own
// 404.html as the not-found page, and optional CORS. Built from plain data (CliHandlerConfig) so the same
// handler can be rebuilt inside each pool worker (see app.ts).
import { serveStatic, type FetchHandler, type FileSystem, type ServeInfo } from "@weft/core";
import { helloApp } from "./hello.ts";

export interface CliHandlerConfig {
  app: "static" | "hello";
  /** Absolute folder to serve (static). */
  root: string;
  listing: boolean;
  cors: boolean;
}

/** The environment variable carrying CliHandlerConfig as JSON from the CLI to its pool workers. */
export const CONFIG_ENV = "WEFT_CLI_CONFIG";

const NOT_FOUND_PAGE = "404.html";
/** serveStatic ignores connection info; the inner 404.html lookup has none to give. */
const NO_INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "", port: 0 } };
/** How long a browser may cache a CORS preflight answer (seconds). */
const PREFLIGHT_MAX_AGE_S = 86_400;

/** A custom 404: the folder's own `/404.html` (the seed's convention) when it has one, else plain text.
 * It is fetched through a second serveStatic, so the same path, dotfile and symlink checks apply. */
function notFoundPage(fs: FileSystem, root: string, listing: boolean) {
  const pages = serveStatic({ root, fs, listing, precompressed: false });
  const plain = () => new Response("Not Found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  return async (request: Request): Promise<Response> => {
    const method = request.method === "HEAD" ? "HEAD" : "GET";
    const page = await pages(new Request(new URL(`/${NOT_FOUND_PAGE}`, request.url), { method }), NO_INFO);
    if (page.status !== 200) {
      await page.body?.cancel();
      return plain();
    }
    // Validators describe 404.html, not the missing URL: a cache must not revalidate one with the other.
    const headers = new Headers(page.headers);
    for (const name of ["etag", "last-modified", "accept-ranges"]) headers.delete(name);
    return new Response(page.body, { status: 404, headers });
  };
}

/** CORS for a public file server: any origin, read-only methods, no credentials (Fetch standard §3.2). */
function withCors(handler: FetchHandler): FetchHandler {
  return async (request, info) => {
    const isPreflight = request.method === "OPTIONS" && request.headers.has("origin") &&
      request.headers.has("access-control-request-method");
    if (isPreflight) {
      const headers = new Headers({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
      });
      const wanted = request.headers.get("access-control-request-headers");
      if (wanted) headers.set("access-control-allow-headers", wanted);
      return new Response(null, { status: 204, headers });
    }
    const response = await handler(request, info);
    const headers = new Headers(response.headers);
    headers.set("access-control-allow-origin", "*");
    headers.set("access-control-expose-headers", "content-length, content-range, etag, last-modified");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

export function createCliHandler(config: CliHandlerConfig, fs: FileSystem): FetchHandler {
  const base = config.app === "hello"
    ? helloApp
    : serveStatic({ root: config.root, fs, listing: config.listing, notFound: notFoundPage(fs, config.root, config.listing) });
  return config.cors ? withCors(base) : base;
}

// The weft benchmark app: `export default { fetch }`, run by weft inline (weft.ts passes its fetch) and
// on the worker pool (weft.ts passes this module's URL; every worker imports it). Same routes and bytes as
// the native servers (content.ts); GET /static.bin goes through weft's own static-file handler.
import { type FileSystem, type ServeInfo, serveStatic } from "@weft/core";
import {
  benchEnv, blockFor, cpuBody, HTML, HTML_TYPE, OCTETS_TYPE, pathOf, sleepMsOf, TEXT_TYPE,
} from "./content.ts";

type Handler = (request: Request) => Promise<Response>;

const env = benchEnv();
const htmlHeaders = { "content-type": HTML_TYPE };
const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": TEXT_TYPE } });

/** weft's static-file handler (core's serveStatic) over WEFT_BENCH_STATIC_DIR, with this runtime's
 * FileSystem port: from the adapter's exports, else from its source file (until the adapter exports it). */
async function staticHandler(): Promise<Handler | null> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
  // Computed specifiers: typechecking the bench (Node's types) must not pull in other runtimes' adapters.
  const adapter: string = `@weft/${runtime}`;
  const adapterFile = new URL(`../../../packages/${runtime}/src/fs.ts`, import.meta.url).href;
  let fs = ((await import(adapter)) as { fs?: FileSystem }).fs;
  fs ??= ((await import(adapterFile)) as { fs?: FileSystem }).fs;
  if (!fs) return null;
  const handler = serveStatic({ root: env.staticDir, fs });
  const info: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 } };
  return async (request) => handler(request, info);
}

const serveStaticFile = await staticHandler();

/** Not `async`: synchronous routes return their Response directly, as the native servers' handlers do
 * (an async function would cost every request a promise). */
function fetch(request: Request): Response | Promise<Response> {
  const path = pathOf(request.url);
  if (request.method === "GET" && path === "/") return new Response(HTML, { headers: htmlHeaders });
  if (request.method === "POST" && path === "/echo") {
    return request.arrayBuffer().then((body) => new Response(body, { headers: { "content-type": OCTETS_TYPE } }));
  }
  if (request.method === "GET" && path === "/static.bin") {
    return serveStaticFile ? serveStaticFile(request) : text(501, "weft static handler not available\n");
  }
  if (request.method === "GET" && path === "/cpu") return text(200, cpuBody(env.cpuIterations));
  if (request.method === "GET" && path === "/sleep") {
    blockFor(sleepMsOf(request.url));
    return text(200, "slept\n");
  }
  return text(404, "not found\n");
}

export default { fetch };

// The weft benchmark app: `export default { fetch }`, run by weft inline (weft.ts passes its fetch) and
// on the worker pool (weft.ts passes this module's URL; every worker imports it). Same routes and bytes as
// the native servers (content.ts); GET /static.bin goes through weft's own static-file handler.
import {
  benchEnv, blockFor, cpuBody, HTML, HTML_TYPE, OCTETS_TYPE, pathOf, sleepMsOf, TEXT_TYPE,
} from "./content.ts";

const env = benchEnv();
const htmlHeaders = { "content-type": HTML_TYPE };
const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": TEXT_TYPE } });

/** weft's static handler for this runtime, or null while it does not exist yet (see staticHandler). */
const serveStaticFile = await staticHandler();

async function fetch(request: Request): Promise<Response> {
  const path = pathOf(request.url);
  if (request.method === "GET" && path === "/") return new Response(HTML, { headers: htmlHeaders });
  if (request.method === "POST" && path === "/echo") {
    return new Response(await request.arrayBuffer(), { headers: { "content-type": OCTETS_TYPE } });
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

type Handler = (request: Request) => Promise<Response>;

/** weft's static-file handler over WEFT_BENCH_STATIC_DIR, with this runtime's file-system port. */
async function staticHandler(): Promise<Handler | null> {
  return null;
}

export default { fetch };

// The native baseline on Deno: Deno.serve, written the way its docs show, with the same routes and bytes
// as every other benchmark server (content.ts). https://docs.deno.com/api/deno/~/Deno.serve
import {
  benchEnv, blockFor, cpuBody, HTML, HTML_TYPE, OCTETS_TYPE, pathOf, PORT_LINE_PREFIX, sleepMsOf,
  STATIC_NAME, TEXT_TYPE,
} from "./content.ts";

/** The slice of the Deno namespace this file uses (the bench typechecks with Node's types only). */
interface DenoApi {
  serve(
    options: { hostname: string; port: number; onListen(addr: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
  open(path: string): Promise<{ stat(): Promise<{ size: number }>; readable: ReadableStream<Uint8Array> }>;
  addSignalListener(signal: "SIGTERM" | "SIGINT", listener: () => void): void;
  exit(code: number): never;
}
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const env = benchEnv();
const staticPath = `${env.staticDir}/${STATIC_NAME}`;
const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": TEXT_TYPE } });

/** Idiomatic Deno file response: open, stat for the length, stream `file.readable` (closes itself). */
async function staticFile(): Promise<Response> {
  const file = await Deno.open(staticPath);
  const { size } = await file.stat();
  return new Response(file.readable, { headers: { "content-type": OCTETS_TYPE, "content-length": String(size) } });
}

/** Not `async`: synchronous routes return their Response directly (no promise per request). */
function handle(request: Request): Response | Promise<Response> {
  const path = pathOf(request.url);
  if (request.method === "GET" && path === "/") {
    return new Response(HTML, { headers: { "content-type": HTML_TYPE } });
  }
  if (request.method === "POST" && path === "/echo") {
    return request.arrayBuffer().then((body) => new Response(body, { headers: { "content-type": OCTETS_TYPE } }));
  }
  if (request.method === "GET" && path === "/static.bin") return staticFile();
  if (request.method === "GET" && path === "/cpu") return text(200, cpuBody(env.cpuIterations));
  if (request.method === "GET" && path === "/sleep") {
    blockFor(sleepMsOf(request.url));
    return text(200, "slept\n");
  }
  return text(404, "not found\n");
}

// Deno.serve has no keep-alive idle timeout to configure (NOTES.md): idle connections stay open.
Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`${PORT_LINE_PREFIX}${port}`) }, handle);
// Exit cleanly on SIGTERM so `--cpu-prof` writes its profile (profile.ts relies on it).
for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, () => Deno.exit(0));

// The native baseline on Bun: Bun.serve, written the way its docs show, with the same routes and bytes
// as every other benchmark server (content.ts). https://bun.sh/docs/api/http
import {
  benchEnv, blockFor, cpuBody, HTML, HTML_TYPE, IDLE_TIMEOUT_MS, OCTETS_TYPE, pathOf, PORT_LINE_PREFIX,
  sleepMsOf, STATIC_NAME, TEXT_TYPE,
} from "./content.ts";

/** The slice of the Bun namespace this file uses (the bench typechecks with Node's types only). */
interface BunApi {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response | Promise<Response>;
  }): { port: number };
  file(path: string): Blob;
}
const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

/** Bun.serve's idleTimeout is in seconds and at most 255. */
const BUN_MAX_IDLE_SECONDS = 255;

const env = benchEnv();
const staticPath = `${env.staticDir}/${STATIC_NAME}`;
const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": TEXT_TYPE } });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: Math.min(BUN_MAX_IDLE_SECONDS, IDLE_TIMEOUT_MS / 1000),
  // Not `async`: synchronous routes return their Response directly (no promise per request).
  fetch(request) {
    const path = pathOf(request.url);
    if (request.method === "GET" && path === "/") {
      return new Response(HTML, { headers: { "content-type": HTML_TYPE } });
    }
    if (request.method === "POST" && path === "/echo") {
      return request.arrayBuffer().then((body) => new Response(body, { headers: { "content-type": OCTETS_TYPE } }));
    }
    if (request.method === "GET" && path === "/static.bin") {
      // Idiomatic Bun file response: Bun.file (sendfile under the hood). Content-Type from the name.
      return new Response(Bun.file(staticPath));
    }
    if (request.method === "GET" && path === "/cpu") return text(200, cpuBody(env.cpuIterations));
    if (request.method === "GET" && path === "/sleep") {
      blockFor(sleepMsOf(request.url));
      return text(200, "slept\n");
    }
    return text(404, "not found\n");
  },
});
console.log(`${PORT_LINE_PREFIX}${server.port}`);
// Exit cleanly on SIGTERM so `--cpu-prof` writes its profile (profile.ts relies on it).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));

// The native baseline on Node: node:http, written the way its docs show, with the same routes and bytes
// as every other benchmark server (content.ts). https://nodejs.org/api/http.html
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import {
  benchEnv, blockFor, cpuBody, HTML, HTML_TYPE, IDLE_TIMEOUT_MS, OCTETS_TYPE, pathOf, PORT_LINE_PREFIX,
  sleepMsOf, STATIC_NAME, TEXT_TYPE,
} from "./content.ts";

const env = benchEnv();
const staticPath = join(env.staticDir, STATIC_NAME);
const htmlLength = Buffer.byteLength(HTML);

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  send(res, 200, OCTETS_TYPE, Buffer.concat(chunks));
}

/** Idiomatic Node file response: stat for the length, then stream the file. */
async function staticFile(res: ServerResponse): Promise<void> {
  const info = await stat(staticPath);
  res.writeHead(200, { "content-type": OCTETS_TYPE, "content-length": info.size });
  createReadStream(staticPath).pipe(res);
}

/** Synchronous routes answer at once; only the routes that wait return a promise. */
function handle(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  const path = pathOf(req.url ?? "/");
  if (req.method === "GET" && path === "/") {
    res.writeHead(200, { "content-type": HTML_TYPE, "content-length": htmlLength });
    res.end(HTML);
  } else if (req.method === "POST" && path === "/echo") {
    return echo(req, res);
  } else if (req.method === "GET" && path === "/static.bin") {
    return staticFile(res);
  } else if (req.method === "GET" && path === "/cpu") {
    send(res, 200, TEXT_TYPE, cpuBody(env.cpuIterations));
  } else if (req.method === "GET" && path === "/sleep") {
    blockFor(sleepMsOf(req.url ?? ""));
    send(res, 200, TEXT_TYPE, "slept\n");
  } else {
    send(res, 404, TEXT_TYPE, "not found\n");
  }
}

const server = createServer((req, res) => {
  handle(req, res)?.catch(() => {
    if (!res.headersSent) send(res, 500, TEXT_TYPE, "error\n");
    else res.destroy();
  });
});
server.keepAliveTimeout = IDLE_TIMEOUT_MS;
server.headersTimeout = IDLE_TIMEOUT_MS + 1_000; // must exceed keepAliveTimeout (node:http docs)
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`${PORT_LINE_PREFIX}${address.port}`);
});
// Exit cleanly on SIGTERM so `--cpu-prof` writes its profile (profile.ts relies on it).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));

// What weft keeps per idle keep-alive connection on Bun (issue 6: KiB of RSS per idle connection),
// counted on the heap (bun:jsc heapStats) rather than as RSS, so the test is exact and fast: after one
// answered request, a connection is its socket, its BunTransport and core's Connection — two objects of
// weft's — and no string (its remote address is only read when a handler asks for it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { heapStats } from "bun:jsc";
import { serve } from "../src/index.ts";

const CONNECTIONS = 200;
const REQUEST = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

/** Live objects of each type, after a full collection. */
function counts(): Record<string, number> {
  Bun.gc(true);
  return heapStats().objectTypeCounts;
}

test("bun adapter: an idle keep-alive connection holds two objects of weft's and no string", async () => {
  const server = await serve({ port: 0, fetch: () => new Response("ok") });
  const answered: Array<() => void> = [];
  // One handler object for every client socket, so the client side adds no objects per connection.
  const handlers = {
    data(_socket: unknown, data: Uint8Array) {
      if (new TextDecoder().decode(data).endsWith("ok")) answered.shift()?.();
    },
  };
  const open = async () => {
    const done = new Promise<void>((resolve) => answered.push(resolve));
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: handlers });
    socket.write(REQUEST);
    await done;
    return socket;
  };
  try {
    (await open()).end(); // warm up: parser, response writer and their caches exist before counting
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = counts();
    const sockets = [];
    for (let i = 0; i < CONNECTIONS; i++) sockets.push(await open());
    const after = counts();
    const perConnection = (type: string) => ((after[type] ?? 0) - (before[type] ?? 0)) / CONNECTIONS;
    assert.ok(perConnection("Object") <= 2.2, `Objects per idle connection: ${perConnection("Object")} (Connection + BunTransport = 2)`);
    assert.ok(perConnection("string") <= 0.2, `strings per idle connection: ${perConnection("string")}`);
    for (const socket of sockets) socket.end();
  } finally {
    await server.close();
  }
});

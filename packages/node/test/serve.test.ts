// Smoke test of @weft/node on a real socket (run under `node --test` only; the adapter is Node's).
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { serve } from "../src/index.ts";

/** Send raw bytes, optionally half-close, and collect everything until the server closes or `until` matches. */
function exchange(port: number, raw: string, opts: { halfClose?: boolean; until?: RegExp } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (opts.until?.test(text)) socket.destroy(), resolve(text);
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
    socket.write(raw, () => opts.halfClose && socket.end());
  });
}

test("node adapter: keep-alive, pipelining, POST body, half-close", async () => {
  const server = await serve({
    port: 0,
    fetch: async (request) => new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`),
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const two = await exchange(server.port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", {
      until: /GET \/a [\s\S]*POST \/b abc$/,
    });
    assert.match(two, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(two.match(/HTTP\/1\.1 200/g)?.length, 2);
    const halfClosed = await exchange(server.port, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n", { halfClose: true });
    assert.match(halfClosed, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nGET \/late $/);
    const bad = await exchange(server.port, "GET / HTTP/1.1\r\n\r\n");
    assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close/);
  } finally {
    await server.close();
  }
  await server.finished;
});

test("node adapter: close() ends idle keep-alive connections and settles finished", async () => {
  const server = await serve({ port: 0, fetch: () => new Response("ok") });
  const socket = net.connect(server.port, "127.0.0.1");
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  const started = Date.now();
  await server.close();
  await closed;
  assert.ok(Date.now() - started < 2_000, "the idle connection was closed at once, not by its keep-alive timeout");
  await server.finished;
});

test("node adapter: info.remoteAddr is the client's address and port", async () => {
  // Issue 3: `info` carries at least the remote address (the shape Deno.serve uses).
  const server = await serve({ port: 0, fetch: (_request, info) => new Response(JSON.stringify(info.remoteAddr)) });
  try {
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    const clientPort = socket.localPort;
    socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    await new Promise<void>((resolve) => socket.on("close", () => resolve()));
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    assert.deepEqual(JSON.parse(body), { transport: "tcp", hostname: "127.0.0.1", port: clientPort });
  } finally {
    await server.close();
  }
});

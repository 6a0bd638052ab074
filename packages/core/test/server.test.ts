// server.ts over fake ports: maxConnections, graceful close, signals, handler resolution.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, resolveHandler } from "../src/server.ts";
import type { ConnectionEvents, Listen, Transport } from "../src/ports.ts";
import type { RuntimePorts } from "../src/types.ts";
import { FakeClock, FakeTransport, enc, settle } from "./connection-harness.ts";

/** Ports whose listener lets the test "accept" fake sockets and raise fake signals. */
function fakePorts() {
  let acceptFn: ((transport: Transport) => ConnectionEvents) | null = null;
  const state = { listening: false, signal: null as ((name: "SIGINT" | "SIGTERM") => void) | null, imported: [] as string[] };
  const listen: Listen = async (options, accept) => {
    acceptFn = accept;
    state.listening = true;
    return { hostname: options.hostname, port: options.port || 4321, close: async () => void (state.listening = false) };
  };
  const unused = () => {
    throw new Error("not used in this test");
  };
  const ports: RuntimePorts = {
    listen,
    loadWorkerHost: unused,
    fs: { stat: unused, lstat: unused, realPath: unused, readDir: unused, openRange: unused },
    signals: {
      onShutdownSignal(listener) {
        state.signal = listener;
        return () => void (state.signal = null);
      },
    },
    importModule: async (url) => {
      state.imported.push(url);
      return { default: { fetch: () => new Response("from module") } };
    },
  };
  /** A new fake socket, wired the way an adapter would (events are closed when the socket ends/is destroyed). */
  const connect = ({ closeOnEnd = true } = {}) => {
    const transport = new FakeTransport();
    const events = acceptFn!(transport);
    const close = () => events.onClose();
    const { end, destroy } = transport;
    transport.end = () => (end.call(transport), closeOnEnd && close());
    transport.destroy = () => (destroy.call(transport), close());
    return { transport, events };
  };
  return { ports, state, connect };
}

test("createServer: url and port from the listener; the handler answers", async () => {
  const { ports, connect } = fakePorts();
  const server = await createServer({ fetch: () => new Response("hi") }, ports);
  assert.equal(server.url, "http://127.0.0.1:4321/");
  const { transport, events } = connect();
  events.onData(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  assert.match(transport.text, /\r\n\r\nhi$/);
  await server.close();
});

test("maxConnections: a connection beyond it is closed at once, without a byte", async () => {
  const { ports, connect } = fakePorts();
  const server = await createServer({ fetch: () => new Response("hi"), connection: { maxConnections: 2 } }, ports);
  const a = connect();
  const b = connect();
  const c = connect();
  assert.equal(c.transport.ended, true);
  assert.equal(c.transport.text, "");
  assert.equal(a.transport.ended || b.transport.ended, false);
  a.transport.destroy(); // one leaves: room for another
  const d = connect();
  assert.equal(d.transport.ended, false);
  await server.close();
});

test("maxConnections: a refused peer that never closes its side is destroyed after writeTimeout", async () => {
  const { ports, connect } = fakePorts();
  const clock = new FakeClock();
  const server = await createServer({ fetch: () => new Response("hi"), connection: { maxConnections: 1 }, timeouts: { writeTimeout: 500 } }, ports, { clock });
  connect();
  const stubborn = connect({ closeOnEnd: false });
  assert.equal(stubborn.transport.ended, true);
  clock.advance(499);
  assert.equal(stubborn.transport.destroyed, false);
  clock.advance(1);
  assert.equal(stubborn.transport.destroyed, true);
  await server.close();
});

test("close(): stops listening, ends idle connections at once, lets a busy one finish with Connection: close", async () => {
  const { ports, state, connect } = fakePorts();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await createServer({ fetch: async (request) => (new URL(request.url).pathname === "/slow" && (await gate), new Response("done")) }, ports);
  const idle = connect();
  idle.events.onData(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  const busy = connect();
  busy.events.onData(enc("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  let finished = false;
  void server.finished.then(() => (finished = true));
  const closing = server.close();
  await settle();
  assert.equal(state.listening, false);
  assert.equal(idle.transport.ended, true);
  assert.equal(busy.transport.ended, false);
  assert.equal(finished, false);
  release();
  await closing;
  assert.match(busy.transport.text, /Connection: close\r\n\r\ndone$/);
  assert.equal(finished, true);
});

test("close(): a connection still busy after pool.drainTimeout is destroyed", async () => {
  const { ports, connect } = fakePorts();
  const clock = new FakeClock();
  const server = await createServer({ fetch: () => new Promise<Response>(() => {}), pool: { drainTimeout: 1000 } }, ports, { clock });
  const stuck = connect();
  stuck.events.onData(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  const closing = server.close();
  await settle();
  assert.equal(stuck.transport.destroyed, false);
  clock.advance(1000);
  await closing;
  assert.equal(stuck.transport.destroyed, true);
});

test("signal: aborting it closes the server", async () => {
  const { ports } = fakePorts();
  const controller = new AbortController();
  const server = await createServer({ fetch: () => new Response("x"), signal: controller.signal }, ports);
  controller.abort();
  await server.finished;
});

test("handleSignals: first signal closes gracefully, a second destroys what is left; listener removed", async () => {
  const { ports, state, connect } = fakePorts();
  const server = await createServer({ fetch: () => new Promise<Response>(() => {}), handleSignals: true }, ports);
  const stuck = connect();
  stuck.events.onData(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  state.signal!("SIGINT");
  await settle();
  assert.equal(stuck.transport.destroyed, false, "graceful first");
  state.signal!("SIGINT");
  await server.finished;
  assert.equal(stuck.transport.destroyed, true);
  assert.equal(state.signal, null, "the signal listener is removed once stopped");
});

test("a failed listen (port in use) rejects serve()", async () => {
  const { ports } = fakePorts();
  ports.listen = async () => {
    throw new Error("EADDRINUSE");
  };
  await assert.rejects(createServer({ fetch: () => new Response("x") }, ports), /EADDRINUSE/);
});

test("resolveHandler: fetch inline; module imported through the port and its default.fetch used", async () => {
  const { ports, state } = fakePorts();
  const inline = await resolveHandler({ fetch: () => new Response("inline") }, ports);
  assert.equal(await (await inline.fetch(new Request("http://x/"), { remoteAddr: { transport: "tcp", hostname: "", port: 0 } })).text(), "inline");
  const fromModule = await resolveHandler({ module: "file:///app.ts", workers: 0 }, ports);
  assert.deepEqual(state.imported, ["file:///app.ts"]);
  assert.equal(await (await fromModule.fetch(new Request("http://x/"), { remoteAddr: { transport: "tcp", hostname: "", port: 0 } })).text(), "from module");
  await assert.rejects(resolveHandler({}, ports), TypeError);
});

test("resolveHandler: a pool size that is not an integer >= 0 is refused, never run inline", async () => {
  const { ports } = fakePorts();
  for (const workers of [-1, 0.5, Number.NaN, Infinity]) {
    await assert.rejects(resolveHandler({ module: "file:///app.ts", workers }, ports), RangeError, `workers: ${workers}`);
  }
});

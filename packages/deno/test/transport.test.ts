// DenoTransport's write path over a fake Deno.TcpConn (run under `deno test` only): the first write of a
// turn waits for the one microtask that hands every connection's response to conn.write together
// (listen.ts, sendQueue), and nothing about order, partial writes, end or close changes with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DenoTransport } from "../src/listen.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A Deno.TcpConn that records what it is asked to do; each write resolves when the test says. */
class FakeConn {
  readonly calls: string[] = [];
  readonly pending: { data: Uint8Array; resolve: (n: number) => void }[] = [];
  remoteAddr = { transport: "tcp", hostname: "127.0.0.1", port: 40000 };
  constructor(private readonly name: string) {}
  write(data: Uint8Array): Promise<number> {
    this.calls.push(`${this.name} write ${text(data)}`);
    return new Promise((resolve) => this.pending.push({ data, resolve }));
  }
  /** Complete the oldest write, taking `n` of its bytes (all by default). */
  complete(n?: number): void {
    const write = this.pending.shift()!;
    write.resolve(n ?? write.data.byteLength);
  }
  closeWrite(): void {
    this.calls.push(`${this.name} closeWrite`);
  }
  close(): void {
    this.calls.push(`${this.name} close`);
  }
}

function transportOver(conn: FakeConn): DenoTransport {
  return new DenoTransport(conn as unknown as Deno.TcpConn);
}

/** A transport whose onClose is recorded: `closed()` is what it was called with ("not closed": never). */
function watchedTransportOver(conn: FakeConn): { transport: DenoTransport; closed: () => unknown } {
  const transport = transportOver(conn);
  let closedWith: unknown = "not closed";
  transport.events = { onData() {}, onDrain() {}, onEnd() {}, onClose: (error) => (closedWith = error) };
  return { transport, closed: () => closedWith };
}

/** Let every queued microtask (and the promise callbacks they queue) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

test("the responses of one turn reach conn.write together, after that turn's synchronous work", async () => {
  const a = new FakeConn("a");
  const b = new FakeConn("b");
  const ta = transportOver(a);
  const tb = transportOver(b);
  assert.equal(ta.write(bytes("one")), true);
  assert.equal(tb.write(bytes("two")), true);
  assert.deepEqual([...a.calls, ...b.calls], [], "no conn.write inside the turn that wrote");
  await null; // the hand-over microtask was queued first: it has run now
  assert.deepEqual(a.calls, ["a write one"]);
  assert.deepEqual(b.calls, ["b write two"]);
});

test("writes behind one not yet written keep their order, and a short write is finished first", async () => {
  const a = new FakeConn("a");
  const ta = transportOver(a);
  ta.write(bytes("head"));
  ta.write(bytes("body"));
  await null;
  assert.deepEqual(a.calls, ["a write head"]);
  a.complete(2); // conn.write took "he"
  await settle();
  assert.deepEqual(a.calls, ["a write head", "a write ad"]);
  a.complete();
  await settle();
  assert.deepEqual(a.calls, ["a write head", "a write ad", "a write body"]);
});

test("end() right after a write sends the bytes, then FIN", async () => {
  const a = new FakeConn("a");
  const ta = transportOver(a);
  ta.write(bytes("last"));
  ta.end();
  assert.equal(ta.write(bytes("late")), false, "nothing is taken after end()");
  await null;
  assert.deepEqual(a.calls, ["a write last"]);
  a.complete();
  await settle();
  assert.deepEqual(a.calls, ["a write last", "a closeWrite"]);
});

test("a connection destroyed before the hand-over writes nothing; the others still write", async () => {
  const a = new FakeConn("a");
  const b = new FakeConn("b");
  const { transport: ta, closed } = watchedTransportOver(a);
  const tb = transportOver(b);
  ta.write(bytes("dropped"));
  tb.write(bytes("kept"));
  ta.destroy();
  await settle();
  assert.deepEqual(a.calls, ["a close"]);
  assert.equal(closed(), undefined);
  assert.deepEqual(b.calls, ["b write kept"]);
});

test("a write in a later turn is handed over in that turn", async () => {
  const a = new FakeConn("a");
  const ta = transportOver(a);
  ta.write(bytes("first"));
  await null;
  a.complete();
  await settle();
  ta.write(bytes("second"));
  assert.deepEqual(a.calls, ["a write first"]);
  await null;
  assert.deepEqual(a.calls, ["a write first", "a write second"]);
});

test("a conn.write that throws closes its own connection only; the rest of the turn is still sent", async () => {
  const a = new FakeConn("a");
  const b = new FakeConn("b");
  a.write = () => {
    throw new Error("bad resource");
  };
  const { transport: ta, closed } = watchedTransportOver(a);
  const tb = transportOver(b);
  ta.write(bytes("lost"));
  tb.write(bytes("sent"));
  await settle();
  assert.equal((closed() as Error).message, "bad resource");
  assert.deepEqual(a.calls, ["a close"]);
  assert.deepEqual(b.calls, ["b write sent"]);
  tb.write(bytes("next"));
  b.complete();
  await settle();
  assert.deepEqual(b.calls, ["b write sent", "b write next"], "the queue is not stuck");
});

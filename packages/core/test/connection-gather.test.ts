// A short body of declared length goes out with its head: in one gathered write (Transport.writev), or
// joined to it below 16 KiB where the socket cannot gather; any other head goes out at once; a pipelined
// batch is still one write; a held head whose body fails before its first byte becomes a 500.
import { test } from "node:test";
import assert from "node:assert/strict";
import { enc, FakeTransport, harness, settle } from "./connection-harness.ts";

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const decoder = new TextDecoder();

/** Records each call: "write" or "writev:<pieces>", with the bytes of each. */
class GatheringTransport extends FakeTransport {
  readonly calls: { kind: string; text: string }[] = [];
  override write(data: Uint8Array): boolean {
    this.calls.push({ kind: "write", text: decoder.decode(data) });
    return super.write(data);
  }
  writev(chunks: Uint8Array[]): boolean {
    this.calls.push({ kind: `writev:${chunks.length}`, text: chunks.map((c) => decoder.decode(c)).join("") });
    let below = true;
    for (const chunk of chunks) below = super.write(chunk);
    return below;
  }
}

/** A body whose one chunk arrives when the test says (a file still being read). */
function lateBody(text: string): { body: ReadableStream<Uint8Array>; arrive: () => void } {
  let arrive!: () => void;
  const ready = new Promise<void>((resolve) => (arrive = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await ready;
      controller.enqueue(enc(text));
      controller.close();
    },
  }, { highWaterMark: 0 });
  return { body, arrive };
}

test("gathering transport: a short body of declared length goes out with its head in one call", async () => {
  // 20,000 bytes: gathered (writev, no copy); 10 bytes: below GATHER_MIN_BYTES, joined into one write.
  for (const [size, kind] of [[20_000, "writev:2"], [10, "write"]] as const) {
    const text = "x".repeat(size - 1) + "!";
    const late = lateBody(text);
    const transport = new GatheringTransport();
    const h = harness(() => new Response(late.body, { headers: { "content-length": String(size) } }), { transport });
    h.connection.onData(enc(GET("/file")));
    await settle();
    assert.equal(transport.calls.length, 0, `the head waits for its body (${size} bytes)`);
    late.arrive();
    await settle();
    assert.deepEqual(transport.calls.map((c) => c.kind), [kind], `${size} bytes`);
    assert.ok(transport.calls[0]!.text.startsWith("HTTP/1.1 200 OK\r\n"));
    assert.ok(transport.calls[0]!.text.endsWith(`content-length: ${size}\r\n\r\n${text}`.replace("content-length", "Content-Length")));
  }
});

test("a transport without writev: a body under 16 KiB is joined to its held head; a larger one gets its head at once", async () => {
  const small = lateBody("0123456789");
  const h = harness(() => new Response(small.body, { headers: { "content-length": "10" } }));
  h.connection.onData(enc(GET("/file")));
  await settle();
  assert.equal(h.transport.writes.length, 0, "the head waits for its short body");
  small.arrive();
  await settle();
  assert.equal(h.transport.writes.length, 1, "head and body in one write");
  assert.match(h.transport.text, /\r\n\r\n0123456789$/);

  const text = "y".repeat(20_000);
  const large = lateBody(text);
  const g = harness(() => new Response(large.body, { headers: { "content-length": String(text.length) } }));
  g.connection.onData(enc(GET("/file")));
  await settle();
  assert.equal(g.transport.writes.length, 1, "the head went out before the body was there (no join of a large chunk)");
  assert.match(g.transport.text, /\r\n\r\n$/);
  large.arrive();
  await settle();
  assert.equal(g.transport.writes.length, 2);
  assert.ok(g.transport.text.endsWith(`\r\n\r\n${text}`));
});

test("gathering transport: a declared body above highWaterMark, or a chunked one, sends its head at once", async () => {
  for (const headers of [{ "content-length": "10" }, {}] as Record<string, string>[]) {
    const late = lateBody("0123456789");
    const transport = new GatheringTransport();
    const h = harness(() => new Response(late.body, { headers }), { connection: { highWaterMark: 4 }, transport });
    h.connection.onData(enc(GET("/file")));
    await settle();
    assert.equal(transport.calls.length, 1, `head alone first (${JSON.stringify(headers)})`);
    assert.match(transport.calls[0]!.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
    late.arrive();
    await settle();
    assert.match(transport.text, /0123456789(\r\n0\r\n\r\n)?$/);
  }
});

test("gathering transport: a pipelined batch is still one write, in order", async () => {
  const transport = new GatheringTransport();
  const h = harness((request) => new Response(`body of ${new URL(request.url).pathname}`), { transport });
  h.connection.onData(enc(GET("/a") + GET("/b") + GET("/c")));
  await settle();
  assert.equal(transport.calls.length, 1);
  assert.match(transport.calls[0]!.text, /body of \/a[\s\S]*body of \/b[\s\S]*body of \/c$/);
});

/** A 10-byte "file" whose reads (one per pull, each a moment late) do what `read` says with the nth. */
function tenByteFile(read: (controller: ReadableStreamDefaultController<Uint8Array>, n: number) => void): Response {
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      read(controller, n++);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: { "content-length": "10" } });
}

for (const gathers of [true, false]) {
  const kind = gathers ? "gathering transport" : "transport without writev";
  test(`${kind}: a held head whose body fails before its first byte becomes a 500, and the connection goes on`, async () => {
    // A small file whose read fails after its head was made (the file vanished, an I/O error): nothing
    // has been sent, so the client gets a precise 500 rather than a head followed by a close.
    const transport = gathers ? new GatheringTransport() : new FakeTransport();
    const h = harness((request) => {
      if (new URL(request.url).pathname === "/next") return new Response("next");
      return tenByteFile((controller) => controller.error(new Error("read failed on purpose")));
    }, { transport });
    h.connection.onData(enc(GET("/file") + GET("/next")));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await settle();
    assert.match(transport.text, /^HTTP\/1\.1 500 Internal Server Error\r\n[\s\S]*\r\n\r\nInternal Server Error\n/);
    assert.doesNotMatch(transport.text, /Content-Length: 10\r\n/i, "the held head was never sent");
    assert.match(transport.text, /HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nnext$/, "the next request on the connection was answered");
    assert.equal(transport.ended, false);
    assert.equal(h.errors.length, 1);
    assert.match(String(h.errors[0]), /read failed on purpose/);
  });
}

test("gathering transport: a held head whose declared body ends empty becomes a 500 too", async () => {
  const transport = new GatheringTransport();
  // The file was emptied after its size was read.
  const h = harness(() => tenByteFile((controller) => controller.close()), { transport });
  h.connection.onData(enc(GET("/file")));
  await new Promise((resolve) => setTimeout(resolve, 30));
  await settle();
  assert.match(transport.text, /^HTTP\/1\.1 500 Internal Server Error\r\n[\s\S]*\r\n\r\nInternal Server Error\n$/);
  assert.equal(transport.ended, false);
  assert.match(String(h.errors[0]), /shorter than its Content-Length/);
});

test("a body that fails after its first chunk still closes without a 500: its head is out", async () => {
  const transport = new GatheringTransport();
  const h = harness(() => tenByteFile((controller, n) => {
    if (n === 0) controller.enqueue(enc("01234"));
    else controller.error(new Error("read failed on purpose"));
  }), { transport });
  h.connection.onData(enc(GET("/file")));
  await new Promise((resolve) => setTimeout(resolve, 30));
  await settle();
  assert.match(transport.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 10\r\n\r\n01234$/);
  assert.equal(transport.ended, true);
});

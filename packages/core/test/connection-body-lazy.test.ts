// The request body without a ReadableStream until the handler asks for one (exchange.ts RequestBody):
// reading it whole makes none; a stream asked for late still gets every byte, in order; backpressure and
// "used" behave as they do over a stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WeftResponse } from "../src/weft-response.ts";
import { enc, harness, settle, statuses } from "./connection-harness.ts";

/** The Response serve() installs (weft-response.ts): the runtime's own may make a stream of its own. */
const ok = () => new WeftResponse("ok") as unknown as Response;

const POST = (body: string, extra = "") =>
  `POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: ${new TextEncoder().encode(body).byteLength}\r\n${extra}\r\n${body}`;

/** Counts the ReadableStreams constructed while `run` runs (RequestBody reads the global when it needs one). */
async function countStreams(run: () => Promise<void>): Promise<number> {
  const Native = globalThis.ReadableStream;
  let made = 0;
  const Counting = class<R> extends Native<R> {
    constructor(...args: ConstructorParameters<typeof ReadableStream<R>>) {
      super(...args);
      made++;
    }
  };
  globalThis.ReadableStream = Counting as typeof ReadableStream;
  try {
    await run();
  } finally {
    globalThis.ReadableStream = Native;
  }
  return made;
}

test("text() of a body that came with its head, and of one that comes later: no ReadableStream at all", async () => {
  const seen: string[] = [];
  const made = await countStreams(async () => {
    const h = harness(async (request) => {
      seen.push(await request.text());
      return ok();
    });
    h.connection.onData(enc(POST("hello, body")));
    await settle();
    h.connection.onData(enc(POST("in three pieces").slice(0, -12)));
    await settle();
    h.connection.onData(enc("three "));
    await settle();
    h.connection.onData(enc("pieces"));
    await settle();
    assert.deepEqual(statuses(h.transport.text), [200, 200]);
  });
  assert.deepEqual(seen, ["hello, body", "in three pieces"]);
  assert.equal(made, 0);
});

test("the counter sees a stream when the handler asks for request.body (so the test above can fail)", async () => {
  const made = await countStreams(async () => {
    const h = harness(async (request) => new Response(await new Response(request.body).text()));
    h.connection.onData(enc(POST("streamed")));
    await settle();
    assert.match(h.transport.text, /\r\n\r\nstreamed$/);
  });
  assert.ok(made >= 1);
});

test("request.body asked for after the bytes arrived gets them all, in order, then the rest", async () => {
  let release!: () => void;
  const later = new Promise<void>((resolve) => (release = resolve));
  const h = harness(async (request) => {
    await later; // the first chunks wait in RequestBody meanwhile
    const reader = request.body!.getReader();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    return new Response(text);
  });
  const wire = POST("abcdefghij");
  h.connection.onData(enc(wire.slice(0, -6)));
  await settle();
  h.connection.onData(enc(wire.slice(-6, -3)));
  await settle();
  release();
  await settle();
  h.connection.onData(enc(wire.slice(-3)));
  await settle();
  assert.match(h.transport.text, /\r\n\r\nabcdefghij$/);
});

test("unread, the body pauses reading at the high-water mark; text() resumes it and gets every byte", async () => {
  let release!: () => void;
  const later = new Promise<void>((resolve) => (release = resolve));
  let got = "";
  const h = harness(async (request) => {
    await later;
    got = await request.text();
    return new Response("ok");
  }, { connection: { highWaterMark: 8 } });
  const body = "0123456789abcdefghij";
  const wire = POST(body);
  const head = wire.slice(0, wire.length - body.length);
  h.connection.onData(enc(head + body.slice(0, 10)));
  await settle();
  assert.equal(h.transport.readingPaused, true, "10 bytes waiting, mark 8: reading pauses");
  release();
  await settle();
  assert.equal(h.transport.readingPaused, false, "text() takes the body as it comes: reading resumes");
  h.connection.onData(enc(body.slice(10, 15)));
  await settle();
  assert.equal(h.transport.readingPaused, false, "15 bytes in, none waiting for a reader: no pause");
  h.connection.onData(enc(body.slice(15)));
  await settle();
  assert.equal(got, body);
  assert.deepEqual(statuses(h.transport.text), [200]);
});

test("after text(): bodyUsed, a second read rejects, and request.body is a locked stream", async () => {
  const checks: string[] = [];
  const h = harness(async (request) => {
    const text = await request.text();
    checks.push(`text=${text}`, `used=${request.bodyUsed}`, `locked=${request.body!.locked}`);
    await request.text().then(() => checks.push("second read resolved"), (e: unknown) => checks.push(`second read: ${(e as Error).name}`));
    return new Response("ok");
  });
  h.connection.onData(enc(POST("once")));
  await settle();
  assert.deepEqual(checks, ["text=once", "used=true", "locked=true", "second read: TypeError"]);
});

test("Expect: 100-continue with text(): 100 goes out when the handler reads, then the body is read whole", async () => {
  let got = "";
  const h = harness(async (request) => {
    got = await request.text();
    return new Response("ok");
  });
  const body = "continued";
  const wire = POST(body, "Expect: 100-continue\r\n");
  h.connection.onData(enc(wire.slice(0, wire.length - body.length)));
  await settle();
  assert.match(h.transport.text, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  h.connection.onData(enc(body));
  await settle();
  assert.equal(got, body);
  assert.deepEqual(statuses(h.transport.text), [100, 200]);
});

test("a client gone mid-body rejects text(); a body the handler never read is discarded after the response", async () => {
  const outcomes: string[] = [];
  const h = harness(async (request) => {
    await request.text().then(() => outcomes.push("resolved"), (e: unknown) => outcomes.push(`rejected: ${(e as Error).name}`));
    return new Response("ok");
  });
  const wire = POST("never finished");
  h.connection.onData(enc(wire.slice(0, -5)));
  await settle();
  h.connection.onClose();
  await settle();
  assert.deepEqual(outcomes, ["rejected: TypeError"]);

  let later: Request | null = null;
  const h2 = harness((request) => {
    later = request;
    return new Response("not reading it");
  });
  const wire2 = POST("0123456789");
  h2.connection.onData(enc(wire2.slice(0, -5)));
  await settle();
  assert.deepEqual(statuses(h2.transport.text), [200]);
  await assert.rejects(later!.text(), TypeError);
});

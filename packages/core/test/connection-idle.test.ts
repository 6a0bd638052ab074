// What an idle keep-alive connection holds (issue 6: KiB of RSS per idle connection), and the pieces
// that let it hold so little: the per-request Work made and dropped, `info` made per request and read
// lazily, the deadline entry that is also the server's registry of open connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Connection, openConnections } from "../src/connection.ts";
import type { ConnectionConfig } from "../src/connection.ts";
import { DeadlineEntry, DeadlineGroup } from "../src/deadline.ts";
import { resolveConnectionOptions, resolveLeniency, resolveLimits, resolveTimeouts } from "../src/options.ts";
import type { FetchHandler, ServeInfo } from "../src/types.ts";
import { enc, FakeClock, FakeTransport, settle, statuses } from "./connection-harness.ts";

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** A config of our own (no access log: the log reads the remote address), on a fake clock. */
function configFor(fetch: FetchHandler, clock = new FakeClock(), timeouts = {}): ConnectionConfig {
  return {
    fetch,
    limits: resolveLimits(),
    leniency: resolveLeniency(),
    timeouts: resolveTimeouts({ keepAliveTimeout: 5_000, headersTimeout: 1_000, ...timeouts }),
    connection: resolveConnectionOptions(),
    fallbackHost: "127.0.0.1:8080",
    clock,
    onHandlerError: (error) => {
      throw error;
    },
  };
}

/** A FakeTransport that counts reads of its address (an own accessor: FakeTransport's is a field). */
class CountingTransport extends FakeTransport {
  addressReads = 0;
  constructor() {
    super();
    Object.defineProperty(this, "remoteAddress", {
      get: () => {
        this.addressReads++;
        return "192.0.2.7";
      },
    });
  }
}

/** The connection's own slots, as the runtime sees them. */
const slots = (connection: Connection) => connection as unknown as Record<string, unknown>;

test("an idle keep-alive connection is one object of at most 8 slots, with no per-request Work", async () => {
  const transport = new FakeTransport();
  const connection = new Connection(transport, configFor(() => new Response("ok")));
  assert.equal(slots(connection).work, null, "a new connection holds no Work");
  connection.onData(enc(GET("/a")));
  await settle();
  connection.onData(enc(GET("/b") + GET("/c")));
  await settle();
  assert.deepEqual(statuses(transport.text), [200, 200, 200]);
  assert.equal(transport.ended, false);
  assert.equal(slots(connection).work, null, "the Work is dropped once the responses are out");
  assert.ok(Object.keys(connection).length <= 8, `slots: ${Object.keys(connection).join(", ")}`);
  connection.onClose();
});

test("a request still partly read keeps its Work; it is dropped after the response", async () => {
  const transport = new FakeTransport();
  const connection = new Connection(transport, configFor(() => new Response("ok")));
  connection.onData(enc("GET / HTTP/1.1\r\nHo"));
  assert.notEqual(slots(connection).work, null);
  connection.onData(enc("st: x\r\n\r\n"));
  await settle();
  assert.deepEqual(statuses(transport.text), [200]);
  assert.equal(slots(connection).work, null);
  connection.onClose();
});

test("info: a new object per request; remoteAddr is read from the transport only when asked for", async () => {
  const infos: ServeInfo[] = [];
  const transport = new CountingTransport();
  const connection = new Connection(transport, configFor((request, info) => {
    infos.push(info);
    return new Response(new URL(request.url).pathname === "/who" ? `${info.remoteAddr.hostname}:${info.remoteAddr.port}` : "ok");
  }));
  connection.onData(enc(GET("/")));
  await settle();
  assert.equal(transport.addressReads, 0, "a handler that does not look costs no address read");
  connection.onData(enc(GET("/who")));
  await settle();
  assert.match(transport.text, /192\.0\.2\.7:40000$/);
  assert.equal(transport.addressReads, 1);
  assert.notEqual(infos[0], infos[1]);
  assert.equal(infos[1]!.remoteAddr, infos[1]!.remoteAddr, "the same remoteAddr object on every read");
  assert.deepEqual(infos[1]!.remoteAddr, { transport: "tcp", hostname: "192.0.2.7", port: 40000 });
  assert.equal(transport.addressReads, 1);
  connection.onClose();
});

test("openConnections: every connection of a config until it closes, whatever its timer did", async () => {
  const clock = new FakeClock();
  const config = configFor(() => new Response("ok"), clock);
  const other = configFor(() => new Response("ok"), clock);
  const transports = [new FakeTransport(), new FakeTransport(), new FakeTransport()];
  const [a, b, c] = transports.map((t) => new Connection(t, config)) as [Connection, Connection, Connection];
  const elsewhere = new Connection(new FakeTransport(), other);
  const open = () => new Set(openConnections(config));
  assert.deepEqual(open(), new Set([a, b, c]));
  assert.deepEqual(new Set(openConnections(other)), new Set([elsewhere]));

  a.onData(enc(GET("/")));
  await settle();
  assert.deepEqual(open(), new Set([a, b, c]), "idle after a response: still listed");
  b.onClose();
  assert.deepEqual(open(), new Set([a, c]), "closed: gone");

  clock.advance(1_000); // c's headersTimeout: 408, then it waits for the peer to close
  await settle();
  assert.deepEqual(statuses(transports[2]!.text), [408]);
  assert.deepEqual(open(), new Set([a, c]), "expired but not closed: still listed");
  clock.advance(5_000); // a's keepAliveTimeout: ended, not closed yet
  assert.equal(transports[0]!.ended, true);
  assert.deepEqual(open(), new Set([a, c]));
  a.onClose();
  c.onClose();
  elsewhere.onClose();
  assert.deepEqual(open(), new Set());
  assert.equal(clock.pending, 0, "no runtime timer left behind");
});

/** A bare entry, to drive the deadline lists directly. */
class Entry extends DeadlineEntry {
  fired = 0;
  constructor(private readonly group: DeadlineGroup) {
    super();
  }
  set(ms: number): void {
    this.setDeadline(this.group, ms);
  }
  clear(): void {
    this.clearDeadline();
  }
  deadlineExpired(): void {
    this.fired++;
  }
}

test("deadline group: entries stay listed through set(0) and expiry; clear removes them; one timer per duration", () => {
  const clock = new FakeClock();
  const group = new DeadlineGroup(clock);
  const entries = [new Entry(group), new Entry(group), new Entry(group)] as const;
  assert.deepEqual(group.entries(), []);
  entries[0].set(100);
  entries[1].set(100);
  entries[2].set(0);
  assert.equal(clock.pending, 1, "one runtime timer for the 100 ms list, none for nothing-due");
  assert.deepEqual(new Set(group.entries()), new Set(entries));
  entries[1].set(0);
  clock.advance(100);
  assert.deepEqual(entries.map((e) => e.fired), [1, 0, 0]);
  assert.deepEqual(new Set(group.entries()), new Set(entries), "expired and disarmed entries stay listed");
  assert.equal(clock.pending, 0);
  entries[0].set(50);
  entries[0].clear();
  entries[1].clear();
  assert.deepEqual(group.entries(), [entries[2]]);
  assert.equal(clock.pending, 0);
  entries[2].set(10);
  clock.advance(10);
  assert.equal(entries[2].fired, 1);
});

test("deadline group: setting the same duration again moves an entry to the tail, with no new timer", () => {
  const clock = new FakeClock();
  const group = new DeadlineGroup(clock);
  const [a, b] = [new Entry(group), new Entry(group)] as const;
  a.set(100);
  b.set(100);
  clock.advance(50);
  a.set(100); // a keep-alive connection's next request: due at 150 now, behind b (due at 100)
  assert.equal(clock.pending, 1, "the list's one timer is kept, not cancelled and made again");
  clock.advance(50);
  assert.deepEqual([a.fired, b.fired], [0, 1], "b is due at 100; a is not");
  clock.advance(49);
  assert.equal(a.fired, 0);
  clock.advance(1);
  assert.deepEqual([a.fired, b.fired], [1, 1], "a fires at its new deadline");
  // The only entry of its list, moved again: still due where it was last set for.
  a.set(100);
  clock.advance(60);
  a.set(100);
  assert.equal(clock.pending, 1);
  clock.advance(99);
  assert.equal(a.fired, 1);
  clock.advance(1);
  assert.equal(a.fired, 2);
});

test("a keep-alive response reads the server's clock once: its Date and the idle deadline after it", async () => {
  const clock = new FakeClock();
  clock.time = Date.UTC(2026, 11, 4, 1, 2, 3, 400);
  let reads = 0;
  const now = clock.now.bind(clock);
  clock.now = () => {
    reads++;
    return now();
  };
  const transport = new FakeTransport();
  const connection = new Connection(transport, configFor(() => new Response("ok"), clock, { keepAliveTimeout: 5_000 }));
  reads = 0;
  connection.onData(enc(GET("/")));
  await settle();
  assert.deepEqual(statuses(transport.text), [200]);
  assert.match(transport.text, /\r\nDate: Fri, 04 Dec 2026 01:02:03 GMT\r\n/, "the Date is the server clock's time");
  assert.equal(reads, 1, "one reading serves the Date and the keep-alive deadline");
  clock.advance(4_999);
  assert.equal(transport.ended, false);
  clock.advance(1);
  assert.equal(transport.ended, true, "the keep-alive deadline runs from that reading");
  connection.onClose();
});

// The floor: the least an HTTP server can do on this runtime's raw socket API (node:net, Deno.listen,
// Bun.listen) and still answer wrk's keep-alive `GET /` with the same bytes as every other server. It
// parses nothing: it counts heads (each ends with CRLF CRLF) and writes one fixed response per head,
// with a Date field formatted once per second. No server built on that socket API can do less per
// request, so `floor / native` is the most any such server (weft included) could reach against the
// runtime's native server, and `weft / floor` is what weft's parsing, routing and writing cost.
// A measuring stick for the benchmark only: it is not an HTTP server (no methods, no paths, no bodies,
// no limits) and must never be pointed at anything but wrk.
// Prints `WEFT_BENCH_PORT=<port>` once listening; SIGTERM ends it (the runtime's default).
import { HTML, HTML_TYPE, PORT_LINE_PREFIX } from "./content.ts";

const encoder = new TextEncoder();
const BODY = encoder.encode(HTML);
const CR = 13;
const LF = 10;

let responseSecond = -1;
let response = new Uint8Array(0);

/** The one response, rebuilt when the second changes. */
function currentResponse(): Uint8Array {
  const second = Math.floor(Date.now() / 1000);
  if (second !== responseSecond) {
    responseSecond = second;
    const head = encoder.encode(
      `HTTP/1.1 200 OK\r\ncontent-type: ${HTML_TYPE}\r\ncontent-length: ${BODY.byteLength}\r\ndate: ${new Date(second * 1000).toUTCString()}\r\n\r\n`,
    );
    response = new Uint8Array(head.byteLength + BODY.byteLength);
    response.set(head);
    response.set(BODY, head.byteLength);
  }
  return response;
}

/** Counts heads across reads: how far into CR LF CR LF the bytes so far have got (0..3). */
class HeadCounter {
  private matched = 0;
  /** Heads completed in `chunk`. */
  count(chunk: Uint8Array): number {
    let heads = 0;
    let m = this.matched;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === (m % 2 === 0 ? CR : LF)) m++;
      else m = c === CR ? 1 : 0;
      if (m === 4) {
        heads++;
        m = 0;
      }
    }
    this.matched = m;
    return heads;
  }
}

/** The responses for `heads` heads, as one buffer (one write, as weft writes a pipelined batch). */
function responses(heads: number): Uint8Array {
  const one = currentResponse();
  if (heads === 1) return one;
  const out = new Uint8Array(one.byteLength * heads);
  for (let i = 0; i < heads; i++) out.set(one, i * one.byteLength);
  return out;
}

const g = globalThis as unknown as {
  Deno?: {
    listen(options: { hostname: string; port: number }): AsyncIterable<DenoConn> & { addr: { port: number } };
  };
  Bun?: {
    listen(options: {
      hostname: string;
      port: number;
      socket: { open(s: BunSocket): void; data(s: BunSocket, chunk: Uint8Array): void };
    }): { port: number };
  };
};
interface DenoConn {
  setNoDelay(on: boolean): void;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}
interface BunSocket {
  data: HeadCounter;
  setNoDelay(on: boolean): void;
  write(data: Uint8Array): number;
}

async function denoConn(conn: DenoConn): Promise<void> {
  const counter = new HeadCounter();
  const buffer = new Uint8Array(2048);
  try {
    conn.setNoDelay(true);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      const heads = counter.count(buffer.subarray(0, n));
      if (heads === 0) continue;
      let rest = responses(heads);
      while (rest.byteLength > 0) rest = rest.subarray(await conn.write(rest));
    }
  } catch {
    // reset by the client: done
  }
  try {
    conn.close();
  } catch {
    // already closed
  }
}

if (g.Deno) {
  const listener = g.Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`${PORT_LINE_PREFIX}${listener.addr.port}`);
  for await (const conn of listener) void denoConn(conn);
} else if (g.Bun) {
  // Small responses to a client that reads them: a short write does not happen here (wrk), so the
  // floor does not queue; Bun.listen's write returns how much it took.
  const server = g.Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = new HeadCounter();
        socket.setNoDelay(true);
      },
      data(socket, chunk) {
        const heads = socket.data.count(chunk);
        if (heads > 0) socket.write(responses(heads));
      },
    },
  });
  console.log(`${PORT_LINE_PREFIX}${server.port}`);
} else {
  const { createServer } = await import("node:net");
  const server = createServer({ noDelay: true }, (socket) => {
    const counter = new HeadCounter();
    socket.on("data", (chunk: Uint8Array) => {
      const heads = counter.count(chunk);
      if (heads > 0) socket.write(responses(heads));
    });
    socket.on("error", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`${PORT_LINE_PREFIX}${typeof address === "object" && address !== null ? address.port : 0}`);
  });
}

// Sockets on Deno: https://docs.deno.com/api/deno/~/Deno.listen and https://docs.deno.com/api/deno/~/Deno.Conn
// Translation only: a read loop per connection → ConnectionEvents, Transport → a write queue on the Conn.

import type { ConnectionEvents, Listen, Transport } from "@weft/core";

/** Read buffers (core copies what it keeps, so a buffer is reused as soon as onData returns). A pending
 * conn.read pins its buffer, so every idle connection holds one: its own small one, which takes a
 * typical head or a few pipelined requests per read. A read that fills it means more is waiting: reading
 * goes on into a large buffer lent from a shared pool until a read leaves room. NOTES.md measured ~22 KiB
 * RSS per idle connection with a 16 KiB buffer and ~10 KiB with 4 KiB; with an 8 KiB buffer per
 * connection weft used 15.5 KiB, more than Deno.serve's 15.2 (issue 6). */
const IDLE_READ_BUFFER_BYTES = 2 * 1024;
const LARGE_READ_BUFFER_BYTES = 8 * 1024;
/** Large buffers kept for reuse (only connections in the middle of a large read hold one). */
const MAX_SPARE_READ_BUFFERS = 16;
const spareReadBuffers: Uint8Array<ArrayBuffer>[] = [];

function takeReadBuffer(): Uint8Array<ArrayBuffer> {
  return spareReadBuffers.pop() ?? new Uint8Array(LARGE_READ_BUFFER_BYTES);
}

function giveReadBuffer(buffer: Uint8Array<ArrayBuffer>): void {
  if (spareReadBuffers.length < MAX_SPARE_READ_BUFFERS) spareReadBuffers.push(buffer);
}
/** Bytes queued for the socket above which write() returns false (node's net default is 16 KiB; a
 * larger mark means fewer await round trips for big bodies, still bounded per connection). */
const WRITE_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Transports whose first write of this turn waits for `sendQueued`. Deno completes the reads of every
 * socket that became readable together in one tick and runs their continuations as one batch of
 * microtasks; a response handed to `conn.write` at once would go out between two requests' work, each
 * `sendto` waking the client's side anew. Handed over in one microtask queued behind that batch, the
 * responses of the tick leave back to back instead (issue 6, keep-alive `GET /`: +3% req/s, the median
 * of 42 interleaved rounds, 33 of them faster; BENCHMARKS.md). Nothing waits longer than the current
 * turn of microtasks.
 */
const sendQueue: DenoTransport[] = [];

function sendQueued(): void {
  for (let i = 0; i < sendQueue.length; i++) sendQueue[i]!.sendCurrent();
  sendQueue.length = 0;
}

/** Pause before accepting again after accept() failed (e.g. out of file descriptors). */
const ACCEPT_RETRY_MS = 10;

export class DenoTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  events: ConnectionEvents | null = null;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  /** The buffer conn.write is writing, or will be at the end of this turn (sendQueue); null: none.
   * `queue` holds what waits behind it. */
  private current: Uint8Array | null = null;
  private needDrain = false;
  private endRequested = false;
  private writeClosed = false;
  private readEnded = false;
  private closed = false;
  private paused = false;
  private resumed: (() => void) | null = null;

  constructor(private readonly conn: Deno.TcpConn) {
    const addr = conn.remoteAddr;
    this.remoteAddress = addr.hostname;
    this.remotePort = addr.port;
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.endRequested) return false;
    this.queued += data.byteLength;
    if (this.current !== null) {
      this.queue.push(data);
    } else {
      // Taken now, handed to conn.write with the rest of this turn's responses (sendQueue).
      this.current = data;
      if (sendQueue.push(this) === 1) queueMicrotask(sendQueued);
    }
    if (this.queued <= WRITE_HIGH_WATER_BYTES) return true;
    this.needDrain = true;
    return false;
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
    this.wakeReader();
  }

  end(): void {
    if (this.endRequested) return;
    this.endRequested = true;
    if (this.current === null) this.finishEnd();
  }

  destroy(): void {
    this.close(undefined);
  }

  /** The first write of a turn, from sendQueued (unless the connection closed meanwhile). */
  sendCurrent(): void {
    if (!this.closed) this.send(this.current!);
  }

  /** One conn.write at a time; `written` goes on with the rest. A callback rather than an async loop:
   * a keep-alive response then costs one promise (conn.write's), not three. A conn.write that throws
   * closes this connection: thrown inside sendQueued it would strand the transports queued behind this
   * one, inside `written` it would be an unhandled rejection. */
  private send(data: Uint8Array): void {
    this.current = data;
    try {
      this.conn.write(data).then(this.written, this.failed);
    } catch (error) {
      this.close(error);
    }
  }

  /** conn.write may take only part of a buffer: write the rest, then the next queued buffer. */
  private readonly written = (n: number): void => {
    const current = this.current!;
    if (this.closed) return;
    this.queued -= n;
    if (n < current.byteLength) return this.send(current.subarray(n));
    const next = this.queue.shift();
    if (next !== undefined) this.send(next);
    else this.current = null;
    if (this.needDrain && this.queued <= WRITE_HIGH_WATER_BYTES) {
      this.needDrain = false;
      this.events?.onDrain();
    }
    if (this.current === null && this.endRequested) this.finishEnd();
  };

  private readonly failed = (error: unknown): void => this.close(error);

  /** Everything is written: FIN. The socket closes fully when the peer's FIN is (or was) read. */
  private finishEnd(): void {
    if (this.writeClosed || this.closed) return;
    this.writeClosed = true;
    try {
      this.conn.closeWrite();
    } catch (error) {
      this.close(error);
      return;
    }
    if (this.readEnded) this.close(undefined);
  }

  async readLoop(): Promise<void> {
    const small = new Uint8Array(IDLE_READ_BUFFER_BYTES);
    let buffer = small;
    try {
      while (!this.closed) {
        if (this.paused) {
          // Paused for backpressure: a large buffer goes back rather than wait with us.
          if (buffer !== small) giveReadBuffer(buffer);
          buffer = small;
          await new Promise<void>((resolve) => (this.resumed = resolve));
          continue;
        }
        const n = await this.conn.read(buffer);
        if (this.closed) return;
        if (n === null) {
          this.readEnded = true;
          this.events?.onEnd();
          if (this.writeClosed) this.close(undefined);
          return;
        }
        this.events?.onData(buffer.subarray(0, n));
        if (n === buffer.length) {
          if (buffer === small) buffer = takeReadBuffer(); // full: more is probably waiting
        } else if (buffer !== small) {
          giveReadBuffer(buffer); // caught up: wait for the next request in the small one
          buffer = small;
        }
      }
    } catch (error) {
      this.close(error);
    }
  }

  private wakeReader(): void {
    const resumed = this.resumed;
    this.resumed = null;
    resumed?.();
  }

  private close(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    this.wakeReader();
    this.events?.onClose(error);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

export const listen: Listen = (options, accept) => {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
  let stopped = false;
  void (async () => {
    while (!stopped) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        // Closed by us: done. Anything else (a connection aborted before accept, EMFILE) concerns one
        // socket: keep accepting. Ending this loop would end the process: nothing else keeps Deno alive.
        if (stopped) return;
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS)); // no busy loop on EMFILE
        continue;
      }
      // A socket the client already reset makes these throw: drop that one, keep accepting.
      let transport: DenoTransport;
      try {
        conn.setNoDelay(true); // responses are written whole: Nagle would only add latency
        transport = new DenoTransport(conn);
      } catch {
        closeQuietly(conn);
        continue;
      }
      transport.events = accept(transport);
      void transport.readLoop();
    }
  })();
  return Promise.resolve({
    hostname: listener.addr.hostname,
    port: listener.addr.port,
    close: async () => {
      stopped = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  });
};

// Sockets on Deno: https://docs.deno.com/api/deno/~/Deno.listen and https://docs.deno.com/api/deno/~/Deno.Conn
// Translation only: a read loop per connection → ConnectionEvents, Transport → a write queue on the Conn.

import type { ConnectionEvents, Listen, Transport } from "@weft/core";

/** Read buffer per connection, reused for every read (core copies what it keeps). NOTES.md measured
 * ~22 KiB RSS per idle connection with 16 KiB and ~10 KiB with 4 KiB; 8 KiB holds a typical head and a
 * few pipelined requests per read at about 14 KiB per idle connection. */
const READ_BUFFER_BYTES = 8 * 1024;
/** Bytes queued for the socket above which write() returns false (node's net default is 16 KiB; a
 * larger mark means fewer await round trips for big bodies, still bounded per connection). */
const WRITE_HIGH_WATER_BYTES = 64 * 1024;

/** Pause before accepting again after accept() failed (e.g. out of file descriptors). */
const ACCEPT_RETRY_MS = 10;

class DenoTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  events: ConnectionEvents | null = null;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
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
    this.queue.push(data);
    this.queued += data.byteLength;
    if (!this.writing) void this.pump();
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
    if (!this.writing) this.finishEnd();
  }

  destroy(): void {
    this.close(undefined);
  }

  /** conn.write may take only part of a buffer: loop until each is fully written. */
  private async pump(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const data = this.queue[0]!;
        let rest = data;
        while (rest.byteLength > 0) rest = rest.subarray(await this.conn.write(rest));
        this.queue.shift();
        this.queued -= data.byteLength;
        if (this.needDrain && this.queued <= WRITE_HIGH_WATER_BYTES) {
          this.needDrain = false;
          this.events?.onDrain();
        }
      }
    } catch (error) {
      this.close(error);
      return;
    } finally {
      this.writing = false;
    }
    if (this.endRequested) this.finishEnd();
  }

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
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (!this.closed) {
        if (this.paused) {
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

// Sockets on Bun: https://bun.com/docs/api/tcp (Bun.listen, socket handlers)
// Translation only: socket handlers (open/data/drain/end/close) → ConnectionEvents, Transport → socket.

import { concat, type ConnectionEvents, type Listen, type Transport } from "@weft/core";

type BunSocket = Bun.Socket<BunTransport | undefined>;

/** Bits of BunTransport.state. */
const EndRequested = 1;
const WriteShut = 2;
const PeerEnded = 4;
const Closed = 8;
/** The bits above the flags hold the remote port once read (0: not read yet; a peer's port is never 0). */
const PORT_SHIFT = 4;

/** Four slots and nothing else per idle connection (issue 6: RSS per idle connection): the address is
 * read from the socket when asked for (no string kept), and the flags and the remote port are bits of
 * one number. */
class BunTransport implements Transport {
  events: ConnectionEvents | null = null;
  /** Bytes the socket did not take yet (socket.write does not buffer: NOTES.md); sent on drain. Null
   * while there are none, so an idle connection holds no array. */
  private pending: Uint8Array[] | null = null;
  private state = 0;

  constructor(private readonly socket: BunSocket) {}

  get remoteAddress(): string {
    return this.socket.remoteAddress;
  }

  /** Read from the socket once: Bun's getter costs ~0.12 µs of the main thread per call, and the pool
   * sends the remote address with every job (1.4% of main's time under `GET /` through the pool). 0 if
   * first asked once the socket is closed (Bun reports undefined then). */
  get remotePort(): number {
    const known = this.state >>> PORT_SHIFT;
    if (known !== 0) return known;
    const port = this.socket.remotePort ?? 0;
    this.state |= port << PORT_SHIFT;
    return port;
  }

  /** False when the kernel's send buffer is full (anything left queued): core waits for onDrain. */
  write(data: Uint8Array): boolean {
    if ((this.state & (Closed | EndRequested)) !== 0) return false;
    if (this.pending !== null) {
      this.pending.push(data);
      return false;
    }
    const written = this.socket.write(data);
    if (written < 0) return false; // closed; the close handler follows
    if (written === data.byteLength) return true;
    this.pending = [data.subarray(written)];
    return false;
  }

  /** Bun.listen's socket takes one buffer per write, so the chunks are joined. Copies are cheap here, and
   * the head of a small file then goes out with its body: 64 KiB static file, 5 interleaved rounds,
   * 14.3–17.2k → 16.1–19.0k req/s. (On V8 the same join was slower: Node gathers, Deno does without.) */
  writev(chunks: Uint8Array[], totalBytes: number): boolean {
    return this.write(concat(chunks, totalBytes) ?? new Uint8Array(0));
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  end(): void {
    this.state |= EndRequested;
    if (this.pending === null) this.shutdownWrite();
  }

  /** FIN only (shutdown(2) of the write side), reading on: socket.end() here sometimes answered the
   * client's later bytes with a reset, destroying the response it had not read yet (seen in 2–7% of
   * error responses to a client still sending). The socket is closed once the peer's FIN arrives. */
  private shutdownWrite(): void {
    if ((this.state & WriteShut) !== 0) return;
    this.state |= WriteShut;
    this.socket.shutdown();
    if ((this.state & PeerEnded) !== 0) this.socket.end();
  }

  /** end handler: the peer's FIN. */
  peerFin(): void {
    this.state |= PeerEnded;
    this.events?.onEnd();
    if ((this.state & WriteShut) !== 0) this.socket.end();
  }

  destroy(): void {
    this.socket.terminate();
  }

  /** drain handler: retry what is queued; tell core once all of it is out. */
  drained(): void {
    const pending = this.pending;
    while (pending !== null && pending.length > 0) {
      const data = pending[0]!;
      const written = this.socket.write(data);
      if (written < 0) return;
      if (written < data.byteLength) {
        pending[0] = data.subarray(written);
        return;
      }
      pending.shift();
    }
    this.pending = null;
    if ((this.state & EndRequested) !== 0) this.shutdownWrite();
    else this.events?.onDrain();
  }

  closedBy(error?: Error): void {
    if ((this.state & Closed) !== 0) return;
    this.state |= Closed;
    this.events?.onClose(error);
  }
}

export const listen: Listen = (options, accept) => {
  const listener = Bun.listen<BunTransport | undefined>({
    hostname: options.hostname,
    port: options.port,
    // Without it Bun drops the response to a client that sent its request and then FIN (NOTES.md).
    allowHalfOpen: true,
    data: undefined,
    socket: {
      open(socket) {
        socket.setNoDelay(true); // responses are written whole: Nagle would only add latency
        const transport = new BunTransport(socket);
        socket.data = transport;
        transport.events = accept(transport);
      },
      // Core copies whatever it keeps, so a buffer Bun might reuse is never held past this call.
      data: (socket, data) => socket.data?.events?.onData(data),
      drain: (socket) => socket.data?.drained(),
      end: (socket) => socket.data?.peerFin(),
      close: (socket, error) => socket.data?.closedBy(error),
      // A handler threw (a bug in weft) or the socket failed: drop the socket rather than leave it half-served.
      error: (socket, error) => {
        socket.data?.closedBy(error);
        socket.terminate();
      },
    },
  });
  return Promise.resolve({
    hostname: listener.hostname,
    port: listener.port,
    close: async () => listener.stop(false), // stop accepting; core closes the open connections
  });
};

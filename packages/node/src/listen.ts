// Sockets on Node: https://nodejs.org/api/net.html
// Translation only: node:net events → ConnectionEvents, Transport → socket methods.

import net from "node:net";
import type { ConnectionEvents, Listen, Listener, Transport } from "@weft/core";

/** One accepted socket as core's Transport. A Buffer is a Uint8Array: chunks pass through uncopied. */
class NodeTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  constructor(private readonly socket: net.Socket) {
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
  }
  write(data: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    // false once the socket's buffer is above its writableHighWaterMark; 'drain' follows.
    return this.socket.write(data);
  }
  /** Corked, the writes go to libuv together on uncork: one writev(2), no copy. */
  writev(chunks: Uint8Array[]): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    this.socket.cork();
    let below = true;
    for (const chunk of chunks) below = this.socket.write(chunk);
    this.socket.uncork();
    return below;
  }
  pauseReading(): void {
    this.socket.pause();
  }
  resumeReading(): void {
    this.socket.resume();
  }
  end(): void {
    // With allowHalfOpen the socket stays readable after our FIN and closes when the peer's FIN arrives.
    this.socket.end();
  }
  destroy(): void {
    this.socket.destroy();
  }
}

function attach(socket: net.Socket, accept: (transport: Transport) => ConnectionEvents): void {
  const events = accept(new NodeTransport(socket));
  let failure: unknown;
  // Core sees a plain Uint8Array view: Buffer#slice does not copy (it is subarray), so handing core a
  // Buffer would make its `.slice()` copies share the socket's memory (a pool request body then carried
  // the whole read, head included).
  socket.on("data", (chunk: Buffer) => events.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  socket.on("drain", () => events.onDrain());
  socket.on("end", () => events.onEnd());
  socket.on("error", (error) => (failure = error)); // 'close' follows
  socket.on("close", () => events.onClose(failure));
}

export const listen: Listen = (options, accept) =>
  new Promise<Listener>((resolve, reject) => {
    // allowHalfOpen: answer a client that sends its request and then FIN (NOTES.md); noDelay: responses
    // are written whole, so Nagle would only add latency.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => attach(socket, accept));
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        hostname: address.address,
        port: address.port,
        // server.close() stops accepting at once but calls back only when every connection is gone;
        // core closes connections itself, so the port resolves as soon as the listening handle is closed.
        close: () => {
          server.close();
          return Promise.resolve();
        },
      });
    });
  });

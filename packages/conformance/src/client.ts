// A careful raw-TCP HTTP/1.1 client for black-box conformance cases.
//
// A `fetch` client would normalise exactly the bytes these cases are about (and hide framing mistakes),
// so this one writes the exact bytes it is given and parses what comes back strictly: status line,
// field lines, then the body framed as RFC 9112 §6.3 says (no body for HEAD/1xx/204/304, chunked,
// Content-Length, or read until close). It also tells apart how the server ended the connection:
// a FIN (orderly close), a reset, or nothing before a deadline.
//
// Runs on Node only: one client drives every server under test (NOTES.md).

import * as net from "node:net";

const CR = 0x0d;
const LF = 0x0a;
const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1");
/** Default deadline for reading one response. Generous: the CI machine is shared. */
export const DEFAULT_READ_TIMEOUT_MS = 5_000;
/** Bounds on what the reader accepts, so a broken server cannot make the client allocate without end. */
const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
const MAX_RESPONSE_BODY_BYTES = 16 * 1024 * 1024;

export type CloseKind = "fin" | "reset" | "timeout";

/** A protocol violation by the server (as opposed to a case's expectation failing). */
export class ResponseError extends Error {}

export interface ParsedResponse {
  version: string;
  status: number;
  reason: string;
  /** Field lines in order, names as sent. */
  fields: [string, string][];
  /** How the body was delimited. */
  framing: "none" | "length" | "chunked" | "close";
  body: Buffer;
  /** Trailer fields of a chunked body. */
  trailers: [string, string][];
  /** The exact bytes of this response, as received. */
  raw: Buffer;
  /** Value of a field (several lines joined with ", "), or undefined. Name is case-insensitive. */
  header(name: string): string | undefined;
  /** Number of field lines with that name. */
  count(name: string): number;
  text(): string;
}

export interface ReadOptions {
  /** The request was HEAD: the response has no body whatever its fields say (RFC 9112 §6.3 rule 1). */
  head?: boolean;
  timeoutMs?: number;
  /** Return interim (1xx) responses instead of skipping them. */
  interim?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RawConnection {
  private readonly socket: net.Socket;
  /** Bytes received and not consumed by a parsed response yet, as received (joined lazily: joining on
   * every read would make a 1 MiB body cost quadratic copying). */
  private parts: Buffer[] = [];
  /** Total length of `parts`. */
  private available = 0;
  /** How the peer ended the connection, once it did. */
  private ended: "fin" | "reset" | null = null;
  /** Woken on every data, end, error or close event, so readers re-check their condition. */
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.parts.push(chunk);
      this.available += chunk.length;
      this.wake();
    });
    socket.on("end", () => {
      this.ended ??= "fin";
      this.wake();
    });
    socket.on("error", () => {
      // A reset, a broken pipe or any other socket error: the connection is gone, not orderly closed.
      this.ended ??= "reset";
      this.wake();
    });
    socket.on("close", () => {
      this.ended ??= "fin";
      this.wake();
    });
  }

  /** Connect to 127.0.0.1:port. allowHalfOpen lets a case shut down its write side and keep reading. */
  static open(port: number, host = "127.0.0.1", timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, allowHalfOpen: true, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeListener("error", reject);
        resolve(new RawConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** The unconsumed bytes as one buffer. */
  private get buffer(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.available)];
    return this.parts[0] ?? Buffer.alloc(0);
  }

  /** Drop the first `n` unconsumed bytes. */
  private consume(n: number): void {
    const rest = this.buffer.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.available = rest.length;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolve on the next event, or after `ms`. */
  private nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Write exact bytes (a string is sent as latin1, one byte per char). Resolves when handed to the OS. */
  write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed || this.socket.writableEnded) return reject(new Error("write after close"));
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Write in pieces of `size` bytes (byte-at-a-time by default), each its own write and TCP segment
   * (noDelay). Between pieces: `gapMs` of real time, or with 0 one turn of the event loop, which on a
   * loaded machine keeps a byte-at-a-time request well inside the server's head timeout. Stops quietly
   * if the server closes meanwhile (a rejection may come before the last byte). */
  async writeSlowly(data: string | Uint8Array, size = 1, gapMs = 0): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data);
    for (let at = 0; at < bytes.length; at += size) {
      if (this.ended || this.socket.destroyed) return;
      await this.write(bytes.subarray(at, at + size)).catch(() => undefined);
      await (gapMs > 0 ? sleep(gapMs) : new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /** Send FIN: the client will write no more, but keeps reading (half-close). */
  shutdownWrite(): void {
    this.socket.end();
  }

  /** Close abruptly with a reset (a client that vanishes mid-request). */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Close both directions normally. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Stop / resume reading from the kernel (a slow reader, for backpressure cases). */
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  /** Bytes received and not yet consumed. */
  get pending(): Buffer {
    return this.buffer;
  }

  get endedBy(): "fin" | "reset" | null {
    return this.ended;
  }

  /** Wait until the server ends the connection. Any unread bytes make it a failure: the caller
   * expected the connection to be finished. */
  async waitClose(timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<CloseKind> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await this.nextEvent(left);
    }
    return this.ended;
  }

  /** Wait up to `ms` for any byte or close; returns what arrived (used to assert silence). */
  async waitAnything(ms: number): Promise<{ bytes: Buffer; ended: "fin" | "reset" | null }> {
    const deadline = Date.now() + ms;
    while (this.available === 0 && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.nextEvent(left);
    }
    return { bytes: this.buffer, ended: this.ended };
  }

  /** Wait until `predicate` holds over the buffer, the peer ends, or the deadline passes. */
  private async waitFor(predicate: () => boolean, deadline: number, what: string): Promise<void> {
    while (!predicate()) {
      if (this.ended) throw new ResponseError(`connection closed (${this.ended}) while reading ${what}` + this.describePending());
      const left = deadline - Date.now();
      if (left <= 0) throw new ResponseError(`timed out reading ${what}` + this.describePending());
      await this.nextEvent(left);
    }
  }

  private describePending(): string {
    if (this.available === 0) return " (nothing received)";
    return ` (have ${this.available} bytes: ${JSON.stringify(this.buffer.subarray(0, 80).toString("latin1"))})`;
  }

  /** Read one response. Interim 1xx responses are skipped unless `interim` is set. */
  async read(options: ReadOptions = {}): Promise<ParsedResponse> {
    for (;;) {
      const response = await this.readOne(options);
      if (response.status >= 200 || options.interim || response.status === 101) return response;
    }
  }

  /** Read `n` responses in order (pipelining). `heads[i]` marks the i-th request as HEAD. */
  async readMany(n: number, options: ReadOptions & { heads?: boolean[] } = {}): Promise<ParsedResponse[]> {
    const out: ParsedResponse[] = [];
    for (let i = 0; i < n; i++) out.push(await this.read({ ...options, head: options.heads?.[i] ?? options.head }));
    return out;
  }

  private async readOne(options: ReadOptions): Promise<ParsedResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS);
    // Head: everything up to the first CRLFCRLF. A bare LF terminator from the server is a violation.
    let headEnd = -1;
    await this.waitFor(
      () => {
        headEnd = this.buffer.indexOf(CRLF_CRLF);
        if (headEnd < 0 && this.available > MAX_RESPONSE_HEAD_BYTES) throw new ResponseError("response head too large");
        return headEnd >= 0;
      },
      deadline,
      "response head",
    );
    const headText = this.buffer.subarray(0, headEnd).toString("latin1");
    const lines = headText.split("\r\n");
    for (const line of lines) {
      if (line.includes("\n") || line.includes("\r")) throw new ResponseError(`bare CR or LF in response head: ${JSON.stringify(line)}`);
    }
    const statusMatch = /^(HTTP\/\d\.\d) (\d{3}) ?([^\x00-\x08\x0a-\x1f\x7f]*)$/.exec(lines[0]!);
    if (!statusMatch) throw new ResponseError(`bad status line: ${JSON.stringify(lines[0])}`);
    const fields: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const field = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!field) throw new ResponseError(`bad response field line: ${JSON.stringify(line)}`);
      fields.push([field[1]!, field[2]!]);
    }
    const status = Number(statusMatch[2]);
    let at = headEnd + 4;
    const values = (name: string) => fields.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    const te = values("transfer-encoding");
    const cl = values("content-length");

    let framing: ParsedResponse["framing"];
    let body = Buffer.alloc(0);
    const trailers: [string, string][] = [];
    // RFC 9112 §6.3, in its order.
    if (options.head || (status >= 100 && status < 200) || status === 204 || status === 304) {
      framing = "none";
      if (te.length > 0 && (status === 204 || (status >= 100 && status < 200))) {
        throw new ResponseError(`Transfer-Encoding on a ${status} response`);
      }
    } else if (te.length > 0) {
      if (cl.length > 0) throw new ResponseError("response has both Transfer-Encoding and Content-Length");
      const codings = te.join(",").split(",").map((c) => c.trim().toLowerCase());
      if (codings[codings.length - 1] !== "chunked") {
        framing = "close";
      } else {
        framing = "chunked";
        const parts: Buffer[] = [];
        let total = 0;
        for (;;) {
          let lineEnd = -1;
          await this.waitFor(() => (lineEnd = this.buffer.indexOf("\r\n", at, "latin1")) >= 0, deadline, "chunk size line");
          const sizeLine = this.buffer.subarray(at, lineEnd).toString("latin1");
          const sizeMatch = /^([0-9A-Fa-f]{1,8})(;.*)?$/.exec(sizeLine);
          if (!sizeMatch) throw new ResponseError(`bad chunk size line: ${JSON.stringify(sizeLine)}`);
          const size = parseInt(sizeMatch[1]!, 16);
          at = lineEnd + 2;
          if (size === 0) break;
          total += size;
          if (total > MAX_RESPONSE_BODY_BYTES) throw new ResponseError("response body too large");
          await this.waitFor(() => this.available >= at + size + 2, deadline, "chunk data");
          parts.push(this.buffer.subarray(at, at + size));
          if (this.buffer[at + size] !== CR || this.buffer[at + size + 1] !== LF) throw new ResponseError("chunk data not followed by CRLF");
          at += size + 2;
        }
        // Trailer section: field lines until an empty line.
        for (;;) {
          let lineEnd = -1;
          await this.waitFor(() => (lineEnd = this.buffer.indexOf("\r\n", at, "latin1")) >= 0, deadline, "trailer section");
          const line = this.buffer.subarray(at, lineEnd).toString("latin1");
          at = lineEnd + 2;
          if (line === "") break;
          const field = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
          if (!field) throw new ResponseError(`bad trailer line: ${JSON.stringify(line)}`);
          trailers.push([field[1]!, field[2]!]);
        }
        body = Buffer.concat(parts);
      }
    } else if (cl.length > 0) {
      const distinct = new Set(cl.flatMap((v) => v.split(",").map((s) => s.trim())));
      const value = [...distinct][0]!;
      if (distinct.size !== 1 || !/^\d+$/.test(value)) throw new ResponseError(`bad response Content-Length: ${JSON.stringify(cl)}`);
      const length = Number(value);
      if (length > MAX_RESPONSE_BODY_BYTES) throw new ResponseError("response body too large");
      framing = "length";
      await this.waitFor(() => this.available >= at + length, deadline, `body of ${length} bytes`);
      body = Buffer.from(this.buffer.subarray(at, at + length));
      at += length;
    } else {
      framing = "close";
    }
    if (framing === "close") {
      // Close-delimited: everything until FIN is the body.
      const start = at;
      while (!this.ended) {
        const left = deadline - Date.now();
        if (left <= 0) throw new ResponseError("timed out reading a close-delimited body");
        if (this.available - start > MAX_RESPONSE_BODY_BYTES) throw new ResponseError("response body too large");
        await this.nextEvent(left);
      }
      body = Buffer.from(this.buffer.subarray(start));
      at = this.available;
    }
    const raw = Buffer.from(this.buffer.subarray(0, at));
    this.consume(at);
    if (framing === "chunked") body = Buffer.from(body);
    return makeResponse(statusMatch[1]!, status, statusMatch[3]!, fields, framing, body, trailers, raw);
  }
}

function makeResponse(
  version: string,
  status: number,
  reason: string,
  fields: [string, string][],
  framing: ParsedResponse["framing"],
  body: Buffer,
  trailers: [string, string][],
  raw: Buffer,
): ParsedResponse {
  const matching = (name: string) => fields.filter(([n]) => n.toLowerCase() === name.toLowerCase());
  return {
    version,
    status,
    reason,
    fields,
    framing,
    body,
    trailers,
    raw,
    header(name) {
      const found = matching(name);
      return found.length === 0 ? undefined : found.map(([, v]) => v).join(", ");
    },
    count: (name) => matching(name).length,
    text: () => body.toString("latin1"),
  };
}

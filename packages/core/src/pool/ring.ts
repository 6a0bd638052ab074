// The job ring (issue 6, "GET / through the pool"): the two messages of a typical job, "job" out and its
// complete "head" back, cross threads through shared memory instead of postMessage. Per worker there are
// two rings, one each way, each a single-producer single-consumer queue of byte records in a
// SharedArrayBuffer. Writing a record is a few stores and one encodeInto; the reader is woken
// (Atomics.notify → Atomics.waitAsync) only when it said it was going to sleep, so a busy reader finds the
// next record without any wake-up, and no structured clone runs at all. `npm run bench:ring` measured one
// round trip at ~2 µs of CPU against 9-22 µs by postMessage.
//
// Everything else (bodies, credit, errors, control) still goes by postMessage (protocol.ts), and so does
// any job or head that does not fit a record. A reader drains its ring before it handles a posted
// message, so a record written before a message was posted is always read first.
//
// A worker's reader with nothing running may instead hold: block its thread in Atomics.wait for a
// bounded time (pool.idleHold). Waking a blocked thread is a plain futex wake, cheaper for the writer
// than waking a waitAsync waiter (which must post a task to the other thread's event loop), and the woken
// reader runs the job at once, without a turn of its event loop.
//
// Layout of one ring: control words [write offset, read offset, reader sleeps (AWAKE, ASLEEP, HOLDING)],
// then `capacity` bytes of records, each [byte length, kind, …words, text bytes, body bytes], 4-byte aligned, never split: a
// record that does not fit before the end goes to offset 0 behind a WRAP marker.
//   job:  [len, JOB, id, claimCell (-1: none), claimToken, port, textBytes]   text: method\0url\0hostname(\0name\0value)*
//   head: [len, HEAD, id, status, bodyBytes (-1: no body), textBytes]         text: statusText(\0name\0value)*, then the body
// NUL never occurs in those strings (the parser, the Headers class and the Response checks refuse it in
// methods, targets, field lines and reason phrases); the encoder checks anyway and leaves a string with
// one to postMessage.

import { bytesEqualAt, Slab } from "../bytes.ts";
import { afterTurn, type Claim, type JobMessage, PROTOCOL_VERSION } from "./protocol.ts";

/** Bytes of records per ring. A job is ~100-500 bytes; a head with its body up to RING_BODY_MAX_BYTES. */
export const RING_CAPACITY_BYTES = 256 * 1024;
/** Largest response body that crosses in the ring, in bytes (or UTF-16 units of a string body); larger
 * ones are transferred by postMessage. */
export const RING_BODY_MAX_BYTES = 16 * 1024;

const WRITE = 0;
const READ = 1;
const SLEEPS = 2;
/** Values of the SLEEPS word: reading or about to; waiting in Atomics.waitAsync (its event loop runs);
 * blocked in Atomics.wait (its event loop waits, see listen). */
const AWAKE = 0;
const ASLEEP = 1;
const HOLDING = 2;
const CONTROL_WORDS = 4;
const WRAP = -1;
const KIND_JOB = 1;
const KIND_HEAD = 2;
const JOB_WORDS = 7;
const HEAD_WORDS = 6;
const SEPARATOR = "\0";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const align = (bytes: number) => (bytes + 3) & ~3;
/** Longest head or job text a ring end remembers for comparison with the next one. */
const MAX_REMEMBERED_TEXT_BYTES = 1024;
/** Longest body the reader remembers for comparison with the next one. */
const MAX_REMEMBERED_BODY_BYTES = 1024;

/** A head read from the ring: always complete (nothing follows it for this job). */
export interface RingHead {
  id: number;
  status: number;
  statusText: string;
  /** Shared with the heads before and after it that had the same text: never change it. */
  fields: string[];
  /** A copy in ordinary memory (perhaps a view into a slab shared with other copies: do not transfer or
   * detach its buffer), and the very same array as the previous head's when the bytes are the same:
   * never change it. Null when the response has no body. */
  body: Uint8Array | null;
}

/** How a reader waits between records (Ring.listen). */
export interface ListenOptions {
  /** Block the thread in Atomics.wait for up to this many ms for the next record (0: never). */
  holdMs?: number;
  /** Whether the reader may hold now (nothing else needs its event loop). */
  mayHold?: () => boolean;
  /** Stay awake until the end of a turn in which records came (see listen). */
  linger?: boolean;
}

export class Ring {
  readonly buffer: SharedArrayBuffer;
  readonly #control: Int32Array;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #capacity: number;
  #closed = false;
  #wakeScheduled = false;
  /** Inside batch(): records were published and the reader is woken when it ends. */
  #batching = 0;
  #wakeDue = false;
  readonly #wakeTask = () => this.wake();
  /** The reader's copy of the last head's text, and its strings (see #sameText). */
  #lastText: Uint8Array | null = null;
  #lastStatusText = "";
  #lastFields: string[] = [];
  /** The reader's last body copy (see #bodyCopy); null when there is none or it was too long to compare. */
  #lastBody: Uint8Array | null = null;
  /** Where the reader's body copies are cut from (see #copyOut). */
  readonly #slab = new Slab();

  /** A new ring (`buffer` omitted) or the other end of an existing one. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(CONTROL_WORDS * 4 + RING_CAPACITY_BYTES);
    this.#control = new Int32Array(this.buffer, 0, CONTROL_WORDS);
    this.#capacity = this.buffer.byteLength - CONTROL_WORDS * 4;
    this.#words = new Int32Array(this.buffer, CONTROL_WORDS * 4, this.#capacity / 4);
    this.#bytes = new Uint8Array(this.buffer, CONTROL_WORDS * 4, this.#capacity);
  }

  /** True when this runtime can run a ring: shared memory and Atomics.waitAsync. */
  static get supported(): boolean {
    return typeof SharedArrayBuffer === "function" && typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function";
  }

  // ---- writer ---------------------------------------------------------------------------------------

  /** Offset (in bytes) where a record of `bytes` bytes may be written, or -1 when the ring is full. */
  #reserve(bytes: number): number {
    const need = align(bytes);
    const write = Atomics.load(this.#control, WRITE);
    const read = Atomics.load(this.#control, READ);
    if (write >= read) {
      if (need < this.#capacity - write) return write;
      // Not before the end: behind a WRAP marker at the start, if the reader has moved on far enough.
      if (need < read) {
        this.#words[write / 4] = WRAP;
        return 0;
      }
      return -1;
    }
    return need < read - write ? write : -1;
  }

  /** Makes the record at `at` visible. The reader is woken once per turn (or at an earlier wake(), or at
   * the end of `batch`), not per record and never in the middle of the turn: waking a sleeping thread is
   * a system call that costs the writer several µs, and on two cores the woken thread often takes the
   * writer's own CPU before the writer has written the turn's other records. */
  #publish(at: number, bytes: number): void {
    this.#words[at / 4] = bytes;
    Atomics.store(this.#control, WRITE, at + align(bytes));
    if (this.#batching > 0) this.#wakeDue = true;
    else if (!this.#wakeScheduled) {
      this.#wakeScheduled = true;
      afterTurn(this.#wakeTask);
    }
  }

  /** Wakes the reader now if it sleeps (a writer about to block its thread calls this first). */
  wake(): void {
    this.#wakeScheduled = false;
    this.#wakeDue = false;
    if (Atomics.load(this.#control, SLEEPS) !== AWAKE) this.#rouse();
  }

  /** Wakes the reader if it holds its thread blocked (see listen): the writer has just posted it a
   * message, which its event loop must run. A reader asleep on its event loop is woken by the message
   * itself, and is left alone. */
  release(): void {
    if (Atomics.load(this.#control, SLEEPS) === HOLDING) this.#rouse();
  }

  /** Marks the reader awake and wakes its wait, whichever kind it is. */
  #rouse(): void {
    Atomics.store(this.#control, SLEEPS, AWAKE);
    Atomics.notify(this.#control, SLEEPS);
  }

  /** Runs `write`; records it publishes wake the reader once, when it returns. */
  batch(write: () => void): void {
    this.#batching++;
    try {
      write();
    } finally {
      this.#batching--;
      if (this.#batching === 0 && this.#wakeDue) this.wake();
    }
  }

  /** The strings of the last job written, as [method, url, hostname, name, value, …] (empty: none), and
   * its text bytes (the first #jobTextBytes of #jobText). */
  #jobStrings: string[] = [];
  #jobText = new Uint8Array(0);
  #jobTextBytes = 0;

  /** The job's strings are the last job's: a client asking again sends the same method, URL and fields
   * (with a repeated head, parser.ts, the very same strings: one pointer test each), and the same
   * strings always give the same text bytes, so they are copied instead of joined and encoded again. */
  #sameJobText(method: string, url: string, hostname: string, fields: readonly (readonly [string, string])[]): boolean {
    const last = this.#jobStrings;
    if (last.length !== 3 + 2 * fields.length || method !== last[0] || url !== last[1] || hostname !== last[2]) return false;
    for (let i = 0, k = 3; i < fields.length; i++, k += 2) {
      const field = fields[i]!;
      if (field[0] !== last[k] || field[1] !== last[k + 1]) return false;
    }
    return true;
  }

  #rememberJobText(method: string, url: string, hostname: string, fields: readonly (readonly [string, string])[], textAt: number, textBytes: number): void {
    if (textBytes > MAX_REMEMBERED_TEXT_BYTES) {
      this.#jobStrings = [];
      return;
    }
    const strings = [method, url, hostname];
    for (let i = 0; i < fields.length; i++) strings.push(fields[i]![0], fields[i]![1]);
    this.#jobStrings = strings;
    if (this.#jobText.length === 0) this.#jobText = new Uint8Array(MAX_REMEMBERED_TEXT_BYTES);
    this.#jobText.set(this.#bytes.subarray(textAt, textAt + textBytes));
    this.#jobTextBytes = textBytes;
  }

  /** Writes `text` after `words` header words at `at`; returns its byte length, or -1 if it did not fit. */
  #text(at: number, words: number, text: string, room: number): number {
    const { read, written } = encoder.encodeInto(text, this.#bytes.subarray(at + words * 4, at + words * 4 + room));
    return read === text.length ? written : -1;
  }

  /** A job without a request body, or false (full, or a string the ring cannot carry): post it instead. */
  writeJob(job: JobMessage): boolean {
    const fields = job.headers;
    const { hostname, port } = job.info.remoteAddr;
    // A peer address the transport no longer knows (the socket closed under the request) is not a string:
    // a message carries it as it is.
    if (typeof hostname !== "string" || typeof port !== "number") return false;
    let at: number;
    let textBytes: number;
    if (this.#sameJobText(job.method, job.url, hostname, fields)) {
      // The previous job's strings (for a client asking again, the very same ones): its text bytes.
      textBytes = this.#jobTextBytes;
      at = this.#reserve(JOB_WORDS * 4 + textBytes);
      if (at < 0) return false;
      this.#bytes.set(this.#jobText.subarray(0, textBytes), at + JOB_WORDS * 4);
    } else {
      if (job.method.includes(SEPARATOR) || job.url.includes(SEPARATOR) || hostname.includes(SEPARATOR)) return false;
      let text = job.method + SEPARATOR + job.url + SEPARATOR + hostname;
      for (let i = 0; i < fields.length; i++) {
        const [name, value] = fields[i]!;
        if (name.includes(SEPARATOR) || value.includes(SEPARATOR)) return false;
        text += SEPARATOR + name + SEPARATOR + value;
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      at = this.#reserve(JOB_WORDS * 4 + text.length * 3);
      if (at < 0) return false;
      textBytes = this.#text(at, JOB_WORDS, text, text.length * 3);
      if (textBytes < 0) return false;
      this.#rememberJobText(job.method, job.url, hostname, fields, at + JOB_WORDS * 4, textBytes);
    }
    const w = at / 4;
    const claim = job.claim;
    this.#words[w + 1] = KIND_JOB;
    this.#words[w + 2] = job.id;
    this.#words[w + 3] = claim ? claim.cell : -1;
    this.#words[w + 4] = claim ? claim.token : 0;
    this.#words[w + 5] = port;
    this.#words[w + 6] = textBytes;
    this.#publish(at, JOB_WORDS * 4 + textBytes);
    return true;
  }

  /** A complete head (its whole body, or none), or false: post it instead. */
  writeHead(id: number, status: number, statusText: string, fields: readonly string[], body: string | Uint8Array | null): boolean {
    if (statusText.includes(SEPARATOR)) return false;
    let text = statusText;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i]!.includes(SEPARATOR)) return false;
      text += SEPARATOR + fields[i];
    }
    const length = body === null ? 0 : body.length;
    if (length > RING_BODY_MAX_BYTES) return false;
    const bodyRoom = typeof body === "string" ? length * 3 : length;
    const at = this.#reserve(HEAD_WORDS * 4 + text.length * 3 + bodyRoom);
    if (at < 0) return false;
    const textBytes = this.#text(at, HEAD_WORDS, text, text.length * 3);
    if (textBytes < 0) return false;
    const bodyAt = at + HEAD_WORDS * 4 + textBytes;
    let bodyBytes = -1;
    if (typeof body === "string") {
      const { read, written } = encoder.encodeInto(body, this.#bytes.subarray(bodyAt, bodyAt + bodyRoom));
      if (read !== body.length) return false;
      bodyBytes = written;
    } else if (body !== null) {
      this.#bytes.set(body, bodyAt);
      bodyBytes = body.byteLength;
    }
    const w = at / 4;
    this.#words[w + 1] = KIND_HEAD;
    this.#words[w + 2] = id;
    this.#words[w + 3] = status;
    this.#words[w + 4] = bodyBytes;
    this.#words[w + 5] = textBytes;
    this.#publish(at, HEAD_WORDS * 4 + textBytes + Math.max(0, bodyBytes));
    return true;
  }

  // ---- reader ---------------------------------------------------------------------------------------

  /** Reads every record there is, in order: jobs to `onJob`, heads to `onHead`. */
  drain(onJob: ((job: JobMessage) => void) | null, onHead: ((head: RingHead) => void) | null): void {
    let read = Atomics.load(this.#control, READ);
    while (read !== Atomics.load(this.#control, WRITE)) {
      const w = read / 4;
      const bytes = this.#words[w]!;
      if (bytes === WRAP) {
        read = 0;
        Atomics.store(this.#control, READ, 0);
        continue;
      }
      const kind = this.#words[w + 1];
      if (kind === KIND_JOB) onJob?.(this.#job(read));
      else if (kind === KIND_HEAD) onHead?.(this.#head(read));
      read += align(bytes);
      Atomics.store(this.#control, READ, read);
    }
  }

  #job(at: number): JobMessage {
    const w = at / 4;
    const textAt = at + JOB_WORDS * 4;
    const parts = decoder.decode(this.#bytes.subarray(textAt, textAt + this.#words[w + 6]!)).split(SEPARATOR);
    const headers: [string, string][] = new Array((parts.length - 3) / 2);
    for (let i = 3, k = 0; i < parts.length; i += 2, k++) headers[k] = [parts[i]!, parts[i + 1]!];
    const job: JobMessage = {
      v: PROTOCOL_VERSION,
      t: "job",
      id: this.#words[w + 2]!,
      method: parts[0]!,
      url: parts[1]!,
      headers,
      info: { remoteAddr: { transport: "tcp", hostname: parts[2]!, port: this.#words[w + 5]! } },
      body: false,
    };
    const cell = this.#words[w + 3]!;
    if (cell >= 0) job.claim = { cell, token: this.#words[w + 4]! } satisfies Claim;
    return job;
  }

  #head(at: number): RingHead {
    const w = at / 4;
    const textAt = at + HEAD_WORDS * 4;
    const textBytes = this.#words[w + 5]!;
    if (!this.#sameText(textAt, textBytes)) {
      const parts = decoder.decode(this.#bytes.subarray(textAt, textAt + textBytes)).split(SEPARATOR);
      this.#lastStatusText = parts[0]!;
      this.#lastFields = parts.slice(1);
      this.#lastText = textBytes <= MAX_REMEMBERED_TEXT_BYTES ? this.#bytes.slice(textAt, textAt + textBytes) : null;
    }
    const bodyBytes = this.#words[w + 4]!;
    const bodyAt = textAt + textBytes;
    return {
      id: this.#words[w + 2]!,
      status: this.#words[w + 3]!,
      statusText: this.#lastStatusText,
      fields: this.#lastFields,
      body: bodyBytes < 0 ? null : this.#bodyCopy(bodyAt, bodyBytes),
    };
  }

  /** The body at `at`, in ordinary memory: the previous head's body array itself when the bytes are the
   * same (the response writer then finds its remembered response, response.ts), else a copy. */
  #bodyCopy(at: number, length: number): Uint8Array {
    const last = this.#lastBody;
    if (last !== null && this.#equalAt(at, length, last)) return last;
    const copy = this.#copyOut(at, length);
    this.#lastBody = length <= MAX_REMEMBERED_BODY_BYTES ? copy : null;
    return copy;
  }

  /** Ring bytes [at, at + length) are `bytes`. */
  #equalAt(at: number, length: number, bytes: Uint8Array): boolean {
    return bytes.length === length && bytesEqualAt(this.#bytes, at, bytes, length);
  }

  /** A copy of ring bytes [at, at + length) in ordinary memory, a small one cut from a slab (bytes.ts):
   * a body of its own would be an ArrayBuffer, and a malloc, per answer (glibc's malloc was ~10% of
   * main's CPU in `bench:pool`). Never transfer or detach its `.buffer`. */
  #copyOut(at: number, length: number): Uint8Array {
    const copy = this.#slab.take(length);
    copy.set(this.#bytes.subarray(at, at + length));
    return copy;
  }

  /** The text of the head at `textAt` is byte for byte the previous head's: a handler answering the
   * same route again and again sends the same reason phrase and fields, and comparing their bytes costs
   * less than decoding and splitting them again. Equal bytes give equal strings, so the previous strings
   * are handed out again (the very same objects: the response writer then finds its remembered head). */
  #sameText(textAt: number, textBytes: number): boolean {
    return this.#lastText !== null && this.#equalAt(textAt, textBytes, this.#lastText);
  }

  /** Calls `onData` each time records arrive, until close(): drains, then sleeps until the writer
   * writes (Atomics.waitAsync: a pending wait keeps no event loop alive).
   *
   * `holdMs` > 0 (a worker's ring only: never on a thread that serves sockets): when `mayHold()` says
   * nothing needs the event loop (no job is running), the reader first waits blocked in Atomics.wait,
   * and goes on reading in the same stretch when records come. The stretch, from the turn of the event
   * loop that started it, lasts at most `holdMs` in all; then, or when woken with nothing to read (the
   * writer's `release()`: a message is waiting), the reader sleeps on its event loop as usual, and does
   * not hold again before a zero timer has run: the timers that came due meanwhile run first (on Bun a
   * wake-up can otherwise come round again before them, and timers starved for seconds).
   *
   * `linger` (main's rings: a thread that serves sockets is busy anyway while the pool is busy): after
   * a drain that found records, the reader stays marked awake until the end of the turn and drains
   * again then, so the writer does not wake it for what it writes meanwhile; it sleeps only after a
   * drain that found nothing. Under load that halves the wake-ups main takes from its workers (each a
   * task posted to main's event loop), at the cost of one immediate per busy turn. */
  listen(onData: () => void, options: ListenOptions = {}): void {
    const { holdMs = 0, mayHold = () => false, linger = false } = options;
    const pending = () => Atomics.load(this.#control, READ) !== Atomics.load(this.#control, WRITE);
    /** Announces `state` and reports whether the reader may sleep in it: false when records were
     * written between the drain and the announcement (go round again instead). */
    const announce = (state: number): boolean => {
      Atomics.store(this.#control, SLEEPS, state);
      if (!pending()) return true;
      Atomics.store(this.#control, SLEEPS, AWAKE);
      return false;
    };
    let timersRan = true;
    const allowHold = () => (timersRan = true);
    const loop = (): void => {
      // When this stretch's hold ends (0: no hold in it).
      let holdUntil = holdMs > 0 && timersRan ? performance.now() + holdMs : 0;
      for (;;) {
        if (this.#closed) return;
        const readFrom = Atomics.load(this.#control, READ);
        onData();
        if (linger && Atomics.load(this.#control, READ) !== readFrom) {
          afterTurn(loop);
          return;
        }
        const left = holdUntil > 0 ? holdUntil - performance.now() : 0;
        if (left > 0 && mayHold()) {
          if (!announce(HOLDING)) continue;
          Atomics.wait(this.#control, SLEEPS, HOLDING, left);
          if (pending()) {
            Atomics.store(this.#control, SLEEPS, AWAKE);
            continue;
          }
          // Released for a message, or the hold ran out: sleep on the event loop.
        }
        if (holdUntil > 0) {
          holdUntil = 0;
          timersRan = false;
          setTimeout(allowHold, 0);
        }
        if (!announce(ASLEEP)) continue;
        const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<unknown> | string } })
          .waitAsync(this.#control, SLEEPS, ASLEEP);
        if (!wait.async) continue; // the writer cleared the flag already
        void (wait.value as Promise<unknown>).then(loop);
        return;
      }
    };
    loop();
  }

  /** Stops listen() (its pending wait is woken so that nothing stays registered). */
  close(): void {
    this.#closed = true;
    this.#rouse();
  }
}

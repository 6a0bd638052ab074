// The response writer (issue 2, "The response writer"): framing per status/method/version, refused
// injections, Set-Cookie, Date, chunked coding and the fixed error responses.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CHUNK_END,
  chunkHeader,
  decideFraming,
  encodeChunk,
  errorResponseBytes,
  InvalidResponseError,
  LAST_CHUNK,
  serializeFullResponse,
  serializeHead,
  serializeResponse,
  STATUS_TEXT,
  type HeadInput,
} from "../src/response.ts";
import { STATUS_FOR } from "../src/errors.ts";

/** Bytes as latin1 text (one char per octet), so a test sees exactly what went on the wire. */
function text(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

interface Parsed {
  statusLine: string;
  fields: [string, string][];
  rest: string;
}

function parse(bytes: Uint8Array): Parsed {
  const all = text(bytes);
  const end = all.indexOf("\r\n\r\n");
  assert.ok(end !== -1, "head must end with an empty line");
  const lines = all.slice(0, end).split("\r\n");
  const fields = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(":");
    assert.ok(colon > 0, `field line without a name: ${JSON.stringify(line)}`);
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { statusLine: lines[0]!, fields, rest: all.slice(end + 4) };
}

const field = (p: Parsed, name: string): string[] => p.fields.filter(([n]) => n === name).map(([, v]) => v);
const one = (p: Parsed, name: string): string | null => {
  const values = field(p, name);
  assert.ok(values.length <= 1, `${name} appears ${values.length} times`);
  return values[0] ?? null;
};

function input(over: Partial<HeadInput>): HeadInput {
  return { status: 200, headers: new Headers(), requestMethod: "GET", requestVersionMinor: 1, keepAlive: true, bodyLength: 0, ...over };
}

interface FramingRow {
  name: string;
  in: Partial<HeadInput>;
  framing: string;
  keepAlive: boolean;
  contentLength: string | null;
  transferEncoding: string | null;
  connection: string | null;
  date?: boolean;
}

const FRAMING: FramingRow[] = [
  { name: "1.1 GET known length -> Content-Length", in: { bodyLength: 5 }, framing: "length", keepAlive: true, contentLength: "5", transferEncoding: null, connection: null },
  { name: "1.1 GET empty body -> Content-Length: 0", in: { bodyLength: 0 }, framing: "length", keepAlive: true, contentLength: "0", transferEncoding: null, connection: null },
  { name: "1.1 GET unknown length -> chunked", in: { bodyLength: null }, framing: "chunked", keepAlive: true, contentLength: null, transferEncoding: "chunked", connection: null },
  { name: "1.1 500 unknown length -> chunked", in: { status: 500, bodyLength: null }, framing: "chunked", keepAlive: true, contentLength: null, transferEncoding: "chunked", connection: null },
  { name: "1.1 not keep-alive -> Connection: close", in: { keepAlive: false, bodyLength: 3 }, framing: "length", keepAlive: false, contentLength: "3", transferEncoding: null, connection: "close" },
  { name: "1.0 unknown length -> close-delimited, keepAlive false", in: { requestVersionMinor: 0, bodyLength: null }, framing: "close", keepAlive: false, contentLength: null, transferEncoding: null, connection: "close" },
  { name: "1.0 keep-alive known length -> Connection: keep-alive", in: { requestVersionMinor: 0, bodyLength: 2 }, framing: "length", keepAlive: true, contentLength: "2", transferEncoding: null, connection: "keep-alive" },
  { name: "1.0 without keep-alive -> Connection: close", in: { requestVersionMinor: 0, keepAlive: false, bodyLength: 2 }, framing: "length", keepAlive: false, contentLength: "2", transferEncoding: null, connection: "close" },
  { name: "HEAD known length -> Content-Length as GET, no body", in: { requestMethod: "HEAD", bodyLength: 10 }, framing: "none", keepAlive: true, contentLength: "10", transferEncoding: null, connection: null },
  { name: "HEAD unknown length 1.1 -> Transfer-Encoding as GET, no body", in: { requestMethod: "HEAD", bodyLength: null }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: "chunked", connection: null },
  { name: "HEAD unknown length keeps handler Content-Length", in: { requestMethod: "HEAD", bodyLength: null, headers: new Headers({ "content-length": "42" }) }, framing: "none", keepAlive: true, contentLength: "42", transferEncoding: null, connection: null },
  { name: "HEAD unknown length 1.0 stays alive (no body to delimit)", in: { requestMethod: "HEAD", requestVersionMinor: 0, bodyLength: null }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: "keep-alive" },
  { name: "HEAD 204 -> no Content-Length", in: { requestMethod: "HEAD", status: 204, bodyLength: 0 }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: null },
  { name: "204 -> no body, no Content-Length", in: { status: 204, bodyLength: 0 }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: null },
  { name: "204 drops handler Content-Length and Transfer-Encoding", in: { status: 204, bodyLength: 5, headers: new Headers({ "content-length": "5", "transfer-encoding": "chunked" }) }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: null },
  { name: "205 -> no body, Content-Length: 0", in: { status: 205, bodyLength: 7 }, framing: "none", keepAlive: true, contentLength: "0", transferEncoding: null, connection: null },
  { name: "304 keeps handler Content-Length", in: { status: 304, bodyLength: null, headers: new Headers({ "content-length": "123", etag: '"x"' }) }, framing: "none", keepAlive: true, contentLength: "123", transferEncoding: null, connection: null },
  { name: "304 without Content-Length adds none", in: { status: 304, bodyLength: 0 }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: null },
  { name: "304 drops handler Transfer-Encoding", in: { status: 304, bodyLength: null, headers: new Headers({ "transfer-encoding": "chunked" }) }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: null },
  { name: "100 Continue: no body, no Date, no framing, no Connection", in: { status: 100, keepAlive: false, bodyLength: null }, framing: "none", keepAlive: false, contentLength: null, transferEncoding: null, connection: null, date: false },
  { name: "101 passes the handler's Connection: upgrade", in: { status: 101, bodyLength: null, headers: new Headers({ connection: "Upgrade", upgrade: "websocket" }) }, framing: "none", keepAlive: true, contentLength: null, transferEncoding: null, connection: "Upgrade", date: false },
  { name: "smuggle_handler_content_length_replaced", in: { bodyLength: 5, headers: new Headers({ "content-length": "999" }) }, framing: "length", keepAlive: true, contentLength: "5", transferEncoding: null, connection: null },
  { name: "smuggle_handler_transfer_encoding_dropped", in: { bodyLength: 3, headers: new Headers({ "transfer-encoding": "gzip, chunked" }) }, framing: "length", keepAlive: true, contentLength: "3", transferEncoding: null, connection: null },
  { name: "smuggle_handler_chunked_on_1.0_dropped", in: { requestVersionMinor: 0, bodyLength: null, headers: new Headers({ "transfer-encoding": "chunked" }) }, framing: "close", keepAlive: false, contentLength: null, transferEncoding: null, connection: "close" },
  { name: "handler Connection: close ends the connection", in: { bodyLength: 1, headers: new Headers({ connection: "close" }) }, framing: "length", keepAlive: false, contentLength: "1", transferEncoding: null, connection: "close" },
  { name: "handler Connection: keep-alive cannot keep a closing connection", in: { keepAlive: false, bodyLength: 1, headers: new Headers({ connection: "keep-alive" }) }, framing: "length", keepAlive: false, contentLength: "1", transferEncoding: null, connection: "close" },
  { name: "handler Connection: keep-alive is not repeated on 1.1", in: { bodyLength: 1, headers: new Headers({ connection: "keep-alive" }) }, framing: "length", keepAlive: true, contentLength: "1", transferEncoding: null, connection: null },
  { name: "plain pairs with mixed-case framing names are dropped too", in: { bodyLength: 2, headers: [["Content-Length", "9"], ["Transfer-Encoding", "chunked"], ["Connection", "Close"]] }, framing: "length", keepAlive: false, contentLength: "2", transferEncoding: null, connection: "close" },
];

for (const row of FRAMING) {
  test(`framing: ${row.name}`, () => {
    const head = serializeHead(input(row.in));
    const p = parse(head.bytes);
    const status = row.in.status ?? 200;
    assert.equal(p.statusLine, `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`);
    assert.equal(p.rest, "", "serializeHead writes no body bytes");
    assert.equal(head.framing, row.framing);
    assert.equal(head.keepAlive, row.keepAlive);
    assert.equal(one(p, "content-length"), row.contentLength);
    assert.equal(one(p, "transfer-encoding"), row.transferEncoding);
    assert.equal(one(p, "connection"), row.connection);
    assert.equal(field(p, "date").length, row.date === false ? 0 : 1);
  });
}

test("decideFraming follows RFC 9112 §6.3 for every status class, method and version", () => {
  for (let status = 100; status <= 599; status++) {
    for (const method of ["GET", "HEAD", "POST"]) {
      for (const minor of [0, 1] as const) {
        for (const length of [0, 9, null]) {
          const got = decideFraming(status, method, minor, length);
          const bodiless = method === "HEAD" || status < 200 || status === 204 || status === 205 || status === 304;
          const want = bodiless ? "none" : length !== null ? "length" : minor === 1 ? "chunked" : "close";
          assert.equal(got, want, `${method} ${status} 1.${minor} ${length}`);
        }
      }
    }
  }
});

test("status line carries the standard reason phrase, or an empty one for unregistered codes", () => {
  const cases: [number, string][] = [[200, "OK"], [201, "Created"], [404, "Not Found"], [413, "Content Too Large"], [431, "Request Header Fields Too Large"], [503, "Service Unavailable"]];
  for (const [status, reason] of cases) {
    assert.equal(parse(serializeHead(input({ status })).bytes).statusLine, `HTTP/1.1 ${status} ${reason}`);
  }
  // RFC 9112 §4: the SP before an empty reason phrase stays.
  assert.ok(text(serializeHead(input({ status: 299 })).bytes).startsWith("HTTP/1.1 299 \r\n"));
});

test("handler fields are written in order, Server is not added", () => {
  const p = parse(serializeHead(input({ headers: new Headers([["content-type", "text/html"], ["x-a", "1"], ["x-b", "two words"]]) })).bytes);
  assert.deepEqual(p.fields.filter(([n]) => n.startsWith("x-") || n === "content-type"), [["content-type", "text/html"], ["x-a", "1"], ["x-b", "two words"]]);
  assert.equal(one(p, "server"), null);
});

const BAD_VALUE_CHARS: [string, string][] = [
  ["CR", "\r"], ["LF", "\n"], ["CRLF", "\r\n"], ["NUL", "\0"], ["SOH", "\x01"], ["BS", "\x08"], ["VT", "\x0b"],
  ["FF", "\x0c"], ["ESC", "\x1b"], ["US", "\x1f"], ["DEL", "\x7f"], ["beyond latin1", "\u0100"], ["emoji", "\u{1f600}"],
];
for (const [what, bad] of BAD_VALUE_CHARS) {
  test(`injection refused: ${what} in a field value`, () => {
    const headers: [string, string][] = [["x-ok", "1"], ["x-evil", `a${bad}Set-Cookie: stolen=1`]];
    assert.throws(() => serializeHead(input({ headers })), InvalidResponseError);
    assert.throws(() => serializeResponse(input({ headers }), new Uint8Array(1)), InvalidResponseError);
  });
}

const BAD_NAMES: [string, string][] = [
  ["empty", ""], ["space", "x y"], ["colon", "x:y"], ["CRLF", "x\r\nInjected"], ["LF", "x\n"], ["NUL", "x\0"],
  ["parenthesis", "x(y)"], ["quote", 'x"'], ["non-ASCII", "caf\u00e9"], ["slash", "a/b"], ["trailing space", "x "],
];
for (const [what, name] of BAD_NAMES) {
  test(`injection refused: ${what} in a field name`, () => {
    assert.throws(() => serializeHead(input({ headers: [[name, "v"]] })), InvalidResponseError);
  });
}

test("injection refused: a CTL that Headers itself lets through", () => {
  // WHATWG Headers only refuses NUL, CR and LF; weft refuses every CTL (RFC 9110 §5.5).
  assert.throws(() => serializeHead(input({ headers: new Headers({ "x-a": "a\x01b" }) })), InvalidResponseError);
});

test("invalid status or body length is refused", () => {
  for (const status of [99, 600, 0, -1, 200.5, Number.NaN]) {
    assert.throws(() => serializeHead(input({ status })), InvalidResponseError, String(status));
  }
  for (const bodyLength of [-1, 1.5, Number.POSITIVE_INFINITY]) {
    assert.throws(() => serializeHead(input({ bodyLength })), InvalidResponseError, String(bodyLength));
  }
});

test("HTAB and obs-text are allowed in values; obs-text goes out as single octets", () => {
  const head = serializeHead(input({ headers: [["x-a", "a\tb"], ["x-b", "caf\u00e9"]] }));
  const bytes = head.bytes;
  const p = parse(bytes);
  assert.equal(one(p, "x-a"), "a\tb");
  assert.equal(one(p, "x-b"), "caf\u00e9");
  assert.ok(bytes.includes(0xe9), "U+00E9 is the octet 0xE9");
  assert.ok(!bytes.includes(0xc3), "not UTF-8 encoded");
});

test("every Set-Cookie value stays its own field line", () => {
  const headers = new Headers();
  headers.append("set-cookie", "a=1; Path=/");
  headers.append("set-cookie", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
  headers.append("x-other", "y");
  const p = parse(serializeHead(input({ headers })).bytes);
  assert.deepEqual(field(p, "set-cookie"), ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"]);
  const fromPairs = parse(serializeHead(input({ headers: [["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]] })).bytes);
  assert.deepEqual(field(fromPairs, "set-cookie"), ["a=1", "b=2"]);
});

test("Date is an IMF-fixdate on every final response; a handler's Date is kept, not doubled", () => {
  const imf = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
  for (const status of [200, 204, 304, 404, 500]) {
    const date = one(parse(serializeHead(input({ status })).bytes), "date");
    assert.ok(date !== null && imf.test(date), `${status}: ${date}`);
  }
  const mine = "Sun, 06 Nov 1994 08:49:37 GMT";
  assert.deepEqual(field(parse(serializeHead(input({ headers: new Headers({ date: mine }) })).bytes), "date"), [mine]);
});

test("serializeResponse: head and body in one buffer", () => {
  const body = new TextEncoder().encode("hello");
  const p = parse(serializeResponse(input({ bodyLength: null, headers: new Headers({ "content-type": "text/plain" }) }), body));
  assert.equal(one(p, "content-length"), "5");
  assert.equal(p.rest, "hello");
  const empty = parse(serializeResponse(input({}), null));
  assert.equal(one(empty, "content-length"), "0");
  assert.equal(empty.rest, "");
});

test("serializeResponse leaves the body out for HEAD, 204 and 304 but keeps HEAD's length", () => {
  const body = new TextEncoder().encode("0123456789");
  const head = parse(serializeResponse(input({ requestMethod: "HEAD" }), body));
  assert.equal(one(head, "content-length"), "10");
  assert.equal(head.rest, "");
  for (const status of [204, 304]) {
    const p = parse(serializeResponse(input({ status }), body));
    assert.equal(p.rest, "", String(status));
    assert.equal(one(p, "content-length"), null, String(status));
  }
});

test("serializeFullResponse reports a handler's Connection: close", () => {
  const result = serializeFullResponse(input({ headers: new Headers({ connection: "close" }) }), new Uint8Array(2));
  assert.equal(result.keepAlive, false);
  assert.equal(result.framing, "length");
  assert.equal(one(parse(result.bytes), "connection"), "close");
});

test("encodeChunk frames data as hex size CRLF data CRLF", () => {
  assert.equal(text(encodeChunk(new TextEncoder().encode("hello"))), "5\r\nhello\r\n");
  const big = new Uint8Array(4096).fill(0x61);
  const framed = text(encodeChunk(big));
  assert.ok(framed.startsWith("1000\r\naaaa"));
  assert.ok(framed.endsWith("a\r\n"));
  assert.equal(framed.length, 4 + 2 + 4096 + 2);
  assert.equal(text(encodeChunk(new Uint8Array(255))).slice(0, 4), "ff\r\n");
});

test("encodeChunk of empty data is empty, never the last chunk", () => {
  assert.equal(encodeChunk(new Uint8Array(0)).byteLength, 0);
  assert.equal(text(LAST_CHUNK), "0\r\n\r\n");
});

test("chunkHeader and CHUNK_END frame a chunk without copying its data", () => {
  assert.equal(text(chunkHeader(26)), "1a\r\n");
  assert.equal(text(CHUNK_END), "\r\n");
});

test("errorResponseBytes: fixed response for every refusal status", () => {
  const statuses = new Set([...Object.values(STATUS_FOR), 500, 503, 504]);
  for (const status of statuses) {
    const p = parse(errorResponseBytes(status));
    assert.equal(p.statusLine, `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`);
    assert.equal(p.rest, `${STATUS_TEXT[status]}\n`);
    assert.equal(one(p, "content-length"), String(p.rest.length));
    assert.equal(one(p, "content-type"), "text/plain; charset=utf-8");
    assert.equal(one(p, "connection"), "close");
    assert.ok(one(p, "date"));
  }
  assert.equal(parse(errorResponseBytes(599)).rest, "Error\n");
  assert.throws(() => errorResponseBytes(600), RangeError);
});

test("returned buffers never share bytes: earlier results survive later calls", () => {
  // Small results are views into a shared slab (response.ts, allocate): each must own its range.
  const kept: [Uint8Array, string][] = [];
  for (let i = 0; i < 400; i++) {
    const body = new TextEncoder().encode(`body ${i} `.repeat(i % 7));
    const bytes = i % 3 === 0 ? encodeChunk(body.byteLength ? body : new Uint8Array(1)) : serializeResponse(input({ headers: [["x-i", String(i)]] }), body);
    kept.push([bytes, text(bytes)]);
  }
  for (const [bytes, snapshot] of kept) assert.equal(text(bytes), snapshot);
  const ranges = kept.map(([b]) => [b.buffer, b.byteOffset, b.byteOffset + b.byteLength] as const);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [bi, si, ei] = ranges[i]!;
      const [bj, sj, ej] = ranges[j]!;
      if (bi === bj && ei > si && ej > sj) assert.ok(ei <= sj || ej <= si, `results ${i} and ${j} overlap`);
    }
  }
});

test("a simple response's head is remembered only for identical inputs: any input that matters changes it", () => {
  // serializeFullResponse keeps the last head built from flat fields (response.ts, rememberedHead). Each
  // variant below differs from the base in one input, and each is written right after the base, so a
  // memo that ignored that input would hand the base's head back.
  const body = new TextEncoder().encode("hello");
  const html = ["content-type", "text/html"];
  const base: [HeadInput, Uint8Array | null] = [input({ headers: [], flatFields: html }), body];
  const variants: [string, HeadInput, Uint8Array | null, (p: Parsed) => void][] = [
    ["the same again, equal strings", input({ headers: [], flatFields: ["content-type", "text/html"] }), body, (p) => assert.equal(p.rest, "hello")],
    ["same length, other body", base[0], new TextEncoder().encode("howdy"), (p) => assert.equal(p.rest, "howdy")],
    ["another value of the same length", input({ headers: [], flatFields: ["content-type", "text/xhtm"] }), body, (p) => assert.equal(one(p, "content-type"), "text/xhtm")],
    ["another status", input({ status: 404, headers: [], flatFields: html }), body, (p) => assert.equal(p.statusLine, "HTTP/1.1 404 Not Found")],
    ["HEAD", input({ requestMethod: "HEAD", headers: [], flatFields: html }), body, (p) => {
      assert.equal(p.rest, "");
      assert.equal(one(p, "content-length"), "5");
    }],
    ["not keep-alive", input({ keepAlive: false, headers: [], flatFields: html }), body, (p) => assert.equal(one(p, "connection"), "close")],
    ["HTTP/1.0", input({ requestVersionMinor: 0, headers: [], flatFields: html }), body, (p) => assert.equal(one(p, "connection"), "keep-alive")],
    ["another length", base[0], new TextEncoder().encode("hi"), (p) => assert.equal(one(p, "content-length"), "2")],
    ["one field more", input({ headers: [], flatFields: [...html, "x-a", "1"] }), body, (p) => assert.equal(one(p, "x-a"), "1")],
  ];
  const undated = (bytes: Uint8Array) => text(bytes).replace(/\r\nDate: [^\r]*/, ""); // the second may turn
  const fresh = (head: HeadInput, bytes: Uint8Array | null) =>
    // Through the Headers path, which is never remembered.
    undated(serializeFullResponse({ ...head, flatFields: null, headers: pairsOfFlat(head.flatFields!) }, bytes).bytes);
  for (const [name, head, bytes, check] of variants) {
    assert.equal(undated(serializeFullResponse(base[0], base[1]).bytes), fresh(base[0], base[1]), `base before ${name}`);
    const written = serializeFullResponse(head, bytes);
    check(parse(written.bytes));
    assert.equal(written.keepAlive, head.keepAlive, name);
    assert.equal(undated(written.bytes), fresh(head, bytes), name);
  }
  assert.equal(undated(serializeFullResponse(base[0], base[1]).bytes), fresh(base[0], base[1]), "base after the last variant");
  // A value the writer refuses is refused again after the same fields were remembered as valid ones.
  serializeFullResponse(base[0], base[1]);
  assert.throws(() => serializeFullResponse(input({ headers: [], flatFields: ["content-type", "text/html\u0001"] }), body), InvalidResponseError);
});

test("the same remembered head and the very same body bytes give the very same response, handed out again", () => {
  const head = input({ headers: [], flatFields: ["content-type", "text/html"] });
  const body = new TextEncoder().encode("hello");
  let first = serializeFullResponse(head, body);
  let again = serializeFullResponse(head, body);
  if (again.bytes !== first.bytes) {
    // The Date second may have turned between the two: then the next two must match.
    first = again;
    again = serializeFullResponse(head, body);
  }
  assert.equal(again.bytes, first.bytes);
  // Equal bytes in another array: built again (an array could have changed since it was last written).
  const copy = serializeFullResponse(head, new TextEncoder().encode("hello"));
  assert.notEqual(copy.bytes, first.bytes);
  assert.equal(text(copy.bytes), text(first.bytes));
  // Any other input: built again (the variants above check the bytes themselves).
  assert.notEqual(serializeFullResponse({ ...head, keepAlive: false }, body).bytes, first.bytes);
  // Not through the Headers path.
  const viaHeaders = { ...head, flatFields: null, headers: [["content-type", "text/html"]] as [string, string][] };
  assert.notEqual(serializeFullResponse(viaHeaders, body).bytes, serializeFullResponse(viaHeaders, body).bytes);
});

function pairsOfFlat(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

test("a remembered head still gets the new Date once the second turns", async () => {
  const head = input({ headers: [], flatFields: ["content-type", "text/plain"] });
  const dateOf = () => one(parse(serializeFullResponse(head, null).bytes), "date");
  const first = dateOf();
  assert.equal(dateOf(), first); // remembered within the second
  const deadline = Date.now() + 2000;
  while (dateOf() === first && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const next = dateOf();
  assert.notEqual(next, first);
  assert.equal(Date.parse(next!) - Date.parse(first!) >= 1000, true);
});

// request.ts: the handler's Request from a parsed head.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Fields } from "../src/fields.ts";
import { buildRequest, requestUrl } from "../src/request.ts";

const head = (method: string, target: string, targetForm: "origin" | "absolute" | "authority" | "asterisk", pairs: [string, string][]) => ({
  method,
  target,
  targetForm,
  fields: new Fields(pairs),
});

test("URL: origin-form from Host, absolute-form as sent, asterisk-form as /*, no Host → listening address", () => {
  assert.equal(requestUrl(head("GET", "/a?b=1", "origin", [["Host", "example.com:8080"]]), "127.0.0.1:1"), "http://example.com:8080/a?b=1");
  assert.equal(requestUrl(head("GET", "http://other/x", "absolute", [["Host", "ignored"]]), "127.0.0.1:1"), "http://other/x");
  assert.equal(requestUrl(head("OPTIONS", "*", "asterisk", [["Host", "h"]]), "127.0.0.1:1"), "http://h/*");
  assert.equal(requestUrl(head("GET", "/", "origin", []), "127.0.0.1:1"), "http://127.0.0.1:1/");
});

test("URL: each URL is built from its own host and path, also right after one that shares either", () => {
  // requestUrl hands out the last URL again for the same host and path: every input must count.
  const rows: [string, string, string, [string, string][], string][] = [
    ["/a", "origin", "h1", [["Host", "h1"]], "http://h1/a"],
    ["/a", "origin", "h1", [["Host", "h1"]], "http://h1/a"],
    ["/a", "origin", "h2", [["Host", "h2"]], "http://h2/a"],
    ["/b", "origin", "h2", [["Host", "h2"]], "http://h2/b"],
    ["/b", "origin", "fallback", [], "http://fallback/b"],
    ["*", "asterisk", "fallback", [], "http://fallback/*"],
    ["/*", "origin", "fallback", [], "http://fallback/*"],
    ["http://x/b", "absolute", "fallback", [["Host", "fallback"]], "http://x/b"],
    ["/b", "origin", "fallback", [["Host", "h2"]], "http://h2/b"],
  ];
  for (const [target, form, fallback, fields, url] of rows) {
    assert.equal(requestUrl(head("GET", target, form as "origin", fields), fallback), url);
  }
});

test("Request: method, every field line in order (repeats joined by Headers), Set-Cookie kept apart", () => {
  const request = buildRequest(head("DELETE", "/r", "origin", [["Host", "h"], ["X-A", "1"], ["x-a", "2"], ["Cookie", "c=1"]]), null, "");
  assert.equal(request.method, "DELETE");
  assert.equal(request.url, "http://h/r");
  assert.equal(request.headers.get("x-a"), "1, 2");
  assert.equal(request.headers.get("cookie"), "c=1");
});

test("Request body: a stream for POST; none for GET even when the wire carried one", async () => {
  const body = () => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode("hi")), c.close()) });
  const post = buildRequest(head("POST", "/", "origin", [["Host", "h"]]), body(), "");
  assert.equal(await post.text(), "hi");
  const get = buildRequest(head("GET", "/", "origin", [["Host", "h"]]), body(), "");
  assert.equal(get.body, null);
});

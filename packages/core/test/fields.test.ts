// Fields: ordered field lines with case-insensitive lookup, and parseFieldLine's verdicts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Fields, knownLowerName, parseFieldLine } from "../src/fields.ts";
import { equalsIgnoreCase } from "../src/bytes.ts";
import { createParser } from "../src/parser.ts";
import { bytes } from "./parser-harness.ts";

const sample = () =>
  new Fields([
    ["Host", "example.com"],
    ["Accept", "text/html"],
    ["X-Dup", "1"],
    ["x-dup", "2"],
    ["Set-Cookie", "a=1"],
    ["Set-Cookie", "b=2"],
  ]);

test("length, name(i), value(i) and lowerName(i) keep order and original case", () => {
  const f = sample();
  assert.equal(f.length, 6);
  assert.equal(f.name(3), "x-dup");
  assert.equal(f.name(0), "Host");
  assert.equal(f.lowerName(0), "host");
  assert.equal(f.value(1), "text/html");
});

test("get() is case-insensitive and returns the first value; null when absent", () => {
  const f = sample();
  assert.equal(f.get("HOST"), "example.com");
  assert.equal(f.get("x-DUP"), "1");
  assert.equal(f.get("missing"), null);
  assert.equal(new Fields().get("host"), null);
});

test("indexOf() finds the first line of a name in any case, or -1", () => {
  const f = sample();
  assert.equal(f.indexOf("x-dup"), 2);
  assert.equal(f.indexOf("SET-COOKIE"), 4);
  assert.equal(f.indexOf("nope"), -1);
});

test("getAll() returns every value in order; has() tells presence", () => {
  const f = sample();
  assert.deepEqual(f.getAll("X-Dup"), ["1", "2"]);
  assert.deepEqual(f.getAll("nope"), []);
  assert.equal(f.has("accept"), true);
  assert.equal(f.has("accept-encoding"), false);
});

test("an empty value is present (has() true, get() returns \"\")", () => {
  const f = new Fields([["X-Empty", ""]]);
  assert.equal(f.has("x-empty"), true);
  assert.equal(f.get("x-empty"), "");
});

test("iteration yields [name, value] pairs in order", () => {
  assert.deepEqual([...sample()].slice(2, 4), [["X-Dup", "1"], ["x-dup", "2"]]);
});

test("toHeaders() builds a web Headers (duplicates joined, Set-Cookie kept apart, obs-text kept)", () => {
  const f = sample();
  f.append("X-Latin", "caf\xe9");
  const h = f.toHeaders();
  assert.equal(h.get("x-dup"), "1, 2");
  assert.equal(h.get("host"), "example.com");
  assert.deepEqual(h.getSetCookie(), ["a=1", "b=2"]);
  assert.equal(h.get("x-latin"), "caf\xe9");
});

function parseOne(line: string): { error: string | null; fields: [string, string][] } {
  const f = new Fields();
  const raw = bytes(line);
  const error = parseFieldLine(raw, 0, raw.length, f);
  return { error, fields: [...f] };
}

test("clone() gives an independent copy: appending to either leaves the other as it was", () => {
  // The source changed first, then the copy; and the other way round.
  for (const sourceFirst of [true, false]) {
    const source = new Fields([["Host", "a"], ["Accept", "*/*"]]);
    const copy = source.clone();
    assert.deepEqual([...copy], [...source]);
    if (sourceFirst) source.append("X-Source", "2");
    copy.append("X-Copy", "1");
    if (!sourceFirst) source.append("X-Source", "2");
    assert.deepEqual([...source], [["Host", "a"], ["Accept", "*/*"], ["X-Source", "2"]]);
    assert.deepEqual([...copy], [["Host", "a"], ["Accept", "*/*"], ["X-Copy", "1"]]);
  }
  const original = new Fields([["Host", "a"], ["Accept", "*/*"], ["X-Original", "2"]]);
  const second = original.clone();
  const third = original.clone();
  second.append("X-Second", "3");
  assert.equal(third.length, 3, "a clone of a clone's source is unaffected");
  assert.equal(original.get("x-second"), null);
  assert.equal(second.get("X-SECOND"), "3");
});

test("parseFieldLine trims OWS, keeps inner whitespace and decodes bytes as latin1", () => {
  assert.deepEqual(parseOne("Name: \t a b \t"), { error: null, fields: [["Name", "a b"]] });
  assert.deepEqual(parseOne("N:"), { error: null, fields: [["N", ""]] });
  assert.deepEqual(parseOne("N:\x80\xff"), { error: null, fields: [["N", "\x80\xff"]] });
});

test("parseFieldLine lowercases names only once, at parse time", () => {
  const f = new Fields();
  const raw = bytes("Content-TYPE: x");
  parseFieldLine(raw, 0, raw.length, f);
  assert.equal(f.lowerName(0), "content-type");
  assert.equal(f.name(0), "Content-TYPE");
});

test("parseFieldLine refuses what RFC 9112 §5 refuses, with the right kind", () => {
  const cases: [string, string][] = [
    [" folded", "obs_fold"],
    ["\tfolded", "obs_fold"],
    ["Name : v", "bad_field_name"],
    [": v", "bad_field_name"],
    ["NoColon", "bad_field_name"],
    ["Na me: v", "bad_field_name"],
    ["N\xe9: v", "bad_field_name"],
    ["N: a\x00", "bad_field_value"],
    ["N: a\rb", "bad_field_value"],
    ["N: a\nb", "bad_field_value"],
    ["N: \x7f", "bad_field_value"],
  ];
  for (const [line, kind] of cases) assert.equal(parseOne(line).error, kind, JSON.stringify(line));
});

test("parseFieldLine reads only the given range of a larger buffer", () => {
  const raw = bytes("junkA: 1\r\nmore");
  const f = new Fields();
  assert.equal(parseFieldLine(raw, 4, 8, f), null);
  assert.deepEqual([...f], [["A", "1"]]);
});

test("knownLowerName recognises common names in any case, and nothing else", () => {
  const look = (name: string) => {
    const raw = bytes(`..${name}..`);
    return knownLowerName(raw, 2, 2 + name.length);
  };
  assert.equal(look("Host"), "host");
  assert.equal(look("CONTENT-LENGTH"), "content-length");
  assert.equal(look("transfer-encoding"), "transfer-encoding");
  assert.equal(look("Hosx"), null);
  assert.equal(look("X-Custom"), null);
  assert.equal(look("Content_Length"), null);
  assert.equal(look(""), null);
});

test("equalsIgnoreCase compares ASCII case-insensitively and nothing more", () => {
  assert.equal(equalsIgnoreCase("Keep-Alive", "keep-alive"), true);
  assert.equal(equalsIgnoreCase("CLOSE", "close"), true);
  assert.equal(equalsIgnoreCase("closed", "close"), false);
  assert.equal(equalsIgnoreCase("clos\u00e9", "close"), false);
  assert.equal(equalsIgnoreCase("^", "~"), false);
});

test("parsed heads look names up case-insensitively, known or not", () => {
  let fields: Fields | null = null;
  const parser = createParser({ onHead: (h) => (fields = h.fields), onBody() {}, onEnd() {}, onError: () => assert.fail("onError") });
  parser.feed(bytes("GET / HTTP/1.1\r\nHoSt: x\r\nX-MiXeD: y\r\ncontent-TYPE: z\r\n\r\n"));
  const f = fields as Fields | null;
  assert.ok(f !== null);
  assert.deepEqual([f.lowerName(0), f.lowerName(1), f.lowerName(2)], ["host", "x-mixed", "content-type"]);
  assert.deepEqual([f.get("HOST"), f.get("x-mixed"), f.get("Content-Type")], ["x", "y", "z"]);
  assert.deepEqual([f.name(0), f.name(1), f.name(2)], ["HoSt", "X-MiXeD", "content-TYPE"]);
});

// Fields: ordered field lines with case-insensitive lookup, and parseFieldLine's verdicts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Fields, parseFieldLine } from "../src/fields.ts";
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

// Send exact bytes to a server and print exactly what comes back (and how the connection ended), for
// chasing one conformance failure by hand:
//   node --import tsx src/probe.ts <port> 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' [waitMs]
// `\r`, `\n`, `\t` and `\xHH` escapes in the request are decoded; the rest is sent as latin1.
import { RawConnection } from "./client.ts";

/** How long to keep listening after the first bytes, for late or pipelined responses. */
const DEFAULT_WAIT_MS = 1_500;

const [portText, rawText, waitText] = process.argv.slice(2);
if (!portText || rawText === undefined) {
  console.error("usage: probe.ts <port> <request with \\r\\n escapes> [waitMs]");
  process.exit(2);
}
const raw = rawText.replace(/\\(r|n|t|x[0-9a-fA-F]{2})/g, (_, e: string) =>
  e === "r" ? "\r" : e === "n" ? "\n" : e === "t" ? "\t" : String.fromCharCode(parseInt(e.slice(1), 16)),
);
const wait = Number(waitText ?? DEFAULT_WAIT_MS);
const conn = await RawConnection.open(Number(portText));
const started = Date.now();
await conn.write(raw);
await conn.waitClose(wait);
console.log(JSON.stringify(conn.pending.toString("latin1")));
console.log(`ended: ${conn.endedBy ?? "still open"} after ${Date.now() - started} ms`);
conn.destroy();

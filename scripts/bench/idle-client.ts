// The client side of the idle-connection scenario, run as its own Node process (through sh with a raised
// fd limit, like the servers): open COUNT keep-alive connections in batches, send one `GET /` on each and
// read its whole response, then hold them all idle. Protocol on stdio:
//   stdout `IDLE_READY <open> <failed>` once every connection is open and answered;
//   stdin  any line → report `IDLE_DONE <closed-by-server-meanwhile>`, reset every socket, exit.
// Usage: node --import tsx idle-client.ts <port> <count> <batch>
import { connect, type Socket } from "node:net";
import { HTML } from "./servers/content.ts";

/** The whole client gives up after this long (every benchmark step is bounded). */
const DEADLINE_MS = 120_000;
/** One connection's open + request + response must finish within this. */
const CONNECT_TIMEOUT_MS = 10_000;

const [port, count, batch] = process.argv.slice(2).map(Number) as [number, number, number];
const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const BODY_END = HTML.slice(-16);

const deadline = setTimeout(() => {
  console.error("idle-client: deadline reached");
  process.exit(2);
}, DEADLINE_MS);

const sockets: Socket[] = [];
let closedByServer = 0;
let holding = false;

/** Open one connection, send one request, resolve once its response ended (keep-alive). */
function openOne(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    function done(ok: boolean) {
      clearTimeout(timer);
      socket.removeAllListeners("data");
      if (!ok) socket.destroy();
      resolve(ok);
    }
    socket.once("connect", () => socket.write(REQUEST));
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1");
      if (received.endsWith(BODY_END)) done(true);
    });
    socket.on("error", () => done(false));
    socket.on("close", () => {
      if (holding) closedByServer++;
      done(false);
    });
    sockets.push(socket);
  });
}

let open = 0;
let failed = 0;
for (let i = 0; i < count; i += batch) {
  const results = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, openOne));
  for (const ok of results) ok ? open++ : failed++;
}
holding = true;
console.log(`IDLE_READY ${open} ${failed}`);

process.stdin.once("data", () => {
  holding = false;
  console.log(`IDLE_DONE ${closedByServer}`);
  // RST rather than FIN: no TIME_WAIT left on the client side, so thousands of ports are not held
  // for a minute between rounds.
  for (const socket of sockets) socket.resetAndDestroy();
  clearTimeout(deadline);
  setTimeout(() => process.exit(0), 100);
});

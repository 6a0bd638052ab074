// `weft hello`: the seed app, the Rust book's final project (ch. 21): GET / → hello.html,
// GET /sleep → the same page after 5 s (to show one slow request not blocking others), anything else →
// 404.html with status 404.
import type { FetchHandler } from "@weft/core";

const SLEEP_MS = 5_000;

const HELLO_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Hello!</title>
  </head>
  <body>
    <h1>Hello!</h1>
    <p>Hi from Rust</p>
  </body>
</html>
`;

const NOT_FOUND_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Hello!</title>
  </head>
  <body>
    <h1>Oops!</h1>
    <p>Sorry, I don't know what you're asking for.</p>
  </body>
</html>
`;

const html = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });

export const helloApp: FetchHandler = async (request) => {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/") return html(HELLO_HTML);
  if (request.method === "GET" && pathname === "/sleep") {
    await new Promise((resolve) => setTimeout(resolve, SLEEP_MS));
    return html(HELLO_HTML);
  }
  return html(NOT_FOUND_HTML, 404);
};

import { serve } from "@weft/node";
const la = Number(process.argv[2] ?? 2);
const server = await serve({ hostname: "127.0.0.1", port: 0, module: new URL("./app.ts", import.meta.url).href, workers: 2, pool: { lookahead: la } });
console.log(`PORT=${server.port}`);
process.on("SIGTERM", () => process.exit(0));

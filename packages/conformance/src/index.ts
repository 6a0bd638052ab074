// @weft/conformance: the shared black-box case table, the raw-socket client and the fixture app.
// The runner is src/run.ts (`npm run conformance`).
export { CASES } from "./cases/index.ts";
export type { Case, CaseContext } from "./cases/index.ts";
export { RawConnection, type ParsedResponse } from "./client.ts";
export { ALL_SERVERS, NATIVE_SERVERS, WEFT_SERVERS, type ServerId } from "./servers.ts";

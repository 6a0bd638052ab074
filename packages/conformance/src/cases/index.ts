// The one table of conformance cases, in the order the matrix prints them.

import { basicCases, headCases, statusCases } from "./basic.ts";
import { chunkedCases, contentLengthCases } from "./bodies.ts";
import { keepAliveCases, pipelineCases } from "./connection.ts";
import { abortCases, halfCloseCases } from "./lifecycle.ts";
import { loadCases } from "./load.ts";
import { fieldCases, limitCases, requestLineCases, smugglingCases } from "./rejections.ts";
import { timeoutCases } from "./timeouts.ts";
import type { Case } from "./types.ts";

export type { Case, CaseContext } from "./types.ts";

export const CASES: readonly Case[] = [
  ...basicCases,
  ...headCases,
  ...statusCases,
  ...keepAliveCases,
  ...pipelineCases,
  ...contentLengthCases,
  ...chunkedCases,
  ...smugglingCases,
  ...requestLineCases,
  ...fieldCases,
  ...limitCases,
  ...timeoutCases,
  ...halfCloseCases,
  ...abortCases,
  ...loadCases,
];

const names = new Set<string>();
for (const c of CASES) {
  if (names.has(c.name)) throw new Error(`duplicate conformance case name: ${c.name}`);
  names.add(c.name);
}

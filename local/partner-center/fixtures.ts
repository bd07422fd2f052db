/** Microsoft's documented examples (fixtures/, PROVENANCE.md there), read as the templates of every answer. */
import { readFileSync } from "node:fs";
import path from "node:path";

import { projectRoot } from "../appLocation.js";

export type Json = Record<string, unknown>;

const FIXTURES = [
  "event-test-created",
  "customer",
  "delegated-admin-relationship",
  "token-response",
  "relationship-request",
  "delegated-admin-relationships",
  "delegated-admin-relationship-request",
  "cart",
  "cart-checkout-result",
  "transfer",
] as const;
export type FixtureName = (typeof FIXTURES)[number];

export function fixture(name: FixtureName): Json {
  // From the checkout, so the compiled local stack (dist/) reads the same files.
  const file = path.join(projectRoot(import.meta.url), "local", "partner-center", "fixtures", `${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Json;
}

export function fixtureNames(): readonly FixtureName[] {
  return FIXTURES;
}

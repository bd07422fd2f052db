import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { RULE_IDS } from "../../../shared/domain/model.js";

const document = readFileSync(new URL("../../../shared/domain/RULES.md", import.meta.url), "utf8");

describe("the rules document the project carries", () => {
  it("defines every rule id the code can name, and no other", () => {
    const defined = [...document.matchAll(/^- \*\*([A-Z]+-\d+)\*\*/gm)].map((match) => match[1]);
    expect([...defined].sort()).toEqual([...RULE_IDS].sort());
  });
});

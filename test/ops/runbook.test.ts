/** The README's runbook has a section for every alert the Bicep defines, each with its four parts. */
import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

describe("the runbook", () => {
  it("covers every alert in infra/modules/alerts.bicep", () => {
    const alerts = [
      ...read("infra/modules/alerts.bicep").matchAll(/name: '(alert-[a-z-]+)-\$\{resourceToken\}'/g),
    ].map((match) => match[1] ?? "");
    expect(alerts.length).toBeGreaterThan(0);
    const runbook = read("README.md").split("### Runbook")[1] ?? "";
    const sections = runbook.split(/^#### /m).slice(1);
    for (const alert of alerts) {
      const section = sections.find((candidate) => candidate.split("\n")[0]?.includes(`\`${alert}-…\``));
      expect(section, `a runbook section for ${alert}`).toBeDefined();
      for (const part of ["What it means.", "What to look at.", "What to run.", "How to tell it is fixed."]) {
        expect(section, `${alert}: ${part}`).toContain(`**${part}**`);
      }
      expect(section, `${alert} names an ops command`).toContain("npm run ops --");
    }
  });
});

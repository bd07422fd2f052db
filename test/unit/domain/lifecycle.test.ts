import { describe, expect, it } from "vitest";

import {
  canTransition,
  isTerminal,
  LifecycleError,
  type LifecycleKind,
  LINE_ITEM_STATUSES,
  MIGRATION_STATUSES,
  RELATIONSHIP_STATUSES,
  terminalStatuses,
  transition,
  TRANSITIONS,
} from "../../../shared/domain/index.js";

/** The lifecycles exactly as shared/domain/RULES.md "Lifecycles" states them. */
const LEGAL: Record<LifecycleKind, [string, string][]> = {
  relationship: [
    ["submitted", "rejected"],
    ["submitted", "pending"],
    ["pending", "active"],
    ["pending", "declined"],
    ["pending", "expired"],
    ["pending", "rejected"],
    ["active", "removed"],
  ],
  migration: [
    ["submitted", "rejected"],
    ["submitted", "awaiting-relationship"],
    ["submitted", "provisioning"],
    ["awaiting-relationship", "provisioning"],
    ["awaiting-relationship", "rejected"],
    ["provisioning", "awaiting-term-end"],
    ["provisioning", "completed"],
    ["awaiting-term-end", "completed"],
    ["provisioning", "partially-completed"],
    ["awaiting-term-end", "partially-completed"],
    ["submitted", "failed"],
    ["awaiting-relationship", "failed"],
    ["provisioning", "failed"],
    ["awaiting-term-end", "failed"],
  ],
  lineItem: [
    ["planned", "provisioned"],
    ["planned", "rejected"],
    ["provisioned", "original-cancelled"],
    ["provisioned", "original-expired"],
  ],
};

const STATUSES: Record<LifecycleKind, readonly string[]> = {
  relationship: RELATIONSHIP_STATUSES,
  migration: MIGRATION_STATUSES,
  lineItem: LINE_ITEM_STATUSES,
};

const TERMINAL: Record<LifecycleKind, string[]> = {
  relationship: ["rejected", "declined", "expired", "removed"],
  migration: ["rejected", "completed", "partially-completed", "failed"],
  lineItem: ["original-cancelled", "original-expired", "rejected"],
};

const KINDS: LifecycleKind[] = ["relationship", "migration", "lineItem"];

// The tables are typed per lifecycle; the tests walk them generically.
const move = (kind: LifecycleKind, from: string, to: string) => transition(kind, from as never, to as never);

describe("lifecycles", () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      it.each(LEGAL[kind])("accepts %s → %s", (from, to) => {
        expect(move(kind, from, to)).toBe(to);
        expect(canTransition(kind, from as never, to as never)).toBe(true);
      });

      const legal = new Set(LEGAL[kind].map(([from, to]) => `${from}>${to}`));
      const illegal = STATUSES[kind].flatMap((from) =>
        STATUSES[kind]
          .filter((to) => !legal.has(`${from}>${to}`))
          .map((to) => [from, to] as [string, string]),
      );

      it.each(illegal)("refuses %s → %s, naming both statuses", (from, to) => {
        expect(() => move(kind, from, to)).toThrow(LifecycleError);
        expect(() => move(kind, from, to)).toThrow(`"${from}" to "${to}"`);
      });

      it("has exactly the terminal statuses of shared/domain/RULES.md", () => {
        expect(terminalStatuses(kind).sort()).toEqual([...TERMINAL[kind]].sort());
        for (const status of STATUSES[kind]) {
          expect(isTerminal(kind, status as never)).toBe(TERMINAL[kind].includes(status));
        }
      });

      it("never moves backwards: the graph has no cycle", () => {
        const table = TRANSITIONS[kind] as Record<string, readonly string[]>;
        const reachable = (from: string, seen = new Set<string>()): Set<string> => {
          for (const next of table[from] ?? []) {
            if (!seen.has(next)) {
              seen.add(next);
              reachable(next, seen);
            }
          }
          return seen;
        };
        for (const status of STATUSES[kind]) expect(reachable(status).has(status)).toBe(false);
      });
    });
  }

  it("refuses a status the lifecycle does not know", () => {
    expect(() => move("migration", "paused", "completed")).toThrow(`"paused" to "(any)"`);
  });

  it("every non-terminal migration status may fail", () => {
    for (const status of MIGRATION_STATUSES) {
      expect(canTransition("migration", status, "failed")).toBe(!isTerminal("migration", status));
    }
  });

  it("the error carries the lifecycle and both statuses", () => {
    try {
      transition("lineItem", "rejected", "planned");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ kind: "lineItem", from: "rejected", to: "planned" });
      expect((error as Error).message).toBe('A line item cannot move from "rejected" to "planned"');
    }
  });
});

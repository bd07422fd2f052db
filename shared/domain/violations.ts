/** Building and reading rule violations. */
import type { RuleId, Violation } from "./model.js";

export function violation(rule: RuleId, message: string): Violation {
  return { rule, message };
}

/** The distinct rule ids of some violations, in first-seen order (for history entries). */
export function rulesOf(violations: readonly Violation[]): RuleId[] {
  return [...new Set(violations.map((found) => found.rule))];
}

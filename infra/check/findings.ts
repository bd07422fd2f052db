/** What a check reports: where (repo-relative file, 1-based line and column) and what is wrong. */
import type { Node } from "web-tree-sitter";

export interface Finding {
  /** The check that found it, e.g. `local-auth`. */
  readonly check: string;
  /** Repo-relative path with forward slashes, e.g. `infra/modules/storage.bicep`. */
  readonly file: string;
  /** 1-based; 0 when the finding is about the project as a whole (something missing everywhere). */
  readonly line: number;
  /** 1-based; 0 with line 0. */
  readonly column: number;
  readonly message: string;
}

export function findingAt(check: string, file: string, node: Node, message: string): Finding {
  return {
    check,
    file,
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    message,
  };
}

export function findingInFile(check: string, file: string, line: number, message: string): Finding {
  return { check, file, line, column: line === 0 ? 0 : 1, message };
}

/** `file:line:col: [check] message`, the shape editors and CI logs link from. */
export function formatFinding(finding: Finding): string {
  const where = finding.line === 0 ? finding.file : `${finding.file}:${finding.line}:${finding.column}`;
  return `${where}: [${finding.check}] ${finding.message}`;
}

/** 1-based line of the first occurrence of `needle` in `text`, or 1 when absent. */
export function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  return index < 0 ? 1 : text.slice(0, index).split("\n").length;
}

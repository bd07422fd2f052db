/**
 * The app's tables, as declared once in infra/tables.json (the Bicep template creates the same ones),
 * and their physical names: TABLES_PREFIX + logical name, so tests and benchmarks can isolate
 * themselves inside one storage account.
 */
import { z } from "zod";

import tablesJson from "../../infra/tables.json" with { type: "json" };

export const TABLE_NAMES = [
  "customers",
  "reference",
  "indexes",
  "idempotency",
  "batches",
  "webhooks",
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

// The code below addresses these tables by name; fail at load if the declaration drifts.
const declared = z.object({ tables: z.array(z.string()) }).parse(tablesJson).tables;
if (declared.length !== TABLE_NAMES.length || TABLE_NAMES.some((name) => !declared.includes(name))) {
  throw new Error(
    `infra/tables.json declares [${declared.join(", ")}]; shared/storage expects [${TABLE_NAMES.join(", ")}]`,
  );
}

/** Table Storage's rule for table names: 3–63 letters and digits, starting with a letter. */
const PHYSICAL_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function physicalTableName(prefix: string, table: TableName): string {
  const name = `${prefix}${table}`;
  if (!PHYSICAL_NAME.test(name)) {
    throw new Error(`Table name "${name}" (prefix "${prefix}") is not a valid Table Storage table name`);
  }
  return name;
}

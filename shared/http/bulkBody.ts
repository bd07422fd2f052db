/**
 * Reading a bulk migration body: JSON (`bulkMigrationBodySchema`, its items checked row by row
 * later) or `text/csv` with a header of BULK_CSV_COLUMNS (RFC 4180, parsed by csv-parse); for CSV
 * the partner, reference and actor come from the query. Either way the rows come out as plain
 * values, so one bad row never hides the others.
 */
import { parse } from "csv-parse/sync";
import { z } from "zod";

import {
  BULK_CSV_COLUMNS,
  BULK_CSV_REQUIRED,
  BULK_LIMITS,
  bulkEnvelopeShape,
  csvRecordToRow,
} from "../domain/bulk.js";
import { errorMessage } from "../errors.js";
import { isJson, parseJson, utf8Text, validate, type BodyRead, type BodyReader } from "./input.js";
import type { FieldError } from "./problem.js";

export type BulkBody =
  | { readonly format: "json"; readonly envelope: BulkEnvelope; readonly rows: readonly unknown[] }
  | { readonly format: "csv"; readonly rows: readonly unknown[] };

const jsonBodySchema = z.strictObject({
  ...bulkEnvelopeShape,
  // Rows are checked one by one afterwards; the bound keeps a hostile body from costing much.
  items: z
    .array(z.unknown())
    .min(1)
    .max(BULK_LIMITS.items * 2),
});
export type BulkEnvelope = Omit<z.output<typeof jsonBodySchema>, "items">;

export const readBulkBody: BodyReader<BulkBody> = (request, raw, errors): BodyRead<BulkBody> => {
  const contentType = request.headers.get("content-type") ?? "";
  if (/^text\/csv\b/i.test(contentType)) {
    const text = utf8Text(raw, errors);
    return { ok: true, value: { format: "csv", rows: text === undefined ? [] : csvRows(text, errors) } };
  }
  if (!isJson(contentType)) return { ok: false, unsupportedMediaType: contentType };
  const json = parseJson(raw, errors);
  const parsed = json === undefined ? undefined : validate(jsonBodySchema, json, errors);
  if (parsed === undefined) return { ok: true, value: { format: "csv", rows: [] } };
  const { items, ...envelope } = parsed as z.output<typeof jsonBodySchema>;
  return { ok: true, value: { format: "json", envelope, rows: items } };
};

/** The data rows as JSON rows; a bad header or unreadable file is a problem of the body. */
function csvRows(text: string, errors: FieldError[]): unknown[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    errors.push({ path: "", message: `The body is not valid CSV: ${errorMessage(error)}` });
    return [];
  }
  const [header, ...data] = records;
  if (header === undefined) {
    errors.push({ path: "", message: "The CSV has no header row" });
    return [];
  }
  const columns = header.map((name) => name.trim());
  const known = new Set<string>(BULK_CSV_COLUMNS);
  for (const column of columns) {
    if (!known.has(column))
      errors.push({
        path: "/header",
        message: `unknown column '${column}'; the columns are ${BULK_CSV_COLUMNS.join(",")}`,
      });
  }
  for (const required of BULK_CSV_REQUIRED) {
    if (!columns.includes(required))
      errors.push({ path: "/header", message: `column '${required}' is required` });
  }
  if (new Set(columns).size !== columns.length)
    errors.push({ path: "/header", message: "a column is named twice" });
  return data.map((cells) =>
    cells.length > columns.length
      ? // More cells than columns: a shifted row, refused by name rather than read wrongly.
        { ...csvRecordToRow(columns, cells), _extraCells: cells.length - columns.length }
      : csvRecordToRow(columns, cells),
  );
}

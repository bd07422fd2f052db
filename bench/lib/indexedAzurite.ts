/**
 * Azurite with partition-indexed queries and key-indexed point operations, for the large benchmarks
 * only. Table Storage seeks a partition for a single-partition query and a key for a point read,
 * insert, upsert or delete; stock Azurite does neither in full:
 * - a query is answered by scanning the whole table (LokiJS `where` over every row), so a
 *   single-partition query costs in proportion to the table. For a filter pinning one PartitionKey
 *   with `eq` as a top-level conjunct (pinnedPartition.ts; e.g. the processor's load,
 *   `PartitionKey eq 'c' and (RowKey gt … or …)`), the preload narrows the scan to that partition
 *   first (LokiJS's binary index on PartitionKey, which Azurite already keeps).
 * - a point operation looks the entity up with `findOne({ PartitionKey, RowKey })`, which LokiJS
 *   answers by taking the whole partition from the PartitionKey index and comparing every row's
 *   RowKey: each write to a partition of n rows costs n comparisons, so filling one partition of
 *   100,000 rows (a partner's customer map) takes over ten minutes, nearly all of it in LokiJS's
 *   `find`/`$eq` (profiled). The preload starts such a look-up from whichever of the two binary
 *   indexes (PartitionKey, RowKey; Azurite keeps both) holds fewer matching rows: a unique RowKey
 *   is then one comparison, and a RowKey shared by every partition ("customer") still starts from
 *   its small partition.
 * - an update re-sorts the entity into both binary indexes (a linear search for its place in each,
 *   then a splice): 1.6 ms an update at 1.1 million rows, measured in LokiJS alone. An entity's keys
 *   never change on update, so its place in the PartitionKey and RowKey indexes cannot move: the
 *   preload skips that re-sort for those two indexes.
 * Results are unchanged: the same filter, order and paging run on the narrowed rows, a look-up
 * finds the one entity with both keys either way, and the key indexes stay in key order.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { startAzurite, type RunningAzurite } from "../../local/azurite.js";
import { pinnedPartition } from "./pinnedPartition.js";

function preload(storeModule: string, lokiModule: string): string {
  return `"use strict";
const Store = require(${JSON.stringify(storeModule)}).default;
const Collection = require(${JSON.stringify(lokiModule)}).Collection;
const findOne = Collection.prototype.findOne;
function matching(collection, property, value) {
  const [first, last] = collection.calculateRange("$eq", property, value);
  return last - first + 1;
}
Collection.prototype.findOne = function (query) {
  const keys = query ? Object.keys(query) : [];
  const pointLookUp =
    keys.length === 2 && typeof query.PartitionKey === "string" && typeof query.RowKey === "string" &&
    this.binaryIndices.PartitionKey !== undefined && this.binaryIndices.RowKey !== undefined;
  if (!pointLookUp || this.data.length === 0) return findOne.call(this, query);
  // LokiJS seeks the first property's index and compares the rest row by row: seek the narrower.
  const rowKeyFirst = matching(this, "RowKey", query.RowKey) < matching(this, "PartitionKey", query.PartitionKey);
  return findOne.call(
    this,
    rowKeyFirst
      ? { RowKey: query.RowKey, PartitionKey: query.PartitionKey }
      : { PartitionKey: query.PartitionKey, RowKey: query.RowKey },
  );
};
const reindex = Collection.prototype.adaptiveBinaryIndexUpdate;
Collection.prototype.adaptiveBinaryIndexUpdate = function (dataPosition, indexName) {
  if (indexName === "PartitionKey" || indexName === "RowKey") return;
  return reindex.call(this, dataPosition, indexName);
};
const scan = Store.prototype.queryTableEntities;
${pinnedPartition.toString()}
Store.prototype.queryTableEntities = function (context, account, table, queryOptions, ...rest) {
  const partition = pinnedPartition(queryOptions && queryOptions.filter);
  if (partition === undefined) return scan.call(this, context, account, table, queryOptions, ...rest);
  const collection = this.getEntityCollection(account, table, context);
  const chain = collection.chain;
  // queryTableEntities calls chain() before its first await: the narrowing applies to this call only.
  collection.chain = function () { return chain.call(this).find({ PartitionKey: partition }); };
  try {
    return scan.call(this, context, account, table, queryOptions, ...rest);
  } finally {
    collection.chain = chain;
  }
};
`;
}

export async function startIndexedAzurite(): Promise<RunningAzurite> {
  const require = createRequire(import.meta.url);
  const storeModule = require.resolve("azurite/dist/src/table/persistence/LokiTableMetadataStore.js");
  // The LokiJS that Azurite's store loads, not one this repository might resolve to.
  const lokiModule = createRequire(storeModule).resolve("lokijs");
  const folder = await mkdtemp(path.join(tmpdir(), "bench-indexed-azurite-"));
  const file = path.join(folder, "partition-index.cjs");
  await writeFile(file, preload(storeModule, lokiModule));
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ""} --require ${file} --max-old-space-size=16384`.trim();
  try {
    const azurite = await startAzurite({ mode: "child-process", silent: true });
    return {
      ...azurite,
      close: async () => {
        await azurite.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

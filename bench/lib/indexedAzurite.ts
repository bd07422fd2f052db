/**
 * Azurite with partition-indexed queries, for the large sweep only. Stock Azurite answers every
 * query by scanning the whole table (LokiJS `where` over every row), so a single-partition query
 * costs in proportion to the table — unlike Table Storage, where it is a partition seek. This starts
 * Azurite's Table service as a child process with a small preload that, for a filter pinning one
 * PartitionKey with `eq` and no `or`/`not`, narrows the scan to that partition first (LokiJS's
 * binary index on PartitionKey, which Azurite already keeps); every other query is left as it is,
 * and results are unchanged (the same filter, order and paging run on the narrowed rows).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { startAzurite, type RunningAzurite } from "../../local/azurite.js";

function preload(storeModule: string): string {
  return `"use strict";
const Store = require(${JSON.stringify(storeModule)}).default;
const scan = Store.prototype.queryTableEntities;
function pinnedPartition(filter) {
  if (typeof filter !== "string" || /\\b(or|not)\\b/i.test(filter)) return undefined;
  const found = [...filter.matchAll(/PartitionKey\\s+eq\\s+'((?:[^']|'')*)'/g)];
  return found.length === 1 ? found[0][1].replace(/''/g, "'") : undefined;
}
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
  const folder = await mkdtemp(path.join(tmpdir(), "bench-indexed-azurite-"));
  const file = path.join(folder, "partition-index.cjs");
  await writeFile(file, preload(storeModule));
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

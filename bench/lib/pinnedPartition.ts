/**
 * The partition an OData filter pins, if any: a `PartitionKey eq '…'` that is a top-level conjunct
 * (an `and` outside every parenthesis and string, with no top-level `or`), so every row the filter
 * can match is in that partition, whatever the other conjuncts say (`or`, `not` inside parentheses
 * included). Table Storage seeks such a partition; the partition-indexed Azurite does the same.
 *
 * Self-contained (no imports, no outer names): indexedAzurite.ts embeds its source in the preload.
 */
export function pinnedPartition(filter: unknown): string | undefined {
  if (typeof filter !== "string") return undefined;
  const conjuncts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i += 1) {
    const c = filter[i];
    if (quoted) {
      if (c === "'") {
        if (filter[i + 1] === "'") i += 1;
        else quoted = false;
      }
    } else if (c === "'") quoted = true;
    else if (c === "(") depth += 1;
    else if (c === ")") depth -= 1;
    else if (depth === 0 && /\s/.test(c ?? "")) {
      const word = /^(and|or)(?=[\s(])/i.exec(filter.slice(i + 1));
      if (word !== null) {
        if (word[1]?.toLowerCase() === "or") return undefined;
        conjuncts.push(filter.slice(start, i));
        i += word[0].length;
        start = i + 1;
      }
    }
  }
  if (quoted || depth !== 0) return undefined;
  conjuncts.push(filter.slice(start));
  const pins = conjuncts
    .map((part) => /^\s*PartitionKey\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(part))
    .filter((found) => found !== null);
  const [pin] = pins;
  return pins.length === 1 && pin !== undefined ? (pin[1] ?? "").replace(/''/g, "'") : undefined;
}

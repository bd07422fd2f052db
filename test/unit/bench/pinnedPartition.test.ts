import { describe, expect, it } from "vitest";

import { pinnedPartition } from "../../../bench/lib/pinnedPartition.js";

describe("pinnedPartition (the partition-indexed Azurite's narrowing)", () => {
  it("pins the partition of a top-level PartitionKey conjunct, whatever the others hold", () => {
    expect(pinnedPartition("PartitionKey eq 'a'")).toBe("a");
    expect(pinnedPartition("PartitionKey eq 'a' and RowKey eq 'x'")).toBe("a");
    // The processor's load: the partition, then row ranges joined by `or` inside parentheses.
    expect(
      pinnedPartition("PartitionKey eq 'a' and (RowKey gt 'x' or (RowKey ge 'o' and RowKey lt 'p'))"),
    ).toBe("a");
    expect(pinnedPartition("RowKey eq 'and or' and PartitionKey eq 'it''s'")).toBe("it's");
  });

  it("pins nothing when a row outside the partition could match", () => {
    expect(pinnedPartition("PartitionKey eq 'a' or RowKey eq 'b'")).toBeUndefined();
    expect(pinnedPartition("PartitionKey eq 'a' and X or(Y)")).toBeUndefined();
    expect(pinnedPartition("(PartitionKey eq 'a' and RowKey eq 'b') or PartitionKey eq 'c'")).toBeUndefined();
    expect(pinnedPartition("not PartitionKey eq 'a'")).toBeUndefined();
    expect(pinnedPartition("PartitionKey eq 'a' and PartitionKey eq 'b'")).toBeUndefined();
    expect(pinnedPartition("PartitionKey ge 'a'")).toBeUndefined();
    expect(pinnedPartition(undefined)).toBeUndefined();
  });
});

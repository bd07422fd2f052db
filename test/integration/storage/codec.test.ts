/** The pure parts under the repositories: property encoding, limits and key layout. */
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { CorruptEntityError, EntityLimitError } from "../../../shared/storage/errors.js";
import { decodeEntity, decodeFields, encodeFields } from "../../../shared/storage/entityCodec.js";
import { migrationDueAt } from "../../../shared/storage/indexPlan.js";
import {
  historyRowKey,
  prefixRange,
  STATE_ROWS_AFTER,
  stateRowKey,
  utcDay,
} from "../../../shared/storage/keys.js";
import { checkEntityLimits, JSON_CHUNK_CHARS } from "../../../shared/storage/limits.js";
import { aLineItem, aMigration } from "./fixtures.js";

const address = { table: "t", partitionKey: "p", rowKey: "r" };

describe("entity encoding", () => {
  it("keeps scalars as they are and puts everything else in JSON properties", () => {
    const value = {
      name: "n",
      count: 3,
      ratio: 0.5,
      big: 2 ** 40,
      flag: false,
      missing: undefined,
      nothing: null,
      list: [1],
      obj: { a: "b" },
    };
    const encoded = encodeFields(value);
    expect(encoded).toEqual({
      name: "n",
      count: 3,
      ratio_json: "0.5",
      big_json: String(2 ** 40),
      flag: false,
      nothing_json: "null",
      list_json: "[1]",
      obj_json: '{"a":"b"}',
    });
    const { missing: _, ...defined } = value;
    expect(
      decodeFields(address, {
        ...encoded,
        partitionKey: "p",
        rowKey: "r",
        etag: "e",
        timestamp: "t",
        _rev: 1,
      }),
    ).toEqual(defined);
  });

  it("cuts long JSON into parts and joins them back", () => {
    const value = {
      text: "é".repeat(JSON_CHUNK_CHARS * 2 + 5),
      list: Array.from({ length: 5000 }, (_, i) => `item-${i}`),
    };
    const encoded = encodeFields(value);
    expect(Object.keys(encoded).filter((name) => name.startsWith("list_json_")).length).toBeGreaterThan(1);
    expect(Object.keys(encoded).filter((name) => name.startsWith("text_json_"))).toHaveLength(3);
    expect(
      Object.values(encoded).every((part) => typeof part !== "string" || part.length <= JSON_CHUNK_CHARS),
    ).toBe(true);
    expect(decodeFields(address, encoded)).toEqual(value);
  });

  it("refuses field names it could not read back", () => {
    expect(() => encodeFields({ items_json: [] })).toThrow(/letters and digits/);
  });

  it("reports a gap in JSON parts and any schema problem as corruption", () => {
    expect(() => decodeFields(address, { list_json_0: "[1,", list_json_2: "2]" })).toThrow(
      CorruptEntityError,
    );
    expect(() => decodeEntity(z.object({ n: z.number() }), address, { n: "one" })).toThrow(
      /table "t", partition "p", row "r"/,
    );
  });
});

describe("limits", () => {
  it("refuses more than 252 properties, an over-long string and over 1 MiB", () => {
    const many = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i]));
    expect(() => {
      checkEntityLimits(address, many);
    }).toThrow(EntityLimitError);
    expect(() => {
      checkEntityLimits(address, { s: "x".repeat(32_769) });
    }).toThrow(/32768/);
    const heavy = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, "x".repeat(32_000)]));
    expect(() => {
      checkEntityLimits(address, heavy);
    }).toThrow(/bytes/);
    expect(() => {
      checkEntityLimits({ ...address, rowKey: "a/b" }, {});
    }).toThrow(/refuses/);
  });
});

describe("key layout", () => {
  it("sorts every state row after the history block, so one range loads state without history", () => {
    const history = historyRowKey("migration", "zzz", 9_999_999_999, 999);
    expect(history < STATE_ROWS_AFTER).toBe(true);
    for (const key of [
      stateRowKey("customer", "c"),
      stateRowKey("migration", "a"),
      stateRowKey("subscription", "0"),
      "version",
    ]) {
      expect(key > STATE_ROWS_AFTER).toBe(true);
    }
  });

  it("orders an entity's history by revision, then by sequence", () => {
    const keys = [
      historyRowKey("relationship", "r", 10, 0),
      historyRowKey("relationship", "r", 2, 1),
      historyRowKey("relationship", "r", 2, 0),
    ];
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
    const range = prefixRange("hist|rel|r|");
    expect(keys.every((key) => key >= range.ge && key < range.lt)).toBe(true);
    // Another entity whose id merely starts the same is outside the range.
    const neighbour = historyRowKey("relationship", "r2", 1, 0);
    expect(neighbour >= range.ge && neighbour < range.lt).toBe(false);
  });

  it("refuses ids that could break a key", () => {
    expect(() => stateRowKey("migration", "a|b")).toThrow(/not a valid id/);
    expect(() => stateRowKey("migration", "a/b")).toThrow(/not a valid id/);
  });

  it("names days in UTC", () => {
    expect(utcDay("2025-06-01T23:30:00-02:00")).toBe("2025-06-02");
    expect(utcDay("2025-06-01T00:00:00Z")).toBe("2025-06-01");
  });
});

describe("when a migration is next due", () => {
  it("is the earliest pending cancelAt or provisionAt, only while the sweep moves the migration", () => {
    const items = [
      aLineItem("a", { status: "original-expired", cancelAt: "2025-01-01T00:00:00Z" }),
      aLineItem("b", { status: "provisioned", cancelAt: "2025-06-01T00:00:00Z" }),
      aLineItem("c", {
        status: "planned",
        cancelAt: "2025-09-01T00:00:00Z",
        provisionAt: "2025-05-01T00:00:00Z",
      }),
      aLineItem("d", { status: "rejected", cancelAt: null }),
    ];
    expect(migrationDueAt(aMigration("c", "m", { status: "awaiting-term-end", items }))).toBe(
      "2025-05-01T00:00:00.000Z",
    );
    expect(
      migrationDueAt(aMigration("c", "m", { status: "awaiting-term-end", items: items.slice(0, 2) })),
    ).toBe("2025-06-01T00:00:00.000Z");
    expect(migrationDueAt(aMigration("c", "m", { status: "awaiting-relationship", items }))).toBeUndefined();
    expect(migrationDueAt(aMigration("c", "m", { status: "completed", items }))).toBeUndefined();
  });
});

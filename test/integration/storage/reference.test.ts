import { describe, expect, it } from "vitest";

import {
  getOffer,
  getOffers,
  getPartner,
  putOffer,
  putPartner,
  RoundTripCounter,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { anOffer, aPartner } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

describe("reference data", () => {
  it("stores a partner, tells created from replaced, and reads it back", async () => {
    const id = uniqueId("partner");
    expect(
      await putPartner(store, aPartner(id, { kind: "indirect-reseller", indirectProviderId: "prov-1" })),
    ).toBe("created");
    expect(await getPartner(store, id)).toEqual(
      aPartner(id, { kind: "indirect-reseller", indirectProviderId: "prov-1" }),
    );

    expect(await putPartner(store, aPartner(id, { name: "Renamed", region: "US" }))).toBe("replaced");
    // Replaced whole: the optional field of the first version is gone.
    expect(await getPartner(store, id)).toEqual(aPartner(id, { name: "Renamed", region: "US" }));
  });

  it("answers undefined for a partner or offer that does not exist", async () => {
    expect(await getPartner(store, uniqueId("nobody"))).toBeUndefined();
    expect(await getOffer(store, uniqueId("nothing"))).toBeUndefined();
  });

  it("refuses an invalid record before writing anything", async () => {
    const id = uniqueId("partner");
    await expect(putPartner(store, { ...aPartner(id), region: "eu" })).rejects.toThrow(/region/);
    expect(await getPartner(store, id)).toBeUndefined();
  });

  it("stores offers with their equivalents and reads one back with a point read", async () => {
    const id = uniqueId("offer");
    const offer = anOffer(id, { discontinued: true, equivalentOfferIds: ["o365-e3-v2", "m365-e3"] });
    await putOffer(store, offer);
    counter.reset();
    expect(await getOffer(store, id)).toEqual(offer);
    expect(counter.snapshot().byKind["point-read"]).toBe(1);
  });

  it("reads many offers with one query per 14 ids and skips the missing ones", async () => {
    const ids = Array.from({ length: 20 }, (_, index) => uniqueId(`bulk${index}`));
    await Promise.all(ids.map((id) => putOffer(store, anOffer(id))));
    const missing = uniqueId("missing");

    counter.reset();
    const offers = await getOffers(store, [...ids, missing, ids[0]!]);
    expect(counter.snapshot().byKind.query).toBe(2);
    expect([...offers.keys()].sort()).toEqual([...ids].sort());
    expect(offers.get(ids[3]!)).toEqual(anOffer(ids[3]!));
    expect(offers.has(missing)).toBe(false);

    counter.reset();
    expect((await getOffers(store, [])).size).toBe(0);
    expect(counter.total).toBe(0);
  });
});

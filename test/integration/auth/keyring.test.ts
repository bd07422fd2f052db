/** Revocation across instances: each instance's keyring caches a key for at most KEY_CACHE_SECONDS. */
import { describe, expect, it } from "vitest";

import { derivePartnerSecret, partnerKeyIdFor } from "../../../shared/auth/partnerKeys.js";
import { KEY_CACHE_SECONDS, Keyring } from "../../../shared/auth/keyring.js";
import { insertPartnerKey, revokePartnerKey } from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";

const master = { id: "v1", secret: "a-master-key-of-at-least-32-characters-0" };
const config = {
  OPERATOR_KEYS: [{ id: "ops", secret: "an-operator-secret-of-32-characters-00" }],
  PARTNER_KEY_MASTER: [master],
};

describe("the keyring", () => {
  it("refuses a revoked key at once where it was revoked, and within the cache time elsewhere", async () => {
    const store = testTableStore(import.meta.url);
    const partnerId = uniqueId("p");
    const keyId = partnerKeyIdFor("ops", partnerId, uniqueId("k"));
    await insertPartnerKey(store, {
      keyId,
      partnerId,
      masterVersion: "v1",
      createdAt: "2026-12-01T00:00:00.000Z",
      createdBy: "ops",
    });
    let now = Date.parse("2026-12-02T00:00:00Z");
    const clock = () => now;
    const here = new Keyring(config, store, clock);
    const elsewhere = new Keyring(config, store, clock);
    const expected = {
      kind: "partner",
      keyId,
      partnerId,
      secret: derivePartnerSecret(master, partnerId, keyId),
    };
    expect(await here.find(keyId)).toEqual(expected);
    expect(await elsewhere.find(keyId)).toEqual(expected);

    await revokePartnerKey(store, keyId, "2026-12-02T00:00:00.000Z");
    here.forget(keyId);
    expect(await here.find(keyId)).toBeUndefined();
    now += (KEY_CACHE_SECONDS - 1) * 1000;
    expect(await elsewhere.find(keyId)).toEqual(expected);
    now += 2000;
    expect(await elsewhere.find(keyId)).toBeUndefined();
  });

  it("finds operator keys in the settings and refuses a key whose master version is gone", async () => {
    const store = testTableStore(import.meta.url);
    const partnerId = uniqueId("p");
    const keyId = partnerKeyIdFor("ops", partnerId, "old");
    await insertPartnerKey(store, {
      keyId,
      partnerId,
      masterVersion: "v0",
      createdAt: "2026-12-01T00:00:00.000Z",
      createdBy: "ops",
    });
    const keyring = new Keyring(config, store);
    expect(await keyring.find("ops")).toEqual({
      kind: "operator",
      keyId: "ops",
      secret: config.OPERATOR_KEYS[0]?.secret,
    });
    expect(await keyring.find(keyId)).toBeUndefined();
    expect(await keyring.find("pk_unknown")).toBeUndefined();
  });
});

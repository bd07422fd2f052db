import { afterEach, describe, expect, it } from "vitest";

import { loadConfig, resetConfigForTests } from "../../../shared/config.js";
import { connectionFromConfig } from "../../../shared/storage/connection.js";
import {
  getPartner,
  getTableStore,
  putPartner,
  resetTableStoreForTests,
} from "../../../shared/storage/index.js";
import { callerSettings } from "../../setup/callers.js";
import { tableSettingsFor, uniqueId } from "../../setup/tables.js";
import { aPartner } from "./fixtures.js";

const otherSettings = {
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;",
  ...callerSettings(),
};
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  resetConfigForTests();
  resetTableStoreForTests();
});

describe("the process's store", () => {
  it("is built once from the settings (TABLES_CONNECTION, TABLES_PREFIX)", async () => {
    Object.assign(process.env, otherSettings, tableSettingsFor(import.meta.url));
    resetConfigForTests();
    resetTableStoreForTests();
    const store = getTableStore();
    expect(getTableStore()).toBe(store);
    expect(store.physicalName("customers")).toBe(
      `${tableSettingsFor(import.meta.url).TABLES_PREFIX}customers`,
    );

    const id = uniqueId("partner");
    await putPartner(store, aPartner(id));
    expect(await getPartner(store, id)).toEqual(aPartner(id));
  });

  it("reaches Azure through the managed identity when only an endpoint is set", () => {
    const config = loadConfig({
      ...otherSettings,
      TABLES_ENDPOINT: "https://account.table.core.windows.net",
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000001",
    });
    expect(connectionFromConfig(config)).toEqual({
      kind: "endpoint",
      endpoint: "https://account.table.core.windows.net",
      clientId: "00000000-0000-0000-0000-000000000001",
    });
  });
});

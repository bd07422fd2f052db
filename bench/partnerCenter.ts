/**
 * Partner Center calls per migration, counted, not estimated: N customers onboarded end to end in
 * `live` mode against the local Partner Center (local/partner-center/), each as a partner would —
 * a relationship request with delegated admin (the invitation: link, GDAP created and locked), the
 * customer accepting there (its signed event, confirmed by a read), then a migration of one licence
 * subscription (cart and checkout). The calls are read from the local Partner Center's own request
 * log, by kind. Small by default (--n, 40): it counts calls; throughput is the pipeline benchmark's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { partnerCenterSettings } from "../local/stackSettings.js";
import {
  acceptInPartnerCenter,
  linkLocalPartner,
  partnerCenterRequests,
  startLocalPartnerCenter,
} from "../local/partner-center/index.js";
import type { RecordedRequest } from "../local/partner-center/server.js";
import type { RelationshipRequestBody } from "../shared/domain/requests.js";
import { mapWithConcurrency } from "../shared/pipeline/concurrency.js";
import { loadCustomerState, put, putOffer, putPartner, type TableStore } from "../shared/storage/index.js";
import { figure, round, since, type Figure } from "./lib/figures.js";
import { migrationBody, postSigned, seedBenchPartnerKey, type Posted } from "./lib/http.js";
import { startBenchServices } from "./lib/services.js";
import {
  aCustomer,
  aLicenseSubscription,
  commitSeed,
  customerId,
  OFFER_ID,
  PARTNER,
  PARTNER_ID,
} from "./lib/world.js";

export interface PartnerCenterBenchOptions {
  readonly migrations: number;
  readonly concurrency?: number;
}

const PREFIX = "benchpc";
const DAY_MS = 86_400_000;
const CATALOG_ITEM_ID = "BENCH0M365E3:0001:BENCH0SKU01";
const STEP_TIMEOUT_MS = 300_000;

/** What one request of the service's to Partner Center (or Graph, or the token endpoint) was for. */
export function callKind(request: Pick<RecordedRequest, "method" | "path">): string {
  const pathname = request.path.split("?")[0] ?? "";
  const route = `${request.method} ${pathname}`;
  const kinds: [RegExp, string][] = [
    [/^POST \/[^/]+\/oauth2\/v2\.0\/token$/, "token"],
    [/^GET \/v1\/customers\/relationshiprequests$/, "relationship link"],
    [/^POST \/v1\/customers\/[^/]+\/carts$/, "cart"],
    [/^POST \/v1\/customers\/[^/]+\/carts\/[^/]+\/checkout$/, "checkout"],
    [/^GET \/v1\/customers\/[^/]+$/, "customer read"],
    [/^GET \/v1\.0\/tenantRelationships\/delegatedAdminRelationships$/, "GDAP lookup"],
    [/^POST \/v1\.0\/tenantRelationships\/delegatedAdminRelationships$/, "GDAP create"],
    [/^POST \/v1\.0\/tenantRelationships\/delegatedAdminRelationships\/[^/]+\/requests$/, "GDAP lock"],
    [/^GET \/v1\.0\/tenantRelationships\/delegatedAdminRelationships\/[^/]+$/, "GDAP read"],
    [/^GET \/certificates\/[^/]+$/, "signing certificate"],
  ];
  return kinds.find(([pattern]) => pattern.test(route))?.[1] ?? route;
}

/** `kind count/n` for each kind of call, most frequent first. */
export function callsByKind(
  requests: readonly Pick<RecordedRequest, "method" | "path">[],
  n: number,
): string {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const kind = callKind(request);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${round(count / n, 3)}`)
    .join(", ");
}

export async function partnerCenterBench(options: PartnerCenterBenchOptions): Promise<Figure[]> {
  const n = options.migrations;
  const concurrency = options.concurrency ?? 8;
  const services = await startBenchServices();
  const partnerCenter = await startLocalPartnerCenter();
  const secretsDir = await mkdtemp(path.join(tmpdir(), "bench-pc-"));
  const secretsFile = path.join(secretsDir, "partner-center-secrets.json");
  const store = services.store(PREFIX);
  const now = new Date();
  const customers = Array.from({ length: n }, (_, index) => customerId(index));
  try {
    await seedBenchPartnerKey(store);
    await putOffer(store, {
      id: OFFER_ID,
      name: "Office 365 E3",
      kind: "license",
      discontinued: false,
      equivalentOfferIds: [],
      partnerCenter: { catalogItemId: CATALOG_ITEM_ID, termDuration: "P1Y", billingCycle: "annual" },
    });
    // Customers and their licence subscriptions only: the relationships are asked for in the run.
    await mapWithConcurrency(customers, 16, (id) =>
      commitSeed(store, id, [
        put.customer(aCustomer(id)),
        put.subscription(aLicenseSubscription(id, "sub-1", new Date(now.getTime() + 120 * DAY_MS))),
      ]),
    );

    const { startLocalStack } = await import("../local/stack.js");
    const stack = await startLocalStack({
      port: 0,
      env: {
        ...services.appSettings(PREFIX),
        ...partnerCenterSettings({ ...partnerCenter, secretsFile }),
      },
      localSettingsPath: false,
      log: (entry) => {
        if (entry.kind === "host" && (entry.level === "error" || entry.level === "critical"))
          process.stderr.write(`host: ${entry.message}\n`);
      },
    });
    try {
      const { link, tenantId } = await linkLocalPartner({
        partnerCenterUrl: partnerCenter.url,
        secretsFile,
        partnerId: PARTNER_ID,
        webhookUrl: new URL(`partner-center/events/${PARTNER_ID}`, stack.baseUrl).href,
      });
      await putPartner(store, { ...PARTNER, partnerCenter: link });
      const post = (route: string, body: (id: string) => unknown) =>
        mapWithConcurrency(customers, concurrency, (id) =>
          postSigned(new URL(route, stack.baseUrl).href, body(id), `${route}-${id}`),
        );

      const start = performance.now();
      const asked = await post("relationship-requests", (id) => relationshipBody(id));
      await waitForAll(store, customers, "the invitations to be recorded", (state) =>
        [...state.relationships.values()].some((entry) => entry.value.invitation !== undefined),
      );
      const invited = partnerCenter.requests().length;
      await mapWithConcurrency(customers, concurrency, async (id) => {
        const delivery = await acceptInPartnerCenter(partnerCenter.url, id, tenantId);
        if (delivery.status !== 202)
          throw new Error(`the acceptance of ${id} was answered ${delivery.status}`);
      });
      await waitForAll(store, customers, "the relationships to be active", (state) =>
        [...state.relationships.values()].some((entry) => entry.value.status === "active"),
      );
      const accepted = partnerCenter.requests().length;
      const migrated = await post("migrations", (id) => migrationBody(PARTNER_ID, id, "sub-1"));
      await waitForAll(store, customers, "the licence items to be ordered", (state) =>
        [...state.migrations.values()].some(
          (entry) =>
            entry.value.items.length > 0 &&
            entry.value.items.every(
              (item) => item.execution === "ordered" || item.execution === "order-failed",
            ),
        ),
      );
      const seconds = since(start) / 1000;
      // The log as the local Partner Center serves it to anyone (GET /_control/requests).
      const requests = await partnerCenterRequests(partnerCenter.url);
      const refused = [...asked, ...migrated].filter((answer: Posted) => answer.status !== 202);
      const failed = requests.filter((request) => request.status >= 400);
      const orders = partnerCenter.orders();
      return [
        figure(
          "partner center path",
          "per customer: signed POST relationship-requests (delegated admin) → invitation in the local Partner Center → the customer accepts there (signed event, confirmed) → signed POST migrations → cart and checkout; live mode, calls counted from the local Partner Center's request log",
        ),
        figure("partner center migrations", n),
        figure("partner center refused posts", refused.length),
        figure("partner center orders placed", orders.length),
        figure("partner center seconds", round(seconds)),
        figure("partner center calls per migration", round(requests.length / n, 3)),
        figure("partner center calls per migration by kind", callsByKind(requests, n)),
        figure("partner center calls per migration: invitation", round(invited / n, 3)),
        figure("partner center calls per migration: acceptance", round((accepted - invited) / n, 3)),
        figure("partner center calls per migration: order", round((requests.length - accepted) / n, 3)),
        figure("partner center calls answered 4xx/5xx", failed.length),
        ...(refused.length === 0
          ? []
          : [
              figure(
                "partner center first refusal",
                `${refused[0]?.status ?? "?"} ${refused[0]?.error ?? ""}`,
              ),
            ]),
      ];
    } finally {
      await stack.close();
    }
  } finally {
    await partnerCenter.close();
    await services.close();
    await rm(secretsDir, { recursive: true, force: true });
  }
}

function relationshipBody(customer: string): RelationshipRequestBody {
  return {
    partnerId: PARTNER_ID,
    customerId: customer,
    actor: { userId: "alice@partner.example", role: "sales-agent" },
    delegatedAdmin: true,
  };
}

/** Polls each customer's partition until `done` holds for every one; throws after STEP_TIMEOUT_MS. */
async function waitForAll(
  store: TableStore,
  customers: readonly string[],
  label: string,
  done: (state: Awaited<ReturnType<typeof loadCustomerState>>) => boolean,
): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let waiting = [...customers];
  for (;;) {
    const states = await mapWithConcurrency(waiting, 16, (id) => loadCustomerState(store, id));
    waiting = waiting.filter((_, index) => {
      const state = states[index];
      return state === undefined || !done(state);
    });
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${waiting.length} of ${customers.length} customers still waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The demo's story (moving license-based customers into CSP, by the rules of
 * shared/domain/RULES.md): a partner brings a customer who bought Office 365 licenses and Azure
 * through an Enterprise Agreement into CSP. Every request is made as its caller must make it: the
 * operator and the partner sign with their own keys (Idempotency-Key on POSTs), and the customer's
 * Global Administrator answers with a token of the customer's tenant (TEN-3). The originals' terms
 * end a few seconds into the run, so the sweep that retires them is a real one run at the real time
 * (OPS-1: nothing is retired early); a dry run shows beforehand what it will do.
 */
import { randomBytes } from "node:crypto";

import type { EventEnvelope } from "../shared/events/catalogue.js";
import { webhookCreatedSchema } from "../shared/http/webhookViews.js";
import type { z } from "zod";

import {
  customerSchema,
  offerSchema,
  partnerSchema,
  subscriptionSchema,
  type Subscription,
} from "../shared/domain/model.js";
import type {
  MigrationRequestBody,
  PutCustomerBody,
  PutOfferBody,
  PutPartnerBody,
  PutSubscriptionBody,
  RelationshipRequestBody,
} from "../shared/domain/requests.js";
import { problemSchema } from "../shared/http/problem.js";
import {
  acceptedSchema,
  partnerKeyIssuedSchema,
  migrationViewSchema,
  relationshipViewSchema,
  sweepReportSchema,
  type MigrationView,
  type RelationshipView,
  type SweepReport,
} from "../shared/http/views.js";
import { historyTable, lineItemsTable, ordersTable } from "./demoFormat.js";
import { startEventReceiver, type EventReceiver } from "./eventReceiver.js";
import { acceptInPartnerCenter, partnerCenterOrders } from "./partner-center/controls.js";
import { linkLocalPartner } from "./partner-center/link.js";
import type { LocalPartnerCenterState } from "./partner-center/index.js";
import type { PlacedOrder } from "./partner-center/server.js";
import { pollUntil } from "./poll.js";
import { createPortalClient, expectBody, type PortalClient } from "./portalClient.js";

export interface DemoOptions {
  /** `http://localhost:7071/api/` */
  readonly baseUrl: string;
  /** An operator key the service holds (OPERATOR_KEYS). */
  readonly operatorKey: { readonly keyId: string; readonly secret: string };
  /** A token of the customer's tenant, held by a Global Administrator (the development identity provider's). */
  readonly customerToken: (customerId: string) => Promise<string>;
  /**
   * The local Partner Center the service's `live` mode points at: the partner is connected to it and
   * the customer accepts there (Partner Center's signed event), instead of with the customer's token.
   */
  readonly partnerCenter?: LocalPartnerCenterState | undefined;
  readonly out?: (line: string) => void;
  /** Per asynchronous step. Default 30 s. */
  readonly stepTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** Makes the customer's id unique, so the story can run again against the same storage. */
  readonly runId?: string;
  readonly now?: () => Date;
}

export interface DemoResult {
  readonly customerId: string;
  readonly relationship: RelationshipView;
  readonly migration: MigrationView;
  readonly sweep: SweepReport;
  /** The partner key the operator issued for the story. */
  readonly partnerKeyId: string;
  /** The originals and the partner's new subscriptions as stored at the end. */
  readonly subscriptions: readonly Subscription[];
  readonly completed: boolean;
  /** What the partner portal's webhook receiver got, every signature verified. */
  readonly events: readonly EventEnvelope[];
  /** The orders the local Partner Center received for the customer (none without one). */
  readonly partnerCenterOrders: readonly PlacedOrder[];
}

const DAY_MS = 86_400_000;
/** How far into the run the originals' terms end. */
const TERM_END_SECONDS = 12;
const PARTNER_ID = "contoso-csp";
const OFFERS = {
  office365E3: "o365-e3",
  microsoft365E3: "m365-e3",
  azurePlan: "azure-plan",
} as const;
const SUBSCRIPTIONS = { office: "ea-o365-e3", azure: "ea-azure" } as const;

const RELATIONSHIP_WAITING = new Set(["submitted"]);
const MIGRATION_WAITING = new Set(["submitted", "provisioning"]);

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const receiver = await startEventReceiver(out);
  try {
    return await runStory(options, out, receiver);
  } finally {
    await receiver.close();
  }
}

async function runStory(
  options: DemoOptions,
  out: (line: string) => void,
  receiver: EventReceiver,
): Promise<DemoResult> {
  const operator = createPortalClient({ baseUrl: options.baseUrl, credentials: options.operatorKey });
  const clock = options.now ?? (() => new Date());
  const now = clock();
  const runId = options.runId ?? randomBytes(3).toString("hex");
  const customerId = `northwind-${runId}`;
  const wait = { timeoutMs: options.stepTimeoutMs ?? 30_000, intervalMs: options.pollIntervalMs ?? 200, out };
  const show = (method: string, path: string, status: number, detail: string): void => {
    out(`   ${method} ${path} → ${status}${detail === "" ? "" : `  ${detail}`}`);
  };

  // A year-long EA term that ends a few seconds from now (Azure's a little sooner), so the story
  // reaches its term end for real instead of sweeping in the future.
  const second = Math.ceil(now.getTime() / 1000) * 1000;
  const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
  const termStart = iso(second - 365 * DAY_MS);
  const officeTermEnd = iso(second + TERM_END_SECONDS * 1000);
  const azureTermEnd = iso(second + (TERM_END_SECONDS - 4) * 1000);

  out(`CSP onboarding demo against ${options.baseUrl} (customer ${customerId})`);
  out("");
  out("1. The operator's reference data: the partner and the offer catalogue (TEN-4)");
  const partnerCenter = options.partnerCenter;
  const connected =
    partnerCenter === undefined
      ? undefined
      : await linkLocalPartner({
          partnerCenterUrl: partnerCenter.url,
          secretsFile: partnerCenter.secretsFile,
          partnerId: PARTNER_ID,
          webhookUrl: new URL(`partner-center/events/${PARTNER_ID}`, options.baseUrl).href,
        });
  const partner: PutPartnerBody = {
    name: "Contoso CSP",
    region: "US",
    cloud: "public",
    kind: "direct",
    ...(connected === undefined ? {} : { partnerCenter: connected.link }),
  };
  await put(
    operator,
    `partners/${PARTNER_ID}`,
    partner,
    partnerSchema,
    show,
    `${partner.name} (US, public, direct${connected === undefined ? "" : `, Partner Center tenant ${connected.tenantId}`})`,
  );
  const offers: [string, PutOfferBody][] = [
    [
      OFFERS.office365E3,
      {
        name: "Office 365 E3",
        kind: "license",
        discontinued: true,
        equivalentOfferIds: [OFFERS.microsoft365E3],
      },
    ],
    [
      OFFERS.microsoft365E3,
      {
        name: "Microsoft 365 E3",
        kind: "license",
        discontinued: false,
        equivalentOfferIds: [],
        // What live mode buys it as in Partner Center (the local one sells any catalog item id).
        partnerCenter: {
          catalogItemId: "DEMO0M365E3:0001:DEMO0SKU001",
          termDuration: "P1Y",
          billingCycle: "annual",
        },
      },
    ],
    [
      OFFERS.azurePlan,
      {
        name: "Azure plan",
        kind: "usage",
        discontinued: false,
        equivalentOfferIds: [],
        // Live mode buys one Azure plan of it (MC-5): billed one-time, no term of its own.
        partnerCenter: {
          catalogItemId: "DEMO0AZURE:0001:DEMO0PLAN01",
          termDuration: "P1M",
          billingCycle: "monthly",
        },
      },
    ],
  ];
  for (const [id, offer] of offers) {
    const note = offer.discontinued
      ? `discontinued, equivalent ${offer.equivalentOfferIds.join(", ")}`
      : offer.kind;
    await put(operator, `offers/${id}`, offer, offerSchema, show, `${offer.name} (${note})`);
  }
  const keyPath = `admin/partners/${PARTNER_ID}/keys`;
  const keyResponse = await operator.post(keyPath);
  const partnerKey = expectBody(keyResponse, [201], partnerKeyIssuedSchema);
  show(
    "POST",
    keyPath,
    201,
    `key ${partnerKey.keyId} for ${PARTNER_ID}'s portal (its secret is shown this once)`,
  );
  const api = createPortalClient({
    baseUrl: options.baseUrl,
    credentials: { keyId: partnerKey.keyId, secret: partnerKey.secret },
  });
  // The portal subscribes its receiver to every event of its own; the service signs each delivery.
  const hookPath = `partners/${PARTNER_ID}/webhooks/demo-portal`;
  const hook = expectBody(
    await api.put(hookPath, { url: receiver.url, events: ["*"] }),
    [201],
    webhookCreatedSchema,
  );
  receiver.useSecret(hook.secret);
  show("PUT", hookPath, 201, `webhook ${receiver.url}, every event (its secret is shown this once)`);

  out("");
  out("2. The partner enters the customer and what it bought through its Enterprise Agreement (MC-1, MC-5)");
  const customer: PutCustomerBody = {
    name: "Northwind Traders",
    region: "US",
    cloud: "public",
    isCspPartner: false,
  };
  await put(api, `customers/${customerId}`, customer, customerSchema, show, customer.name);
  const originals: [string, PutSubscriptionBody][] = [
    [
      SUBSCRIPTIONS.office,
      {
        offerId: OFFERS.office365E3,
        offerName: "Office 365 E3",
        kind: "license",
        channel: "ea",
        seats: 25,
        termStart,
        termEnd: officeTermEnd,
        billingCycle: "annual",
        status: "active",
      },
    ],
    [
      SUBSCRIPTIONS.azure,
      {
        offerId: "ms-azr-0017p",
        offerName: "Azure (Enterprise Agreement)",
        kind: "usage",
        channel: "ea",
        termStart,
        termEnd: azureTermEnd,
        billingCycle: "monthly",
        status: "active",
      },
    ],
  ];
  for (const [id, subscription] of originals) {
    const seats = subscription.seats === undefined ? "" : `, ${subscription.seats} seats`;
    await put(
      api,
      `customers/${customerId}/subscriptions/${id}`,
      subscription,
      subscriptionSchema,
      show,
      `${subscription.offerName ?? subscription.offerId} (${subscription.kind}, ${subscription.channel}${seats}, term ends ${subscription.termEnd.slice(0, 10)})`,
    );
  }

  out("");
  out("3. The partner asks for a reseller relationship (REL-1, MC-4)");
  const request: RelationshipRequestBody = {
    partnerId: PARTNER_ID,
    customerId,
    actor: { userId: "alex@contoso.example", role: "sales-agent" },
    delegatedAdmin: true,
  };
  const requested = await postAccepted(api, "relationship-requests", request, show);
  const pending = await pollUntil<RelationshipView>({
    ...wait,
    label: `relationship ${requested.id} to be decided`,
    read: () => getView(api, `relationships/${requested.id}`, relationshipViewSchema),
    statusOf: (relationship) => relationship.status,
    done: (relationship) => !RELATIONSHIP_WAITING.has(relationship.status),
  });
  expectStatus("relationship", pending.status, "pending", pending.violations);

  out("");
  out("4. The customer's Global Administrator accepts the invitation (REL-2); only the customer may (TEN-3)");
  const acceptancePath = `relationships/${requested.id}/acceptance`;
  const byPartner = await api.post(acceptancePath);
  const refusal = expectBody(byPartner, [403], problemSchema);
  show(
    "POST",
    `${acceptancePath} (signed by the partner)`,
    403,
    refusal.violations?.map((found) => found.rule).join(", ") ?? "",
  );
  if (partnerCenter === undefined || connected === undefined) {
    const customerApi = createPortalClient({
      baseUrl: options.baseUrl,
      credentials: { token: await options.customerToken(customerId) },
    });
    await postAccepted(customerApi, acceptancePath, undefined, show, "with the customer's token");
  } else {
    // In Microsoft's admin center: the local Partner Center then posts its signed event to the partner's webhook.
    const delivery = await acceptInPartnerCenter(partnerCenter.url, customerId, connected.tenantId);
    if (delivery.status !== 202)
      throw new Error(`Partner Center's event was answered ${String(delivery.status)}`);
    out(`   the customer's administrator accepts in the local Partner Center (${partnerCenter.url})`);
    show(
      "POST",
      `partner-center/events/${PARTNER_ID} (signed by Partner Center)`,
      delivery.status,
      `${String(delivery.event.EventName)}; confirmed with GET /v1/customers/${customerId} as the partner`,
    );
  }
  const relationship = await pollUntil<RelationshipView>({
    ...wait,
    label: `relationship ${requested.id} to take the answer`,
    read: () => getView(api, `relationships/${requested.id}`, relationshipViewSchema),
    statusOf: (view) => view.status,
    done: (view) => view.status !== "pending",
  });
  expectStatus("relationship", relationship.status, "active", relationship.violations);

  out("");
  out("5. The partner moves both subscriptions into CSP (MIG-1), the originals to go at term end (MIG-2)");
  const migrationRequest: MigrationRequestBody = {
    partnerId: PARTNER_ID,
    customerId,
    actor: { userId: "sam@contoso.example", role: "account-admin" },
    items: [
      // No target offer: Office 365 E3 is discontinued, so the rules pick its equivalent (MIG-5).
      { subscriptionId: SUBSCRIPTIONS.office, cancelOriginal: "at-term-end" },
      // Azure from EA: a new Azure subscription in CSP (MC-5).
      { subscriptionId: SUBSCRIPTIONS.azure, targetOfferId: OFFERS.azurePlan, cancelOriginal: "at-term-end" },
    ],
  };
  const submitted = await postAccepted(api, "migrations", migrationRequest, show);
  const scheduled = await pollUntil<MigrationView>({
    ...wait,
    label: `migration ${submitted.id} to be decided`,
    read: () => getView(api, `migrations/${submitted.id}`, migrationViewSchema),
    statusOf: (migration) => migration.status,
    done: (migration) => !MIGRATION_WAITING.has(migration.status),
  });
  expectStatus("migration", scheduled.status, "awaiting-term-end", scheduled.violations);
  for (const line of lineItemsTable(scheduled.items)) out(`   ${line}`);
  const orders =
    partnerCenter === undefined
      ? []
      : await ordersReceived(partnerCenter.url, customerId, await ordered(api, scheduled.id, wait), out);

  out("");
  out(
    `6. The term-end sweep (the nightly timer's code, run by the operator): the terms end at ${officeTermEnd}`,
  );
  const ahead = `admin/sweep?asOf=${encodeURIComponent(iso(second + DAY_MS))}`;
  const dryRun = expectBody(await operator.post(`${ahead}&dryRun=true`), [200], sweepReportSchema);
  show(
    "POST",
    `${ahead}&dryRun=true`,
    200,
    `a day ahead it would make ${dryRun.transitions.length} transition(s)`,
  );
  const early = expectBody(await operator.post(ahead), [422], problemSchema);
  show(
    "POST",
    ahead,
    422,
    `${early.violations?.map((found) => found.rule).join(", ") ?? ""}: a sweep that writes never looks ahead`,
  );
  const waitMs = Date.parse(officeTermEnd) + 1_000 - clock().getTime();
  if (waitMs > 0) {
    out(`   waiting ${Math.ceil(waitMs / 1000)} s for the terms to end...`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  const sweep = expectBody(await operator.post("admin/sweep"), [200], sweepReportSchema);
  show(
    "POST",
    "admin/sweep",
    200,
    `as of ${sweep.asOf}: ${sweep.queued ?? 0} of ${sweep.customers} customer(s) queued, each swept on its own`,
  );
  const migration = await pollUntil<MigrationView>({
    ...wait,
    label: `migration ${submitted.id} to complete`,
    read: () => getView(api, `migrations/${submitted.id}`, migrationViewSchema),
    statusOf: (view) => view.status,
    done: (view) => view.status !== "awaiting-term-end",
  });

  out("");
  out(`7. Migration ${migration.id}: ${migration.status}`);
  for (const line of lineItemsTable(migration.items)) out(`   ${line}`);
  for (const item of migration.items.filter((candidate) => candidate.violations.length > 0)) {
    for (const found of item.violations) out(`   ${item.subscriptionId}: ${found.rule} ${found.message}`);
  }
  out("");
  out("   History");
  for (const line of historyTable(migration.history)) out(`   ${line}`);

  const subscriptionIds = migration.items.flatMap((item) => [
    item.subscriptionId,
    ...(item.newSubscriptionId === null ||
    item.newSubscriptionId === undefined ||
    item.newSubscriptionId === item.subscriptionId
      ? []
      : [item.newSubscriptionId]),
  ]);
  const subscriptions: Subscription[] = [];
  out("");
  out("   Subscriptions now");
  for (const id of subscriptionIds) {
    const stored = expectBody(
      await api.get(`customers/${customerId}/subscriptions/${id}`),
      [200],
      subscriptionSchema,
    );
    subscriptions.push(stored);
    out(
      `   ${stored.id}: ${stored.offerName ?? stored.offerId}, ${stored.channel}${stored.partnerOfRecord === undefined ? "" : ` (partner of record ${stored.partnerOfRecord})`}, ${stored.status}`,
    );
  }

  const completed = migration.status === "completed";
  // Deliveries leave after each commit, so the last may still be on its way.
  await receiver.waitFor(
    (event) => event.resource.id === migration.id && event.resource.status === migration.status,
    wait.timeoutMs,
  );
  out("");
  out(
    `The portal's receiver got ${receiver.events.length} events, every signature verified` +
      (receiver.refused === 0 ? "." : `; ${receiver.refused} deliveries refused.`),
  );
  out(
    completed
      ? `Done: migration ${migration.id} completed.`
      : `Migration ${migration.id} ended ${migration.status}, not completed.`,
  );
  return {
    customerId,
    relationship,
    migration,
    sweep,
    subscriptions,
    completed,
    partnerKeyId: partnerKey.keyId,
    events: [...receiver.events],
    partnerCenterOrders: orders,
  };
}

/** Live mode: the migration once Partner Center's checkout answered for every licence item it buys. */
function ordered(
  api: PortalClient,
  migrationId: string,
  wait: { timeoutMs: number; intervalMs: number; out: (line: string) => void },
): Promise<MigrationView> {
  const buying = (view: MigrationView) => view.items.filter((item) => item.execution === "ordering");
  return pollUntil<MigrationView>({
    ...wait,
    label: `Partner Center's checkout for migration ${migrationId}`,
    read: () => getView(api, `migrations/${migrationId}`, migrationViewSchema),
    statusOf: (view) => (buying(view).length === 0 ? "checked out" : "ordering"),
    done: (view) => buying(view).length === 0,
  });
}

/** The orders the local Partner Center holds for the customer, read from it, and the items' record of them. */
async function ordersReceived(
  partnerCenterUrl: string,
  customerId: string,
  migration: MigrationView,
  out: (line: string) => void,
): Promise<PlacedOrder[]> {
  const orders = (await partnerCenterOrders(partnerCenterUrl)).filter(
    (order) => order.customerId === customerId,
  );
  out(
    `   The local Partner Center received ${orders.length} order(s) for ${customerId} (GET /_control/orders):`,
  );
  for (const line of ordersTable(orders)) out(`   ${line}`);
  for (const item of migration.items) {
    if (item.order !== undefined)
      out(`   ${item.subscriptionId}: ordered as ${item.order.id} (MS-RequestId ${item.order.requestId})`);
    else if (item.orderError !== undefined)
      out(`   ${item.subscriptionId}: not bought: ${item.orderError.message}`);
  }
  return orders;
}

async function put<T>(
  api: PortalClient,
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
  show: (method: string, path: string, status: number, detail: string) => void,
  detail: string,
): Promise<T> {
  const response = await api.put(path, body);
  const record = expectBody(response, [200, 201], schema);
  show("PUT", path, response.status, `${response.status === 201 ? "created" : "updated"}: ${detail}`);
  return record;
}

async function postAccepted(
  api: PortalClient,
  path: string,
  body: unknown,
  show: (method: string, path: string, status: number, detail: string) => void,
  how = "",
): Promise<{ id: string; status: string }> {
  const response = await api.post(path, body);
  const accepted = expectBody(response, [202], acceptedSchema);
  show(
    "POST",
    how === "" ? path : `${path} (${how})`,
    202,
    `${accepted.id} ${accepted.status} (Location ${response.headers.get("location") ?? "-"})`,
  );
  return accepted;
}

async function getView<T>(api: PortalClient, path: string, schema: z.ZodType<T>): Promise<T> {
  return expectBody(await api.get(path), [200], schema);
}

/** Stops the story when a step did not end where it should, with the rules that stopped it. */
function expectStatus(
  what: string,
  actual: string,
  expected: string,
  violations: readonly { rule: string; message: string }[],
): void {
  if (actual === expected) return;
  const why = violations.map((found) => `${found.rule}: ${found.message}`).join("; ");
  throw new Error(`The ${what} is ${actual}, expected ${expected}${why === "" ? "" : ` (${why})`}`);
}

/**
 * The demo's story (seed 004, "move license-based customers into CSP", with the multi-channel
 * rules of 000/001/003): a partner brings a customer who bought Office 365 licenses and Azure
 * through an Enterprise Agreement into CSP. Every request is made as a partner portal must make
 * it (signed, Idempotency-Key on POSTs), against any running instance of the service.
 */
import { randomBytes } from "node:crypto";
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
import {
  acceptedSchema,
  migrationViewSchema,
  relationshipViewSchema,
  sweepReportSchema,
  type MigrationView,
  type RelationshipView,
  type SweepReport,
} from "../shared/http/views.js";
import { historyTable, lineItemsTable } from "./demoFormat.js";
import { pollUntil } from "./poll.js";
import { createPortalClient, expectBody, type PortalClient } from "./portalClient.js";

export interface DemoOptions {
  /** `http://localhost:7071/api/` */
  readonly baseUrl: string;
  readonly secret: string;
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
  /** The originals and the partner's new subscriptions as stored at the end. */
  readonly subscriptions: readonly Subscription[];
  readonly completed: boolean;
}

const DAY_MS = 86_400_000;
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
  const api = createPortalClient({ baseUrl: options.baseUrl, secret: options.secret });
  const now = (options.now ?? (() => new Date()))();
  const runId = options.runId ?? randomBytes(3).toString("hex");
  const customerId = `northwind-${runId}`;
  const wait = { timeoutMs: options.stepTimeoutMs ?? 30_000, intervalMs: options.pollIntervalMs ?? 200, out };
  const show = (method: string, path: string, status: number, detail: string): void => {
    out(`   ${method} ${path} → ${status}${detail === "" ? "" : `  ${detail}`}`);
  };

  // Terms on whole days: a year-long EA term started ~10 months ago; Azure's ends sooner.
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const at = (days: number): string => new Date(today + days * DAY_MS).toISOString().replace(".000Z", "Z");
  const termStart = at(-320);
  const officeTermEnd = at(45);
  const azureTermEnd = at(20);
  const sweepAsOf = at(46);

  out(`CSP onboarding demo against ${options.baseUrl} (customer ${customerId})`);
  out("");
  out("1. Reference data: the partner and the offer catalogue (signed PUTs)");
  const partner: PutPartnerBody = { name: "Contoso CSP", region: "US", cloud: "public", kind: "direct" };
  await put(
    api,
    `partners/${PARTNER_ID}`,
    partner,
    partnerSchema,
    show,
    `${partner.name} (US, public, direct)`,
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
      { name: "Microsoft 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
    ],
    [OFFERS.azurePlan, { name: "Azure plan", kind: "usage", discontinued: false, equivalentOfferIds: [] }],
  ];
  for (const [id, offer] of offers) {
    const note = offer.discontinued
      ? `discontinued, equivalent ${offer.equivalentOfferIds.join(", ")}`
      : offer.kind;
    await put(api, `offers/${id}`, offer, offerSchema, show, `${offer.name} (${note})`);
  }

  out("");
  out("2. The customer and what it bought through its Enterprise Agreement (MC-1), entered by hand (MC-5)");
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
  out("4. The customer accepts the invitation (REL-2)");
  await postAccepted(
    api,
    `relationships/${requested.id}/acceptance`,
    { customerUserId: "megan@northwind.example" },
    show,
  );
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

  out("");
  out(`6. The term-end sweep, as the nightly timer would run it on ${sweepAsOf.slice(0, 10)}`);
  const sweepPath = `admin/sweep?asOf=${encodeURIComponent(sweepAsOf)}`;
  const dryRun = expectBody(await api.post(`${sweepPath}&dryRun=true`), [200], sweepReportSchema);
  show("POST", `${sweepPath}&dryRun=true`, 200, `would make ${dryRun.transitions.length} transition(s)`);
  const sweep = expectBody(await api.post(sweepPath), [200], sweepReportSchema);
  show(
    "POST",
    sweepPath,
    200,
    `${sweep.transitions.length} transition(s) for ${sweep.customers} customer(s)`,
  );
  for (const transition of sweep.transitions.filter((candidate) => candidate.customerId === customerId)) {
    out(
      `     ${transition.entity} ${transition.id}: ${transition.from ?? "-"} → ${transition.to}${transition.rules.length > 0 ? ` (${transition.rules.join(", ")})` : ""}`,
    );
  }
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
  out("");
  out(
    completed
      ? `Done: migration ${migration.id} completed.`
      : `Migration ${migration.id} ended ${migration.status}, not completed.`,
  );
  return { customerId, relationship, migration, sweep, subscriptions, completed };
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
): Promise<{ id: string; status: string }> {
  const response = await api.post(path, body);
  const accepted = expectBody(response, [202], acceptedSchema);
  show(
    "POST",
    path,
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

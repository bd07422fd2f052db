/**
 * The local Partner Center's transfers (new commerce, partner to partner): the target partner
 * creates one for a customer that is its own (the same MS-RequestId again answers that transfer,
 * never a second); it stays `Active` until it has been read `completeAfterPolls` times (a test
 * control sets how many, 2 by default) or a control completes it, then it is `Complete` and each line
 * item names the subscription it became; a control fails one with Partner Center's code and
 * description. The partner reads a customer's transfers it made (GET …/transfers); a control makes
 * one as if by hand in Partner Center. The routes join the server's table (server.ts); the controls
 * are under /_control/.
 */
import { randomUUID } from "node:crypto";

import { fixture, type Json } from "./fixtures.js";
import type { Answer, Route } from "./server.js";

/** A transfer the service created, as the test controls list it. */
export interface LocalTransfer {
  id: string;
  partnerTenantId: string;
  customerId: string;
  requestId: string | undefined;
  sourcePartnerTenantId: string;
  /** Where Partner Center tells the customer (absent when the service named none). */
  customerEmailId?: string;
  targetProductTypes: string[];
  lineItems: {
    subscriptionId: string;
    quantity: number;
    billingCycle?: string;
    targetSubscriptionId?: string;
  }[];
  status: "Active" | "Complete" | "Failed";
  /** How many times the service read it. */
  polls: number;
  error?: { code: string; description: string };
  createdAt: string;
  completedAt?: string;
}

export interface LocalTransfers {
  readonly routes: readonly Route[];
  readonly list: () => readonly LocalTransfer[];
}

export function localTransfers(deps: {
  /** Whether the customer is the partner tenant's (it accepted it as reseller). */
  isCustomerOf: (partnerTenantId: string, customerId: string) => boolean;
  customerNotFound: (customerId: string) => Answer;
}): LocalTransfers {
  const transfers = new Map<string, LocalTransfer>();
  const byRequest = new Map<string, string>();
  let completeAfterPolls = 2;

  const notFound = (id: string): Answer => ({
    status: 404,
    body: { code: 800063, description: `Transfer ${id} was not found` },
  });

  function complete(transfer: LocalTransfer): void {
    transfer.status = "Complete";
    transfer.completedAt = new Date().toISOString();
    for (const line of transfer.lineItems) line.targetSubscriptionId = randomUUID();
  }

  /** A TransferEntity as Partner Center answers it, from the documented example with this one's values put in. */
  function resource(transfer: LocalTransfer): Json {
    const template = fixture("transfer");
    const lineTemplate = (template.lineItems as Json[])[0] ?? {};
    const lineStatus = transfer.status === "Active" ? "Active" : transfer.status;
    return {
      ...template,
      id: transfer.id,
      status: transfer.status,
      createdTime: transfer.createdAt,
      lastModifiedTime: transfer.completedAt ?? transfer.createdAt,
      completedTime: transfer.completedAt ?? null,
      customerTenantId: transfer.customerId,
      partnerTenantId: transfer.partnerTenantId,
      sourcePartnerTenantId: transfer.sourcePartnerTenantId,
      customerEmailId: transfer.customerEmailId ?? template.customerEmailId,
      targetPartnerTenantId: transfer.partnerTenantId,
      targetProductTypes: transfer.targetProductTypes,
      lineItems: transfer.lineItems.map((line, index) => ({
        ...lineTemplate,
        id: index,
        subscriptionId: line.subscriptionId,
        quantity: line.quantity,
        billingCycle: line.billingCycle ?? lineTemplate.billingCycle,
        status: lineStatus,
        transferError: transfer.error ?? null,
        targetSubscriptionId: line.targetSubscriptionId ?? null,
      })),
    };
  }

  function found(id: string): LocalTransfer {
    const transfer = transfers.get(id);
    if (transfer === undefined) throw new TransferControlError(404, `no transfer ${id}`);
    return transfer;
  }

  const routes: Route[] = [
    {
      method: "POST",
      pattern: "/v1/customers/{customerId}/transfers",
      auth: true,
      handle: ({ params, body, headers, partner }) => {
        const customerId = params.customerId ?? "";
        if (partner === undefined || !deps.isCustomerOf(partner.tenantId, customerId))
          return deps.customerNotFound(customerId);
        const requestId = typeof headers["ms-requestid"] === "string" ? headers["ms-requestid"] : undefined;
        const requestKey =
          requestId === undefined ? undefined : `${partner.tenantId}\n${customerId}\n${requestId}`;
        const earlier = requestKey === undefined ? undefined : transfers.get(byRequest.get(requestKey) ?? "");
        if (earlier !== undefined) return { status: 201, body: resource(earlier) };
        const request = JSON.parse(body) as {
          sourcePartnerTenantId?: unknown;
          targetPartnerTenantId?: unknown;
          customerEmailId?: unknown;
          targetProductTypes?: unknown;
          lineItems?: { subscriptionId?: unknown; quantity?: unknown; billingCycle?: unknown }[];
        };
        const lines = Array.isArray(request.lineItems) ? request.lineItems : [];
        const types = Array.isArray(request.targetProductTypes) ? request.targetProductTypes : [];
        const validLines = lines.every(
          (line) =>
            typeof line.subscriptionId === "string" &&
            line.subscriptionId.length > 0 &&
            Number.isInteger(line.quantity) &&
            Number(line.quantity) > 0,
        );
        if (
          typeof request.sourcePartnerTenantId !== "string" ||
          request.sourcePartnerTenantId === "" ||
          request.sourcePartnerTenantId === partner.tenantId ||
          (request.targetPartnerTenantId !== undefined &&
            request.targetPartnerTenantId !== partner.tenantId) ||
          (request.customerEmailId !== undefined &&
            (typeof request.customerEmailId !== "string" ||
              !/^[^@\s]+@[^@\s]+$/.test(request.customerEmailId))) ||
          !types.every((type) => typeof type === "string") ||
          lines.length === 0 ||
          !validLines
        ) {
          return {
            status: 400,
            body: {
              code: 800002,
              description:
                "sourcePartnerTenantId (another partner), targetPartnerTenantId (the caller, if given), customerEmailId (an e-mail address, if given), targetProductTypes (strings) and lineItems (each a subscriptionId and a positive quantity) are required",
            },
          };
        }
        const transfer: LocalTransfer = {
          id: randomUUID(),
          partnerTenantId: partner.tenantId,
          customerId,
          requestId,
          sourcePartnerTenantId: request.sourcePartnerTenantId,
          ...(typeof request.customerEmailId === "string"
            ? { customerEmailId: request.customerEmailId }
            : {}),
          targetProductTypes: types,
          lineItems: lines.map((line) => ({
            subscriptionId: String(line.subscriptionId),
            quantity: Number(line.quantity),
            ...(typeof line.billingCycle === "string" ? { billingCycle: line.billingCycle } : {}),
          })),
          status: "Active",
          polls: 0,
          createdAt: new Date().toISOString(),
        };
        transfers.set(transfer.id, transfer);
        if (requestKey !== undefined) byRequest.set(requestKey, transfer.id);
        return { status: 201, body: resource(transfer) };
      },
    },
    {
      // The customer's transfers this partner made (a read: it counts as no poll).
      method: "GET",
      pattern: "/v1/customers/{customerId}/transfers",
      auth: true,
      handle: ({ params, partner }) => {
        const customerId = params.customerId ?? "";
        if (partner === undefined || !deps.isCustomerOf(partner.tenantId, customerId))
          return deps.customerNotFound(customerId);
        const items = [...transfers.values()]
          .filter(
            (transfer) => transfer.partnerTenantId === partner.tenantId && transfer.customerId === customerId,
          )
          .map(resource);
        return {
          status: 200,
          body: { totalCount: items.length, items, attributes: { objectType: "Collection" } },
        };
      },
    },
    {
      method: "GET",
      pattern: "/v1/customers/{customerId}/transfers/{transferId}",
      auth: true,
      handle: ({ params, partner }) => {
        const transfer = transfers.get(params.transferId ?? "");
        if (
          transfer === undefined ||
          transfer.partnerTenantId !== partner?.tenantId ||
          transfer.customerId !== params.customerId
        )
          return notFound(params.transferId ?? "");
        transfer.polls += 1;
        if (transfer.status === "Active" && transfer.polls >= completeAfterPolls) complete(transfer);
        return { status: 200, body: resource(transfer) };
      },
    },

    // Test controls.
    {
      method: "POST",
      pattern: "/_control/transfers/settings",
      auth: false,
      handle: controlled(({ body }) => {
        const { completeAfterPolls: polls } = JSON.parse(body) as { completeAfterPolls?: unknown };
        if (!Number.isInteger(polls) || Number(polls) < 1)
          throw new TransferControlError(400, "completeAfterPolls must be a positive integer");
        completeAfterPolls = Number(polls);
        return { status: 200, body: { completeAfterPolls } };
      }),
    },
    {
      method: "POST",
      pattern: "/_control/transfers/{transferId}/complete",
      auth: false,
      handle: controlled(({ params }) => {
        const transfer = found(params.transferId ?? "");
        if (transfer.status === "Active") complete(transfer);
        return { status: 200, body: transfer };
      }),
    },
    {
      method: "POST",
      pattern: "/_control/transfers/{transferId}/fail",
      auth: false,
      handle: controlled(({ params, body }) => {
        const transfer = found(params.transferId ?? "");
        const request = (body === "" ? {} : JSON.parse(body)) as { code?: unknown; description?: unknown };
        transfer.status = "Failed";
        transfer.error = {
          code: typeof request.code === "string" ? request.code : "SubscriptionNotEligibleForTransfer",
          description:
            typeof request.description === "string"
              ? request.description
              : "The subscription is not eligible for transfer",
        };
        return { status: 200, body: transfer };
      }),
    },
    {
      // A transfer made outside the service (by hand in Partner Center, or long ago): Active, no MS-RequestId.
      method: "POST",
      pattern: "/_control/transfers",
      auth: false,
      handle: controlled(({ body }) => {
        const request = JSON.parse(body) as Partial<
          Record<"partnerTenantId" | "customerId" | "sourcePartnerTenantId" | "subscriptionId", unknown>
        >;
        const [partnerTenantId, customerId, sourcePartnerTenantId, subscriptionId] = [
          request.partnerTenantId,
          request.customerId,
          request.sourcePartnerTenantId,
          request.subscriptionId,
        ];
        if (
          typeof partnerTenantId !== "string" ||
          typeof customerId !== "string" ||
          typeof sourcePartnerTenantId !== "string" ||
          typeof subscriptionId !== "string"
        )
          throw new TransferControlError(
            400,
            "partnerTenantId, customerId, sourcePartnerTenantId and subscriptionId are required",
          );
        const transfer: LocalTransfer = {
          id: randomUUID(),
          partnerTenantId,
          customerId,
          requestId: undefined,
          sourcePartnerTenantId,
          targetProductTypes: ["AzureSubscription"],
          lineItems: [{ subscriptionId, quantity: 1 }],
          status: "Active",
          polls: 0,
          createdAt: new Date().toISOString(),
        };
        transfers.set(transfer.id, transfer);
        return { status: 201, body: transfer };
      }),
    },
    {
      method: "GET",
      pattern: "/_control/transfers",
      auth: false,
      handle: () => ({ status: 200, body: [...transfers.values()] }),
    },
  ];

  return { routes, list: () => [...transfers.values()] };
}

/** A control's own refusal (400, 404), answered as the server's controls answer theirs. */
class TransferControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function controlled(handle: Route["handle"]): Route["handle"] {
  return async (call) => {
    try {
      return await handle(call);
    } catch (error) {
      if (error instanceof TransferControlError)
        return { status: error.status, body: { error: error.message } };
      throw error;
    }
  };
}

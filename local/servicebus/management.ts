/**
 * Service Bus's `$management` operations on one entity (request/response over AMQP): lock renewal,
 * peek, scheduling, deferred messages and settlement by lock token.
 */
import { z } from "zod";

import { encodeJsValue } from "./amqp-codec.js";
import {
  type Entity,
  type MessageLock,
  type PropertyChanges,
  type Settlement,
  deliveryStamp,
} from "./entity-store.js";
import { BrokerError, CONDITION, asBrokerError } from "./errors.js";
import { type ParsedMessage, encodeMessage, parseMessage } from "./message-format.js";
import { assertMessageSize } from "./message-size.js";
import { longArray, timestampArray, uuid } from "./rhea-adapter.js";

export const OPERATION = {
  renewLock: "com.microsoft:renew-lock",
  peekMessage: "com.microsoft:peek-message",
  scheduleMessage: "com.microsoft:schedule-message",
  cancelScheduledMessage: "com.microsoft:cancel-scheduled-message",
  receiveBySequenceNumber: "com.microsoft:receive-by-sequence-number",
  updateDisposition: "com.microsoft:update-disposition",
} as const;

export interface ManagementResponse {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly errorCondition?: string;
  readonly body?: unknown;
}

const buffer = z.custom<Buffer>((value) => Buffer.isBuffer(value), "expected binary");
const lockToken = buffer.refine((value) => value.length === 16, "a lock token is a 16-byte UUID");
/** rhea reads a long as a number when it is exact, otherwise as its 8 bytes. */
const sequenceNumber = z.union([
  z.int(),
  buffer.refine((value) => value.length === 8).transform((value) => Number(value.readBigInt64BE(0))),
]);
const sequenceNumbers = z.array(sequenceNumber).min(1);

const renewLockSchema = z.object({ "lock-tokens": z.array(lockToken).min(1) });
const peekSchema = z.object({
  "from-sequence-number": sequenceNumber,
  "message-count": z.int().min(1),
});
const scheduleSchema = z.object({
  messages: z.array(z.object({ message: buffer, "message-id": z.string().optional() })).min(1),
});
const cancelSchema = z.object({ "sequence-numbers": sequenceNumbers });
const receiveDeferredSchema = z.object({
  "sequence-numbers": sequenceNumbers,
  "receiver-settle-mode": z.int().min(0).max(1),
});
const dispositionSchema = z.object({
  "lock-tokens": z.array(lockToken).min(1),
  "disposition-status": z.enum(["completed", "abandoned", "defered", "suspended"]),
  "deadletter-reason": z.string().optional(),
  "deadletter-description": z.string().optional(),
  "properties-to-modify": z.record(z.string(), z.unknown()).optional(),
});

const OK: ManagementResponse = { statusCode: 200, statusDescription: "OK" };

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new BrokerError(CONDITION.decodeError, `Invalid request body: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function findLock(entity: Entity, token: Buffer): MessageLock {
  const lock = entity.findLock(token);
  if (!lock) {
    throw new BrokerError(
      CONDITION.lockLost,
      "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
    );
  }
  return lock;
}

function propertyChanges(properties: Readonly<Record<string, unknown>> | undefined): PropertyChanges {
  const changes = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(properties ?? {})) {
    const encoded = encodeJsValue(value);
    if (!encoded) {
      throw new BrokerError(
        CONDITION.decodeError,
        `Property '${name}' must be a string, number, boolean, date or binary.`,
      );
    }
    changes.set(name, encoded);
  }
  return changes;
}

function settlementFor(body: z.infer<typeof dispositionSchema>): Settlement {
  const properties = propertyChanges(body["properties-to-modify"]);
  switch (body["disposition-status"]) {
    case "completed":
      return { kind: "complete" };
    case "abandoned":
      return { kind: "abandon", properties };
    case "defered":
      return { kind: "defer", properties };
    case "suspended":
      return {
        kind: "deadLetter",
        reason: body["deadletter-reason"],
        description: body["deadletter-description"],
        properties,
      };
  }
}

function parseScheduled(entry: { message: Buffer }): ParsedMessage {
  assertMessageSize(entry.message);
  try {
    return parseMessage(entry.message);
  } catch (error) {
    throw new BrokerError(
      CONDITION.decodeError,
      `A scheduled message could not be decoded: ${String(error)}`,
    );
  }
}

function perform(entity: Entity, operation: string, body: unknown): ManagementResponse {
  switch (operation) {
    case OPERATION.renewLock: {
      const request = parseBody(renewLockSchema, body);
      const expirations = request["lock-tokens"].map((token) => entity.renewLock(findLock(entity, token)));
      return { ...OK, body: { expirations: timestampArray(expirations) } };
    }
    case OPERATION.peekMessage: {
      const request = parseBody(peekSchema, body);
      const messages = entity.peek(request["from-sequence-number"], request["message-count"]);
      if (messages.length === 0) return { statusCode: 204, statusDescription: "No messages" };
      return {
        ...OK,
        body: {
          messages: messages.map((message) => ({
            message: encodeMessage(message.sections, deliveryStamp(message)),
          })),
        },
      };
    }
    case OPERATION.scheduleMessage: {
      if (entity.isDeadLetterQueue) {
        throw new BrokerError(CONDITION.notAllowed, "Messages cannot be scheduled on a dead-letter queue.");
      }
      const request = parseBody(scheduleSchema, body);
      const parsed = request.messages.map(parseScheduled);
      if (parsed.some((message) => message.scheduledEnqueueTime === undefined)) {
        throw new BrokerError(
          CONDITION.decodeError,
          "Each scheduled message needs x-opt-scheduled-enqueue-time.",
        );
      }
      // A time already past enqueues the message at once, as Service Bus does.
      return { ...OK, body: { "sequence-numbers": longArray(entity.send(parsed)) } };
    }
    case OPERATION.cancelScheduledMessage: {
      entity.cancelScheduled(parseBody(cancelSchema, body)["sequence-numbers"]);
      return OK;
    }
    case OPERATION.receiveBySequenceNumber: {
      const request = parseBody(receiveDeferredSchema, body);
      const mode = request["receiver-settle-mode"] === 0 ? "receiveAndDelete" : "peekLock";
      const received = entity.receiveDeferred(request["sequence-numbers"], mode);
      return {
        ...OK,
        body: {
          messages: received.map(({ message, lock }) => ({
            message: encodeMessage(message.sections, deliveryStamp(message, lock)),
            ...(lock ? { "lock-token": uuid(lock.token) } : {}),
          })),
        },
      };
    }
    case OPERATION.updateDisposition: {
      const request = parseBody(dispositionSchema, body);
      const settlement = settlementFor(request);
      for (const token of request["lock-tokens"]) entity.settle(findLock(entity, token), settlement);
      return OK;
    }
    default:
      throw new BrokerError(
        CONDITION.notImplemented,
        `The operation '${operation}' is not supported by this emulator (sessions, rules and transactions are not).`,
      );
  }
}

/** Performs one request; failures become the error response Service Bus would send. */
export function handleManagementRequest(
  entity: Entity,
  operation: string,
  body: unknown,
  log: (line: string) => void,
): ManagementResponse {
  try {
    return perform(entity, operation, body);
  } catch (error) {
    const failure = asBrokerError(error);
    if (failure.condition === CONDITION.internalError) log(`${operation}: ${failure.message}`);
    return {
      statusCode: failure.statusCode,
      statusDescription: failure.message,
      errorCondition: failure.condition,
    };
  }
}

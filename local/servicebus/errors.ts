/** Errors the broker reports, each with the AMQP condition Service Bus uses and its HTTP-style status. */
import { errorMessage } from "../../shared/errors.js";
import { AmqpDecodeError } from "./amqp-codec.js";

export const CONDITION = {
  notFound: "amqp:not-found",
  notImplemented: "amqp:not-implemented",
  notAllowed: "amqp:not-allowed",
  unauthorized: "amqp:unauthorized-access",
  decodeError: "amqp:decode-error",
  messageSizeExceeded: "amqp:link:message-size-exceeded",
  internalError: "amqp:internal-error",
  lockLost: "com.microsoft:message-lock-lost",
  messageNotFound: "com.microsoft:message-not-found",
  deadLetter: "com.microsoft:dead-letter",
} as const;

export type Condition = (typeof CONDITION)[keyof typeof CONDITION];

const STATUS: Readonly<Record<Condition, number>> = {
  "amqp:not-found": 404,
  "amqp:not-implemented": 501,
  "amqp:not-allowed": 400,
  "amqp:unauthorized-access": 401,
  "amqp:decode-error": 400,
  "amqp:link:message-size-exceeded": 413,
  "amqp:internal-error": 500,
  "com.microsoft:message-lock-lost": 410,
  "com.microsoft:message-not-found": 404,
  "com.microsoft:dead-letter": 400,
};

export class BrokerError extends Error {
  readonly statusCode: number;

  constructor(
    readonly condition: Condition,
    description: string,
  ) {
    super(description);
    this.name = "BrokerError";
    this.statusCode = STATUS[condition];
  }
}

export function lockLost(): BrokerError {
  return new BrokerError(
    CONDITION.lockLost,
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
  );
}

/** Any failure as the error a client gets; a fault of the emulator itself becomes amqp:internal-error. */
export function asBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (error instanceof AmqpDecodeError) {
    return new BrokerError(CONDITION.decodeError, error.message);
  }
  return new BrokerError(CONDITION.internalError, `Emulator fault: ${errorMessage(error)}`);
}

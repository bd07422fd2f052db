/** Service Bus's size limit, checked wherever a message enters the broker (link transfers and scheduling). */
import { BrokerError, CONDITION } from "./errors.js";

/** Service Bus Standard's largest message (and batch). */
export const MAX_MESSAGE_SIZE = 256 * 1024;

/** Throws `amqp:link:message-size-exceeded` (the SDK's `MessageSizeExceeded`) past the limit. */
export function assertMessageSize(encoded: Buffer): void {
  if (encoded.length > MAX_MESSAGE_SIZE) {
    throw new BrokerError(
      CONDITION.messageSizeExceeded,
      `The message is ${encoded.length} bytes; the limit is ${MAX_MESSAGE_SIZE}.`,
    );
  }
}

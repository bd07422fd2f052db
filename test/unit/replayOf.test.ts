/** A dead letter's replay: its own id, and none of dead-lettering's or a scheduled redelivery's properties. */
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";

import { replayOf } from "../../local/ops/deadLetters.js";

describe("replayOf", () => {
  it("drops the dead-letter reason and the redelivery's attempt, so a replay starts a fresh budget", () => {
    const body = { schemaVersion: 1, type: "migration-request" };
    const applicationProperties = {
      customerId: "fabrikam",
      schemaVersion: 1,
      DeadLetterReason: "MaxDeliveryCountExceeded",
      DeadLetterErrorDescription: "Message could not be consumed after 10 delivery attempts.",
      redeliveryAttempt: 12,
      redeliveryFirstFailedAt: "2027-01-02T02:00:00.000Z",
    };
    const deadLetter = {
      messageId: "req-1.later-12",
      sequenceNumber: { toString: () => "42" },
      body,
      applicationProperties,
      _rawAmqpMessage: {
        body,
        bodyType: "data",
        header: { deliveryCount: 10 },
        properties: { messageId: "req-1.later-12" },
        applicationProperties,
        messageAnnotations: {},
      },
    } as unknown as ServiceBusReceivedMessage;

    const replay = replayOf(deadLetter);
    expect(replay.properties?.messageId).toBe("req-1.later-12.replay-42");
    expect(replay.applicationProperties).toEqual({ customerId: "fabrikam", schemaVersion: 1 });
    expect(replay.header).toEqual({});
  });
});

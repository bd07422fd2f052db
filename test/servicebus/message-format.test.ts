/**
 * The broker's own AMQP reading and writing, checked against rhea (the SDK's encoder) on generated
 * messages: whatever a sender encodes comes back out with the same sections and types.
 */
import fc from "fast-check";
import rhea from "rhea";
import { describe, expect, it } from "vitest";

import { AmqpDecodeError, encodeJsValue, skipValue } from "../../local/servicebus/amqp-codec.js";
import {
  type DeliveryStamp,
  encodeMessage,
  parseMessage,
  splitBatch,
  withApplicationProperties,
  withMessageId,
} from "../../local/servicebus/message-format.js";

interface Writer {
  write(value: unknown): void;
  toBuffer(): Buffer;
}
const types = rhea.types as unknown as { wrap(value: unknown): unknown; Writer: new () => Writer };

function encodeWithRhea(value: unknown): Buffer {
  const writer = new types.Writer();
  writer.write(types.wrap(value));
  return writer.toBuffer();
}

const scalar = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)),
  fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4_102_444_800_000) }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(null),
);
/**
 * A map key rhea can hand back: it decodes maps into plain objects, where a `__proto__` key sets the
 * object's prototype instead of adding a property (fast-check generates that key on purpose).
 */
function mapKey(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ minLength: 1, maxLength }).filter((key) => key !== "__proto__");
}
const amqpValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(mapKey(8), tie("value"), { maxKeys: 4 }),
})).value;

const applicationProperties = fc.dictionary(mapKey(12), scalar, {
  maxKeys: 6,
});
const rheaMessage = fc.record(
  {
    message_id: fc.string({ minLength: 1, maxLength: 40 }),
    correlation_id: fc.string({ maxLength: 20 }),
    subject: fc.string({ maxLength: 20 }),
    to: fc.string({ maxLength: 20 }),
    content_type: fc.constantFrom("application/json", "text/plain", "application/octet-stream"),
    ttl: fc.integer({ min: 1, max: 2 ** 31 }),
    application_properties: applicationProperties,
    message_annotations: fc.dictionary(
      fc.constantFrom("x-opt-partition-key", "x-custom", "x-opt-sequence-number"),
      fc.string(),
      {
        maxKeys: 3,
      },
    ),
    body: fc.oneof(
      fc
        .uint8Array({ maxLength: 2000 })
        .map((bytes) => rhea.message.data_section(Buffer.from(bytes)) as unknown),
      amqpValue,
    ),
  },
  { requiredKeys: ["body"] },
);

const stamp: DeliveryStamp = {
  sequenceNumber: 2 ** 40 + 5,
  enqueuedTime: 1_700_000_000_123,
  deliveryCount: 3,
  state: "deferred",
  timeToLiveMs: 60_000,
  lockedUntil: 1_700_000_060_123,
};

/** rhea decodes what the broker encodes, as the SDK's receiver does. */
function decode(buffer: Buffer): Record<string, unknown> {
  const message: Record<string, unknown> = rhea.message.decode(buffer);
  return message;
}

describe("skipValue", () => {
  it("finds the end of any value rhea encodes", () => {
    fc.assert(
      fc.property(amqpValue, (value) => {
        const encoded = encodeWithRhea(value);
        expect(skipValue(encoded, 0)).toBe(encoded.length);
      }),
    );
  });

  it("refuses a truncated value", () => {
    const encoded = encodeWithRhea("a string long enough to cut");
    expect(() => skipValue(encoded.subarray(0, 10), 0)).toThrow(AmqpDecodeError);
  });
});

describe("encodeJsValue", () => {
  it("encodes scalars so that rhea reads the same value back", () => {
    fc.assert(
      fc.property(scalar, (value) => {
        const encoded = encodeJsValue(value);
        expect(encoded).toBeDefined();
        const read = (rhea.types as unknown as { Reader: new (buffer: Buffer) => { read(): unknown } })
          .Reader;
        expect(rhea.types.unwrap(new read(encoded!).read())).toEqual(value);
      }),
    );
  });

  it("has no encoding for objects and arrays", () => {
    expect(encodeJsValue({ a: 1 })).toBeUndefined();
    expect(encodeJsValue([1])).toBeUndefined();
  });
});

describe("messages", () => {
  it("keeps the sender's sections and adds the broker's annotations", () => {
    fc.assert(
      fc.property(rheaMessage, (message) => {
        const parsed = parseMessage(rhea.message.encode(message));
        const delivered = decode(encodeMessage(parsed.sections, stamp));
        const original = decode(rhea.message.encode(message));
        for (const field of ["message_id", "correlation_id", "subject", "to", "content_type", "body"]) {
          expect(delivered[field]).toEqual(original[field]);
        }
        expect(delivered.application_properties).toEqual(original.application_properties);
        expect(delivered).toMatchObject({ delivery_count: 3, ttl: 60_000, first_acquirer: false });
        const annotations = delivered.message_annotations as Record<string, unknown>;
        expect(annotations).toMatchObject({
          "x-opt-sequence-number": stamp.sequenceNumber,
          "x-opt-enqueued-time": new Date(stamp.enqueuedTime),
          "x-opt-locked-until": new Date(stamp.lockedUntil!),
          "x-opt-message-state": 1,
        });
        for (const [key, value] of Object.entries(message.message_annotations ?? {})) {
          if (key !== "x-opt-sequence-number") expect(annotations[key]).toEqual(value);
        }
        expect(parsed.messageId === undefined).toBe(message.message_id === undefined);
      }),
    );
  });

  it("gives an id to a message without one and changes only the properties asked", () => {
    const encoded = rhea.message.encode({
      subject: "s",
      application_properties: { keep: 1, change: "old" },
      body: "b",
    });
    const parsed = parseMessage(encoded);
    expect(parsed.messageId).toBeUndefined();
    const named = withMessageId(parsed.sections, "assigned");
    const changed = withApplicationProperties(
      named,
      new Map([
        ["change", encodeJsValue("new")!],
        ["added", encodeJsValue(new Date(5))!],
      ]),
    );
    const delivered = decode(encodeMessage(changed, { ...stamp, state: "active", lockedUntil: undefined }));
    expect(delivered).toMatchObject({ message_id: "assigned", subject: "s", body: "b" });
    expect(delivered.application_properties).toEqual({ keep: 1, change: "new", added: new Date(5) });
    expect(delivered.message_annotations).not.toHaveProperty("x-opt-locked-until");
    expect(delivered.message_annotations).not.toHaveProperty("x-opt-message-state");
  });

  it("splits a batch into the messages of its data sections", () => {
    fc.assert(
      fc.property(fc.array(rheaMessage, { minLength: 1, maxLength: 5 }), (messages) => {
        const encoded = messages.map((message) => rhea.message.encode(message));
        const envelope = rhea.message.encode({
          message_id: "batch",
          body: rhea.message.data_sections(encoded) as unknown,
        });
        expect(splitBatch(envelope)).toEqual(encoded);
      }),
    );
  });

  it("refuses bytes that are not a message", () => {
    expect(() => parseMessage(Buffer.from([0xa1, 0x01, 0x41]))).toThrow(AmqpDecodeError);
    expect(() => parseMessage(Buffer.from([0x00, 0x53, 0x10, 0x45]))).toThrow(/not a message section/);
  });
});

/**
 * Service Bus messages as the broker stores them: the sender's sections kept as encoded, apart from
 * the header and message annotations, which the broker owns and writes afresh on every delivery.
 */
import {
  AmqpDecodeError,
  compoundElements,
  encodeBoolean,
  encodeDescribed,
  encodeInt,
  encodeList,
  encodeLong,
  encodeMap,
  encodeNull,
  encodeString,
  encodeSymbol,
  encodeTimestamp,
  encodeUbyte,
  encodeUint,
  readDescriptor,
  readScalar,
} from "./amqp-codec.js";

/** The message format of a batch: one data section per encoded message (Service Bus's own format). */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  footer: 0x78,
} as const;

const SYMBOLIC_SECTIONS: Readonly<Record<string, number>> = {
  "amqp:header:list": 0x70,
  "amqp:delivery-annotations:map": 0x71,
  "amqp:message-annotations:map": 0x72,
  "amqp:properties:list": 0x73,
  "amqp:application-properties:map": 0x74,
  "amqp:data:binary": 0x75,
  "amqp:amqp-sequence:list": 0x76,
  "amqp:amqp-value:*": 0x77,
  "amqp:footer:map": 0x78,
};

function sectionCode(descriptor: number | string): number {
  const code = typeof descriptor === "number" ? descriptor : SYMBOLIC_SECTIONS[descriptor];
  if (code === undefined || code < SECTION.header || code > SECTION.footer) {
    throw new AmqpDecodeError(`not a message section: ${String(descriptor)}`);
  }
  return code;
}

const ANNOTATION = {
  sequenceNumber: "x-opt-sequence-number",
  enqueuedTime: "x-opt-enqueued-time",
  lockedUntil: "x-opt-locked-until",
  messageState: "x-opt-message-state",
  enqueueSequenceNumber: "x-opt-enqueue-sequence-number",
  deadLetterSource: "x-opt-deadletter-source",
  scheduledEnqueueTime: "x-opt-scheduled-enqueue-time",
} as const;

/** Annotations only the broker sets; a sender's values for them are dropped. */
const BROKER_ANNOTATIONS: ReadonlySet<string> = new Set([
  ANNOTATION.sequenceNumber,
  ANNOTATION.enqueuedTime,
  ANNOTATION.lockedUntil,
  ANNOTATION.messageState,
  ANNOTATION.enqueueSequenceNumber,
  ANNOTATION.deadLetterSource,
]);

const ENCODED_KEY = {
  sequenceNumber: encodeSymbol(ANNOTATION.sequenceNumber),
  enqueuedTime: encodeSymbol(ANNOTATION.enqueuedTime),
  lockedUntil: encodeSymbol(ANNOTATION.lockedUntil),
  messageState: encodeSymbol(ANNOTATION.messageState),
};

export interface StoredSections {
  readonly durable: boolean;
  readonly priority: number | undefined;
  /** The header's first-acquirer flag, kept as the sender set it (Service Bus does not rewrite it). */
  readonly firstAcquirer: boolean;
  /** The header's time to live as the sender set it, in milliseconds. */
  readonly timeToLiveMs: number | undefined;
  /** The sender's message annotations (key and value encodings, in order), minus the broker's own. */
  readonly annotations: Buffer;
  readonly annotationPairs: number;
  /** The whole properties section as received (a message id added when it had none). */
  readonly properties: Buffer | undefined;
  /** The whole application-properties section as received, unless a settlement modified it. */
  readonly applicationProperties: Buffer | undefined;
  /** The body sections and footer, exactly as received. */
  readonly body: Buffer;
}

export interface ParsedMessage {
  readonly sections: StoredSections;
  /** The encoded message-id (type and value), for duplicate detection; undefined when none was set. */
  readonly messageId: Buffer | undefined;
  readonly scheduledEnqueueTime: number | undefined;
}

/** Splits an encoded message into the sections the broker keeps. Throws AmqpDecodeError. */
export function parseMessage(payload: Buffer): ParsedMessage {
  let durable = false;
  let priority: number | undefined;
  let firstAcquirer = false;
  let timeToLiveMs: number | undefined;
  let annotations: Buffer[] = [];
  let annotationPairs = 0;
  let scheduledEnqueueTime: number | undefined;
  let properties: Buffer | undefined;
  let messageId: Buffer | undefined;
  let applicationProperties: Buffer | undefined;
  let body: Buffer = Buffer.alloc(0);

  let offset = 0;
  while (offset < payload.length) {
    const { descriptor, valueOffset } = readDescriptor(payload, offset);
    const code = sectionCode(descriptor);
    if (code >= SECTION.data) {
      body = payload.subarray(offset);
      break;
    }
    if (code === SECTION.header) {
      const { elements, end } = compoundElements(payload, valueOffset);
      const field = (index: number) => {
        const element = elements[index];
        return element ? readScalar(payload, element[0]).value : undefined;
      };
      const durableField = field(0);
      const priorityField = field(1);
      const ttlField = field(2);
      const firstAcquirerField = field(3);
      durable = durableField?.type === "boolean" && durableField.value;
      priority = priorityField?.type === "ubyte" ? priorityField.value : undefined;
      timeToLiveMs = ttlField?.type === "uint" ? ttlField.value : undefined;
      firstAcquirer = firstAcquirerField?.type === "boolean" && firstAcquirerField.value;
      offset = end;
    } else if (code === SECTION.messageAnnotations) {
      const { elements, end } = compoundElements(payload, valueOffset);
      annotations = [];
      annotationPairs = 0;
      for (let index = 0; index + 1 < elements.length; index += 2) {
        const [keyStart, keyEnd] = elements[index] ?? [0, 0];
        const [valueStart, valueEnd] = elements[index + 1] ?? [0, 0];
        const key = readScalar(payload, keyStart).value;
        const name = key.type === "symbol" || key.type === "string" ? key.value : undefined;
        if (name !== undefined && BROKER_ANNOTATIONS.has(name)) continue;
        if (name === ANNOTATION.scheduledEnqueueTime) {
          const when = readScalar(payload, valueStart).value;
          if (when.type === "timestamp") scheduledEnqueueTime = when.value;
        }
        annotations.push(payload.subarray(keyStart, keyEnd), payload.subarray(valueStart, valueEnd));
        annotationPairs++;
      }
      offset = end;
    } else if (code === SECTION.properties) {
      const { elements, end } = compoundElements(payload, valueOffset);
      const first = elements[0];
      if (first && readScalar(payload, first[0]).value.type !== "null") {
        messageId = payload.subarray(first[0], first[1]);
      }
      properties = payload.subarray(offset, end);
      offset = end;
    } else {
      const { end } = compoundElements(payload, valueOffset);
      // Delivery annotations are for one hop only, so they are not stored.
      if (code === SECTION.applicationProperties) applicationProperties = payload.subarray(offset, end);
      offset = end;
    }
  }
  return {
    sections: {
      durable,
      priority,
      firstAcquirer,
      timeToLiveMs,
      annotations: Buffer.concat(annotations),
      annotationPairs,
      properties,
      applicationProperties,
      body,
    },
    messageId,
    scheduledEnqueueTime,
  };
}

/** The encoded messages carried by a batch's data sections. Throws AmqpDecodeError. */
export function splitBatch(payload: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 0;
  while (offset < payload.length) {
    const { descriptor, valueOffset } = readDescriptor(payload, offset);
    const decoded = readScalar(payload, valueOffset);
    if (sectionCode(descriptor) === SECTION.data) {
      if (decoded.value.type !== "binary") throw new AmqpDecodeError("a data section must hold binary");
      messages.push(decoded.value.value);
    }
    offset = decoded.end;
  }
  if (messages.length === 0) throw new AmqpDecodeError("a batch must carry at least one message");
  return messages;
}

/** Gives a message without a message id the one the broker chose, keeping its other properties. */
export function withMessageId(sections: StoredSections, messageId: string): StoredSections {
  const items: Buffer[] = [];
  if (sections.properties) {
    const { valueOffset } = readDescriptor(sections.properties, 0);
    const { elements } = compoundElements(sections.properties, valueOffset);
    for (const [start, end] of elements) items.push(sections.properties.subarray(start, end));
  }
  items[0] = encodeString(messageId);
  return { ...sections, properties: encodeDescribed(SECTION.properties, encodeList(items)) };
}

/** Sets application properties (already encoded values), keeping every other one as it was. */
export function withApplicationProperties(
  sections: StoredSections,
  changes: ReadonlyMap<string, Buffer>,
): StoredSections {
  if (changes.size === 0) return sections;
  const kept: Buffer[] = [];
  let count = 0;
  const existing = sections.applicationProperties;
  if (existing) {
    const { valueOffset } = readDescriptor(existing, 0);
    const { elements } = compoundElements(existing, valueOffset);
    for (let index = 0; index + 1 < elements.length; index += 2) {
      const [keyStart, keyEnd] = elements[index] ?? [0, 0];
      const [, valueEnd] = elements[index + 1] ?? [0, 0];
      const key = readScalar(existing, keyStart).value;
      if ((key.type === "string" || key.type === "symbol") && changes.has(key.value)) continue;
      kept.push(existing.subarray(keyStart, keyEnd), existing.subarray(keyEnd, valueEnd));
      count += 2;
    }
  }
  for (const [name, value] of changes) {
    kept.push(encodeString(name), value);
    count += 2;
  }
  return {
    ...sections,
    applicationProperties: encodeDescribed(
      SECTION.applicationProperties,
      encodeMap(Buffer.concat(kept), count),
    ),
  };
}

export type MessageState = "active" | "deferred" | "scheduled";

/** What the broker stamps on a message each time it hands it out (delivery, peek, receive-deferred). */
export interface DeliveryStamp {
  readonly sequenceNumber: number;
  readonly enqueuedTime: number;
  readonly deliveryCount: number;
  readonly state: MessageState;
  /** The time to live in force, in milliseconds (the header carries it when it fits a uint). */
  readonly timeToLiveMs: number;
  readonly lockedUntil: number | undefined;
}

const UINT_MAX = 0xffff_ffff;
const STATE_CODE: Readonly<Record<MessageState, number | undefined>> = {
  active: undefined,
  deferred: 1,
  scheduled: 2,
};

/** The message as a receiver gets it: a fresh header and annotations, the sender's sections after. */
export function encodeMessage(sections: StoredSections, stamp: DeliveryStamp): Buffer {
  const header = encodeDescribed(
    SECTION.header,
    encodeList([
      encodeBoolean(sections.durable),
      sections.priority === undefined ? encodeNull() : encodeUbyte(sections.priority),
      stamp.timeToLiveMs <= UINT_MAX ? encodeUint(stamp.timeToLiveMs) : encodeNull(),
      encodeBoolean(sections.firstAcquirer),
      encodeUint(stamp.deliveryCount),
    ]),
  );
  const annotationParts = [
    ENCODED_KEY.sequenceNumber,
    encodeLong(stamp.sequenceNumber),
    ENCODED_KEY.enqueuedTime,
    encodeTimestamp(stamp.enqueuedTime),
  ];
  let pairs = 2;
  if (stamp.lockedUntil !== undefined) {
    annotationParts.push(ENCODED_KEY.lockedUntil, encodeTimestamp(stamp.lockedUntil));
    pairs++;
  }
  const state = STATE_CODE[stamp.state];
  if (state !== undefined) {
    annotationParts.push(ENCODED_KEY.messageState, encodeInt(state));
    pairs++;
  }
  annotationParts.push(sections.annotations);
  const annotations = encodeDescribed(
    SECTION.messageAnnotations,
    encodeMap(Buffer.concat(annotationParts), 2 * (pairs + sections.annotationPairs)),
  );
  const parts = [header, annotations];
  if (sections.properties) parts.push(sections.properties);
  if (sections.applicationProperties) parts.push(sections.applicationProperties);
  parts.push(sections.body);
  return Buffer.concat(parts);
}

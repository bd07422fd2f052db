/**
 * The queues and their dead-letter sub-queues: messages, locks and deliveries, with Service Bus's
 * rules for lock expiry, delivery counts, time to live, duplicate detection and scheduling. It knows
 * nothing of AMQP links: receivers are `Consumer`s that say how many messages they can take.
 */
import { randomBytes, randomUUID } from "node:crypto";

import { BrokerError, CONDITION, lockLost } from "./errors.js";
import {
  type DeliveryStamp,
  type MessageState,
  type ParsedMessage,
  type StoredSections,
  withApplicationProperties,
  withMessageId,
} from "./message-format.js";
import { encodeString } from "./amqp-codec.js";
import { MinHeap } from "./min-heap.js";
import { countEntityOperation, type EntityCounts, type OperationCounts } from "./stats.js";
import type { TimerHandle, Timers } from "./timers.js";
import { type QueueSettings, type Topology, queueSettings } from "./topology.js";

export type ReceiveMode = "peekLock" | "receiveAndDelete";

export interface StoredMessage {
  readonly sequenceNumber: number;
  readonly enqueuedTime: number;
  sections: StoredSections;
  deliveryCount: number;
  state: MessageState;
  /** Sent scheduled: Service Bus goes on reporting the state `scheduled` once it is active. */
  readonly sentScheduled: boolean;
  /** The time to live in force: the sender's, capped by the queue's default. */
  readonly timeToLiveMs: number;
  /** Infinity in a dead-letter queue, where time to live is not observed. */
  readonly expiresAt: number;
  lock: MessageLock | undefined;
  /** Whether the message sits in the entity's ready heap. */
  ready: boolean;
  scheduleTimer: TimerHandle | undefined;
}

export interface MessageLock {
  /** The lock token as `$management` carries it: a UUID's 16 bytes in standard order. */
  readonly token: Buffer;
  lockedUntil: number;
  held: boolean;
  timer: TimerHandle | undefined;
  readonly message: StoredMessage;
}

/** A receiver attached to an entity. */
export interface Consumer {
  readonly receiveMode: ReceiveMode;
  /** How many more messages it can take right now. */
  capacity(): number;
  deliver(message: StoredMessage, lock: MessageLock | undefined): void;
}

/** Application properties to set, already encoded (property name → AMQP value). */
export type PropertyChanges = ReadonlyMap<string, Buffer>;

export type Settlement =
  | { readonly kind: "complete" }
  | { readonly kind: "abandon" | "defer"; readonly properties?: PropertyChanges }
  | {
      readonly kind: "deadLetter";
      readonly reason?: string | undefined;
      readonly description?: string | undefined;
      readonly properties?: PropertyChanges;
    };

export interface StoreContext {
  readonly now: () => number;
  readonly timers: Timers;
  readonly operations: OperationCounts;
}

export const DEAD_LETTER_REASON = {
  maxDeliveryCount: "MaxDeliveryCountExceeded",
  expired: "TTLExpiredException",
} as const;

export function deliveryStamp(message: StoredMessage, lock?: MessageLock): DeliveryStamp {
  return {
    sequenceNumber: message.sequenceNumber,
    enqueuedTime: message.enqueuedTime,
    deliveryCount: message.deliveryCount,
    state: message.state === "active" && message.sentScheduled ? "scheduled" : message.state,
    timeToLiveMs: message.timeToLiveMs,
    lockedUntil: lock?.lockedUntil,
  };
}

function deadLetterProperties(
  reason?: string,
  description?: string,
  others?: PropertyChanges,
): PropertyChanges {
  const changes = new Map(others);
  if (reason !== undefined) changes.set("DeadLetterReason", encodeString(reason));
  if (description !== undefined) changes.set("DeadLetterErrorDescription", encodeString(description));
  return changes;
}

/** Unique lock tokens without a random draw per message: a random prefix and a counter. */
function lockTokenFactory(): () => Buffer {
  const prefix = randomBytes(8);
  let counter = 0n;
  return () => {
    const token = Buffer.allocUnsafe(16);
    prefix.copy(token, 0);
    token.writeBigUInt64BE(++counter, 8);
    return token;
  };
}

interface Expiry {
  readonly at: number;
  readonly sequenceNumber: number;
}

export class Entity {
  readonly messages = new Map<number, StoredMessage>();
  private readonly ready = new MinHeap<StoredMessage>((a, b) => a.sequenceNumber < b.sequenceNumber);
  private readonly expiries = new MinHeap<Expiry>((a, b) => a.at < b.at);
  private expiryTimer: TimerHandle | undefined;
  private expiryTimerAt = Infinity;
  private readonly locks = new Map<string, MessageLock>();
  private readonly consumers: Consumer[] = [];
  private nextConsumer = 0;
  private readonly recentMessageIds = new Map<string, { expiresAt: number; sequenceNumber: number }>();
  private nextSequenceNumber = 1;
  private pumping = false;
  private pumpAgain = false;

  constructor(
    /** `queue` or `queue/$DeadLetterQueue`. */
    readonly path: string,
    readonly settings: QueueSettings,
    /** Undefined for a dead-letter queue itself. */
    readonly deadLetterQueue: Entity | undefined,
    private readonly context: StoreContext,
    private readonly newLockToken: () => Buffer,
  ) {}

  get isDeadLetterQueue(): boolean {
    return this.deadLetterQueue === undefined;
  }

  /**
   * Stores what a sender sent, or scheduled (`x-opt-scheduled-enqueue-time`): returns each message's
   * sequence number (a duplicate's is its original's).
   */
  send(messages: readonly ParsedMessage[]): number[] {
    const now = this.context.now();
    const sequenceNumbers = messages.map((parsed) => this.store(parsed, parsed.scheduledEnqueueTime, now));
    this.pump();
    return sequenceNumbers;
  }

  cancelScheduled(sequenceNumbers: readonly number[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      const message = this.messages.get(sequenceNumber);
      if (message?.state === "scheduled") this.remove(message);
    }
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.pump();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (this.nextConsumer > index) this.nextConsumer--;
    if (this.nextConsumer >= this.consumers.length) this.nextConsumer = 0;
  }

  /** Hands ready messages to consumers with capacity, in sequence-number order. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpAgain = false;
    try {
      do this.pumpOnce();
      while (this.takePumpRequest());
    } finally {
      this.pumping = false;
    }
  }

  /** Whether pump() was asked for again while it ran (a delivery can make more messages ready). */
  private takePumpRequest(): boolean {
    const again = this.pumpAgain;
    this.pumpAgain = false;
    return again;
  }

  findLock(token: Buffer): MessageLock | undefined {
    return this.locks.get(token.toString("latin1"));
  }

  /** Settles a locked message; throws `message-lock-lost` when the lock has expired or is unknown. */
  settle(lock: MessageLock, settlement: Settlement): void {
    const now = this.context.now();
    this.assertHeld(lock, now);
    const message = lock.message;
    if (settlement.kind === "deadLetter" && this.isDeadLetterQueue) {
      // Service Bus refuses, and lets the message go at once with its delivery count unchanged.
      this.release(lock);
      this.offerAgain(message);
      throw new BrokerError(
        CONDITION.notAllowed,
        "A message in a dead-letter queue cannot be dead-lettered.",
      );
    }
    this.context.operations.settlements++;
    countEntityOperation(this.context.operations, this.path);
    this.release(lock);
    switch (settlement.kind) {
      case "complete":
        this.remove(message);
        return;
      case "abandon":
        this.changeProperties(message, settlement.properties);
        // An abandon in a dead-letter queue is not counted as a failed delivery.
        if (!this.isDeadLetterQueue) message.deliveryCount++;
        this.afterFailedDelivery(message, now);
        this.pump();
        return;
      case "defer":
        this.changeProperties(message, settlement.properties);
        message.state = "deferred";
        if (message.expiresAt <= now) this.expire(message);
        return;
      case "deadLetter":
        this.moveToDeadLetter(
          message,
          deadLetterProperties(settlement.reason, settlement.description, settlement.properties),
        );
        return;
    }
  }

  /** Extends a held lock by the queue's lock duration; returns the new expiry. */
  renewLock(lock: MessageLock): number {
    const now = this.context.now();
    this.assertHeld(lock, now);
    lock.lockedUntil = now + this.settings.lockDurationMs;
    this.context.timers.cancel(lock.timer);
    lock.timer = this.context.timers.schedule(this.settings.lockDurationMs, () => {
      this.lockExpired(lock);
    });
    return lock.lockedUntil;
  }

  /** `$management` receive-by-sequence-number: deferred messages only, all or nothing. */
  receiveDeferred(
    sequenceNumbers: readonly number[],
    mode: ReceiveMode,
  ): { message: StoredMessage; lock: MessageLock | undefined }[] {
    const now = this.context.now();
    const messages = sequenceNumbers.map((sequenceNumber) => {
      const found = this.messages.get(sequenceNumber);
      if (found?.state === "deferred" && !found.lock && found.expiresAt <= now) this.expire(found);
      const message = this.messages.get(sequenceNumber);
      if (message?.state !== "deferred" || message.lock) {
        throw new BrokerError(
          CONDITION.messageNotFound,
          `The message with sequence number ${sequenceNumber} was not found or is not deferred.`,
        );
      }
      return message;
    });
    return messages.map((message) => {
      this.context.operations.deliveries++;
      countEntityOperation(this.context.operations, this.path);
      // Service Bus counts a receive by sequence number as a further delivery.
      message.deliveryCount++;
      if (mode === "receiveAndDelete") {
        this.remove(message);
        return { message, lock: undefined };
      }
      return { message, lock: this.lock(message, now) };
    });
  }

  /** Messages from a sequence number on, in order: active, locked, deferred and scheduled alike. */
  peek(fromSequenceNumber: number, count: number): StoredMessage[] {
    const found: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (message.sequenceNumber >= fromSequenceNumber) found.push(message);
    }
    return found.sort((a, b) => a.sequenceNumber - b.sequenceNumber).slice(0, count);
  }

  counts(): Omit<EntityCounts, "deadLettered"> {
    let active = 0;
    let locked = 0;
    let scheduled = 0;
    let deferred = 0;
    for (const message of this.messages.values()) {
      if (message.state === "active") active++;
      else if (message.state === "scheduled") scheduled++;
      else deferred++;
      if (message.lock) locked++;
    }
    return { active, locked, scheduled, deferred };
  }

  private store(parsed: ParsedMessage, scheduledAt: number | undefined, now: number): number {
    const window = this.settings.duplicateDetectionWindowMs;
    const idKey = window !== undefined && parsed.messageId ? parsed.messageId.toString("latin1") : undefined;
    if (window !== undefined && idKey !== undefined) {
      for (const [key, seen] of this.recentMessageIds) {
        if (seen.expiresAt > now) break;
        this.recentMessageIds.delete(key);
      }
      const duplicateOf = this.recentMessageIds.get(idKey);
      if (duplicateOf) {
        this.context.operations.duplicatesDropped++;
        return duplicateOf.sequenceNumber;
      }
    }
    const sequenceNumber = this.nextSequenceNumber++;
    if (window !== undefined && idKey !== undefined) {
      this.recentMessageIds.set(idKey, { expiresAt: now + window, sequenceNumber });
    }
    const senderTtl = parsed.sections.timeToLiveMs;
    const timeToLiveMs = Math.min(
      senderTtl !== undefined && senderTtl > 0 ? senderTtl : Infinity,
      this.settings.defaultTimeToLiveMs,
    );
    const scheduled = scheduledAt !== undefined && scheduledAt > now;
    const enqueuedTime = scheduled ? scheduledAt : now;
    const message: StoredMessage = {
      sequenceNumber,
      enqueuedTime,
      // Service Bus gives every message an id; the .NET SDK's default form is a GUID without dashes.
      sections: parsed.messageId
        ? parsed.sections
        : withMessageId(parsed.sections, randomUUID().replaceAll("-", "")),
      deliveryCount: 0,
      state: scheduled ? "scheduled" : "active",
      sentScheduled: scheduled,
      timeToLiveMs,
      expiresAt: enqueuedTime + timeToLiveMs,
      lock: undefined,
      ready: false,
      scheduleTimer: undefined,
    };
    this.messages.set(sequenceNumber, message);
    this.context.operations.messagesStored++;
    if (scheduled) {
      message.scheduleTimer = this.context.timers.schedule(enqueuedTime - now, () => {
        this.activate(message);
      });
    } else {
      this.makeReady(message);
      this.trackExpiry(message);
    }
    return sequenceNumber;
  }

  private activate(message: StoredMessage): void {
    message.scheduleTimer = undefined;
    if (this.messages.get(message.sequenceNumber) !== message) return;
    message.state = "active";
    this.makeReady(message);
    this.trackExpiry(message);
    this.pump();
  }

  /** Makes an active message deliverable again. */
  private offerAgain(message: StoredMessage): void {
    if (message.state !== "active") return;
    this.makeReady(message);
    this.pump();
  }

  /** Takes a message dead-lettered by the entity this queue belongs to. */
  private acceptDeadLetter(message: StoredMessage): void {
    this.messages.set(message.sequenceNumber, message);
    this.offerAgain(message);
  }

  private pumpOnce(): void {
    if (this.consumers.length === 0) return;
    const now = this.context.now();
    while (this.ready.size > 0) {
      const consumer = this.nextConsumerWithCapacity();
      if (!consumer) return;
      const message = this.ready.pop();
      if (!message) return;
      message.ready = false;
      if (
        this.messages.get(message.sequenceNumber) !== message ||
        message.state !== "active" ||
        message.lock
      ) {
        continue;
      }
      if (message.expiresAt <= now) {
        this.expire(message);
        continue;
      }
      this.context.operations.deliveries++;
      countEntityOperation(this.context.operations, this.path);
      if (consumer.receiveMode === "receiveAndDelete") {
        this.remove(message);
        consumer.deliver(message, undefined);
      } else {
        consumer.deliver(message, this.lock(message, now));
      }
    }
  }

  private nextConsumerWithCapacity(): Consumer | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.nextConsumer + step) % count;
      const consumer = this.consumers[index];
      if (consumer && consumer.capacity() > 0) {
        this.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private lock(message: StoredMessage, now: number): MessageLock {
    const lock: MessageLock = {
      token: this.newLockToken(),
      lockedUntil: now + this.settings.lockDurationMs,
      held: true,
      timer: undefined,
      message,
    };
    lock.timer = this.context.timers.schedule(this.settings.lockDurationMs, () => {
      this.lockExpired(lock);
    });
    message.lock = lock;
    this.locks.set(lock.token.toString("latin1"), lock);
    return lock;
  }

  private assertHeld(lock: MessageLock, now: number): void {
    if (!lock.held || this.locks.get(lock.token.toString("latin1")) !== lock) throw lockLost();
    if (now >= lock.lockedUntil) {
      this.lockExpired(lock);
      throw lockLost();
    }
  }

  private release(lock: MessageLock): void {
    lock.held = false;
    this.context.timers.cancel(lock.timer);
    lock.timer = undefined;
    this.locks.delete(lock.token.toString("latin1"));
    if (lock.message.lock === lock) lock.message.lock = undefined;
  }

  private lockExpired(lock: MessageLock): void {
    if (!lock.held) return;
    this.release(lock);
    lock.message.deliveryCount++;
    this.afterFailedDelivery(lock.message, this.context.now());
    this.pump();
  }

  /** After an abandon or an expired lock: dead-letter past the max delivery count, else offer it again. */
  private afterFailedDelivery(message: StoredMessage, now: number): void {
    if (this.messages.get(message.sequenceNumber) !== message) return;
    if (!this.isDeadLetterQueue && message.deliveryCount >= this.settings.maxDeliveryCount) {
      this.moveToDeadLetter(
        message,
        deadLetterProperties(
          DEAD_LETTER_REASON.maxDeliveryCount,
          `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
        ),
      );
      return;
    }
    if (message.expiresAt <= now) {
      this.expire(message);
      return;
    }
    if (message.state === "active") this.makeReady(message);
  }

  private changeProperties(message: StoredMessage, changes: PropertyChanges | undefined): void {
    if (changes && changes.size > 0) message.sections = withApplicationProperties(message.sections, changes);
  }

  private makeReady(message: StoredMessage): void {
    if (message.ready) return;
    message.ready = true;
    this.ready.push(message);
  }

  private remove(message: StoredMessage): void {
    if (message.lock) this.release(message.lock);
    this.context.timers.cancel(message.scheduleTimer);
    message.scheduleTimer = undefined;
    this.messages.delete(message.sequenceNumber);
  }

  private expire(message: StoredMessage): void {
    if (this.settings.deadLetteringOnMessageExpiration && this.deadLetterQueue) {
      this.moveToDeadLetter(
        message,
        deadLetterProperties(DEAD_LETTER_REASON.expired, "The message expired and was dead lettered."),
      );
    } else {
      this.remove(message);
    }
  }

  private moveToDeadLetter(message: StoredMessage, changes: PropertyChanges): void {
    const deadLetterQueue = this.deadLetterQueue;
    if (!deadLetterQueue) return;
    this.remove(message);
    deadLetterQueue.acceptDeadLetter({
      ...message,
      sections: withApplicationProperties(message.sections, changes),
      state: "active",
      // Time to live is not observed in a dead-letter queue.
      expiresAt: Infinity,
      lock: undefined,
      ready: false,
      scheduleTimer: undefined,
    });
  }

  private trackExpiry(message: StoredMessage): void {
    if (!Number.isFinite(message.expiresAt)) return;
    // Entries of settled messages linger until their time; rebuild when they outnumber live ones.
    if (this.expiries.size > 1024 && this.expiries.size > 2 * this.messages.size) this.rebuildExpiries();
    this.expiries.push({ at: message.expiresAt, sequenceNumber: message.sequenceNumber });
    if (message.expiresAt < this.expiryTimerAt) this.armExpiryTimer();
  }

  private rebuildExpiries(): void {
    this.expiries.clear();
    for (const message of this.messages.values()) {
      if (message.state !== "scheduled" && Number.isFinite(message.expiresAt)) {
        this.expiries.push({ at: message.expiresAt, sequenceNumber: message.sequenceNumber });
      }
    }
  }

  private armExpiryTimer(): void {
    this.context.timers.cancel(this.expiryTimer);
    const next = this.expiries.peek();
    this.expiryTimerAt = next ? next.at : Infinity;
    this.expiryTimer = next
      ? this.context.timers.schedule(next.at - this.context.now(), () => {
          this.expireDue();
        })
      : undefined;
  }

  private expireDue(): void {
    const now = this.context.now();
    for (let next = this.expiries.peek(); next && next.at <= now; next = this.expiries.peek()) {
      this.expiries.pop();
      const message = this.messages.get(next.sequenceNumber);
      // A locked message expires when its lock ends; a scheduled one has not started its life yet.
      if (message && message.expiresAt <= now && !message.lock && message.state !== "scheduled") {
        this.expire(message);
      }
    }
    this.armExpiryTimer();
  }
}

/** Every queue of a topology with its dead-letter queue. */
export class EntityStore {
  private readonly entities = new Map<string, { queue: Entity; deadLetter: Entity }>();

  constructor(topology: Topology, context: StoreContext) {
    const newLockToken = lockTokenFactory();
    for (const definition of topology.queues) {
      const settings = queueSettings(definition);
      const deadLetter = new Entity(
        `${definition.name}/$DeadLetterQueue`,
        settings,
        undefined,
        context,
        newLockToken,
      );
      const queue = new Entity(definition.name, settings, deadLetter, context, newLockToken);
      this.entities.set(definition.name.toLowerCase(), { queue, deadLetter });
    }
  }

  /** Entity names are case-insensitive, as in Service Bus. */
  find(queue: string, deadLetter: boolean): Entity | undefined {
    const pair = this.entities.get(queue.toLowerCase());
    return deadLetter ? pair?.deadLetter : pair?.queue;
  }

  counts(): Record<string, EntityCounts> {
    const result: Record<string, EntityCounts> = {};
    for (const { queue, deadLetter } of this.entities.values()) {
      result[queue.path] = { ...queue.counts(), deadLettered: deadLetter.messages.size };
    }
    return result;
  }
}

/**
 * A client's receiver on a queue: the broker's sending link. It counts credit the way the client
 * sees it, answers drains, hands out messages with their lock tokens, and applies the client's
 * dispositions (complete, abandon, defer, dead-letter) as Service Bus does.
 */
import { randomBytes } from "node:crypto";

import {
  type Consumer,
  type Entity,
  type MessageLock,
  type ReceiveMode,
  type Settlement,
  type StoredMessage,
  deliveryStamp,
} from "./entity-store.js";
import { CONDITION, asBrokerError } from "./errors.js";
import { encodeMessage } from "./message-format.js";
import {
  type RheaDelivery,
  type RheaSender,
  dispositionState,
  modifiedAnnotations,
  rejectedErrorInfo,
} from "./rhea-adapter.js";

export type Outcome = "accepted" | "rejected" | "modified" | "released";

const DEAD_LETTER_INFO = new Set(["DeadLetterReason", "DeadLetterErrorDescription"]);

/** Service Bus shows a lock token as a GUID in .NET byte order; the delivery tag carries that order. */
function dotNetOrder(token: Buffer): Buffer {
  const tag = Buffer.from(token);
  tag.writeUInt32LE(token.readUInt32BE(0), 0);
  tag.writeUInt16LE(token.readUInt16BE(4), 4);
  tag.writeUInt16LE(token.readUInt16BE(6), 6);
  return tag;
}

export class ConsumerLink implements Consumer {
  private readonly unsettled = new Map<RheaDelivery, MessageLock>();
  private handedToRhea = 0;
  private drainedCredit = 0;
  private drainRequested = false;
  private closed = false;
  private readonly tagPrefix = randomBytes(8);
  private tagCounter = 0n;

  constructor(
    readonly sender: RheaSender,
    readonly entity: Entity,
    readonly receiveMode: ReceiveMode,
  ) {
    // rhea answers a drain only while credit is left; Service Bus's clients need the answer anyway.
    sender._get_drain = () => this.completeDrain();
  }

  capacity(): number {
    if (this.closed) return 0;
    // rhea lowers credit only when it writes a transfer, on the next tick: count the ones queued.
    const unwritten = this.handedToRhea - (this.sender.delivery_count - this.drainedCredit);
    return Math.max(0, Math.min(this.sender.credit - unwritten, this.sender.session.outgoing.available()));
  }

  deliver(message: StoredMessage, lock: MessageLock | undefined): void {
    const payload = encodeMessage(message.sections, deliveryStamp(message, lock));
    const delivery = this.sender.send(payload, lock ? dotNetOrder(lock.token) : this.nextTag(), 0);
    this.handedToRhea++;
    if (lock) this.unsettled.set(delivery, lock);
  }

  /** The client changed its credit (or asked for a drain). */
  onFlow(): void {
    this.entity.pump();
    if (this.sender._draining) {
      this.drainRequested = true;
      this.sender.issue_flow = true;
      this.sender.connection._register();
    }
  }

  /** The client settled a delivery: apply it, and answer settled, as Service Bus does. */
  onOutcome(outcome: Outcome, delivery: RheaDelivery): void {
    const lock = this.unsettled.get(delivery);
    if (!lock) return;
    this.unsettled.delete(delivery);
    const settlement = settlementFrom(outcome, delivery);
    let answer: unknown;
    try {
      this.entity.settle(lock, settlement);
      answer = answerFor(outcome, settlement);
    } catch (error) {
      const failure = asBrokerError(error);
      answer = dispositionState.rejected({ condition: failure.condition, description: failure.message });
    }
    if (!delivery.remote_settled) {
      delivery.update(true, answer);
      // Settled on both sides now, so rhea may drop it from the session's window.
      delivery.remote_settled = true;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.entity.removeConsumer(this);
    // Locks outlive the link (Service Bus then settles through $management); rhea can forget them.
    for (const delivery of this.unsettled.keys()) {
      delivery.settled = true;
      delivery.remote_settled = true;
    }
    this.unsettled.clear();
  }

  /** Runs as rhea writes this link's flow, after the transfers queued before it. */
  private completeDrain(): boolean {
    if (!this.drainRequested) return false;
    this.drainRequested = false;
    const leftover = Math.max(0, this.sender.credit);
    this.sender.delivery_count += leftover;
    this.drainedCredit += leftover;
    this.sender.credit = 0;
    return true;
  }

  private nextTag(): Buffer {
    const tag = Buffer.allocUnsafe(16);
    this.tagPrefix.copy(tag, 0);
    tag.writeBigUInt64BE(++this.tagCounter, 8);
    return tag;
  }
}

function settlementFrom(outcome: Outcome, delivery: RheaDelivery): Settlement {
  const state = delivery.remote_state;
  switch (outcome) {
    case "accepted":
      return { kind: "complete" };
    case "released":
      return { kind: "abandon" };
    case "modified":
      return {
        kind: state?.undeliverable_here === true ? "defer" : "abandon",
        properties: modifiedAnnotations(state),
      };
    case "rejected": {
      const error = state?.error;
      if (error?.condition === CONDITION.deadLetter) {
        const reason = error.info?.DeadLetterReason;
        const description = error.info?.DeadLetterErrorDescription;
        return {
          kind: "deadLetter",
          reason: typeof reason === "string" ? reason : undefined,
          description: typeof description === "string" ? description : undefined,
          properties: rejectedErrorInfo(state, DEAD_LETTER_INFO),
        };
      }
      return {
        kind: "deadLetter",
        reason: error?.condition ?? undefined,
        description: error?.description ?? undefined,
      };
    }
  }
}

/** The settled state the broker answers with: the receiver's outcome, without any error. */
function answerFor(outcome: Outcome, settlement: Settlement): unknown {
  switch (outcome) {
    case "accepted":
      return dispositionState.accepted();
    case "released":
      return dispositionState.released();
    case "modified":
      return dispositionState.modified(settlement.kind === "defer");
    case "rejected":
      return dispositionState.rejected();
  }
}

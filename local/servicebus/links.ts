/**
 * AMQP links as Service Bus serves them: `$cbs` for tokens, senders and receivers on queues and
 * dead-letter queues, and `$management` request/response links. Refusals follow AMQP: an attach
 * without a terminus, then a detach carrying the error.
 */
import { errorMessage } from "../../shared/errors.js";
import { addressPath, entityUri, parseAddress } from "./addresses.js";
import { Claims, putToken } from "./cbs.js";
import { ConsumerLink } from "./consumer-link.js";
import type { Entity, EntityStore, ReceiveMode } from "./entity-store.js";
import { BrokerError, CONDITION, type Condition, asBrokerError } from "./errors.js";
import { handleManagementRequest } from "./management.js";
import { BATCH_MESSAGE_FORMAT, parseMessage, splitBatch } from "./message-format.js";
import { MAX_MESSAGE_SIZE, assertMessageSize } from "./message-size.js";
import {
  type AmqpError,
  type OutgoingMessage,
  type RheaConnection,
  type RheaDelivery,
  type RheaMessage,
  type RheaReceiver,
  type RheaSender,
  type RheaSession,
  type ServerContainer,
  type ServerEvent,
  rheaInternalsMissing,
} from "./rhea-adapter.js";
import type { SharedAccessKey } from "./sas.js";
import { countEntityOperation, type OperationCounts } from "./stats.js";

/** Marks a plain (format 0) transfer to a queue so rhea hands over its bytes instead of decoding them. */
const PLAIN_MESSAGE_MARKER = 0xffff_fffe;

const SESSION_FILTER = "com.microsoft:session-filter";

type LinkRole =
  | { readonly kind: "reply" }
  | { readonly kind: "cbs" }
  | { readonly kind: "management"; readonly entity: Entity }
  | { readonly kind: "producer"; readonly entity: Entity }
  | { readonly kind: "consumer"; readonly consumer: ConsumerLink };

interface ConnectionState {
  readonly claims: Claims;
  /** Links the client receives replies on, by link name and by target address. */
  readonly replyLinks: Map<string, RheaSender>;
  readonly consumers: Set<ConsumerLink>;
}

export interface LinkHandlerOptions {
  /** The emulator's host, for a client that named none when it opened its connection. */
  readonly hostname: string;
  readonly store: EntityStore;
  readonly credential: SharedAccessKey;
  readonly operations: OperationCounts;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export class LinkHandler {
  private readonly connections = new Map<RheaConnection, ConnectionState>();
  private readonly roles = new WeakMap<object, LinkRole>();

  constructor(private readonly options: LinkHandlerOptions) {}

  register(container: ServerContainer): void {
    container.on("connection_open", (event) => {
      this.state(event.connection);
    });
    container.on("session_open", (event) => {
      if (event.session) this.readQueueTransfersRaw(event.session);
    });
    container.on("sender_open", (event) => {
      if (event.sender) this.onSenderAttach(event.connection, event.sender);
    });
    container.on("receiver_open", (event) => {
      if (event.receiver) this.onReceiverAttach(event.connection, event.receiver);
    });
    container.on("message", (event) => {
      this.onMessage(event);
    });
    container.on("sender_flow", (event) => {
      const role = event.sender && this.roles.get(event.sender);
      if (role?.kind === "consumer") role.consumer.onFlow();
    });
    for (const outcome of ["accepted", "rejected", "modified", "released"] as const) {
      container.on(outcome, (event) => {
        const role = event.sender && this.roles.get(event.sender);
        if (role?.kind === "consumer" && event.delivery) role.consumer.onOutcome(outcome, event.delivery);
      });
    }
    container.on("sender_close", (event) => {
      if (event.sender) this.onLinkClosed(event.sender);
    });
    container.on("receiver_close", (event) => {
      if (event.receiver) this.roles.delete(event.receiver);
    });
    container.on("session_close", (event) => {
      const state = this.connections.get(event.connection);
      for (const consumer of state?.consumers ?? []) {
        if (consumer.sender.session === event.session) this.onLinkClosed(consumer.sender);
      }
    });
    for (const ending of ["connection_close", "disconnected"]) {
      container.on(ending, (event) => {
        this.onConnectionEnded(event.connection);
      });
    }
    // rhea passes these an Error (error, protocol_error) or a context (connection_error).
    for (const failure of ["error", "protocol_error", "connection_error"]) {
      container.on(failure, (event: unknown) => {
        const detail = event instanceof Error ? event : (event as Partial<ServerEvent> | undefined)?.error;
        this.options.log(`${failure}: ${errorMessage(detail)}`);
      });
    }
  }

  /** Closes every open connection (their links go with them). */
  closeAll(error: AmqpError): void {
    for (const connection of [...this.connections.keys()]) {
      connection.close(error);
      this.onConnectionEnded(connection);
    }
  }

  private onConnectionEnded(connection: RheaConnection): void {
    const state = this.connections.get(connection);
    if (!state) return;
    this.connections.delete(connection);
    for (const consumer of state.consumers) consumer.close();
  }

  /** Queue senders' transfers reach the broker as bytes, so each message's sections stay as sent. */
  private readQueueTransfersRaw(session: RheaSession): void {
    const incoming = session.incoming;
    const onTransfer = incoming.on_transfer.bind(incoming);
    incoming.on_transfer = (frame, receiver) => {
      const isFirstFrame = receiver._incomplete === undefined;
      if (
        isFirstFrame &&
        frame.performative.message_format === 0 &&
        this.roles.get(receiver)?.kind === "producer"
      ) {
        frame.performative.message_format = PLAIN_MESSAGE_MARKER;
      }
      onTransfer(frame, receiver);
    };
  }

  private state(connection: RheaConnection): ConnectionState {
    let state = this.connections.get(connection);
    if (!state) {
      state = { claims: new Claims(), replyLinks: new Map(), consumers: new Set() };
      this.connections.set(connection, state);
      this.options.operations.connections++;
    }
    return state;
  }

  /** The client attached a receiver: the broker sends on this link. */
  private onSenderAttach(connection: RheaConnection, sender: RheaSender): void {
    const state = this.state(connection);
    const attach = sender.remote.attach;
    const sourceAddress = attach?.source?.address;
    if (!sourceAddress) {
      this.refuse(sender, CONDITION.notImplemented, "A receiver must name a source address.");
      return;
    }
    const address = parseAddress(sourceAddress);
    if (address.kind === "unsupported") {
      this.refuse(sender, CONDITION.notImplemented, `'${sourceAddress}': ${address.reason}.`);
      return;
    }
    if (address.kind === "cbs") {
      this.acceptReplyLink(state, sender, sourceAddress);
      return;
    }
    const entity = this.entityFor(sender, state, sourceAddress, address.queue, address.deadLetter);
    if (!entity) return;
    if (address.management) {
      this.acceptReplyLink(state, sender, sourceAddress);
      return;
    }
    if (attach.source.filter && SESSION_FILTER in attach.source.filter) {
      this.refuse(sender, CONDITION.notImplemented, "Sessions are not supported by this emulator.");
      return;
    }
    const missing = rheaInternalsMissing(sender);
    if (missing.length > 0) {
      this.refuse(
        sender,
        CONDITION.internalError,
        `This rhea lacks internals the emulator uses (${missing.join(", ")}): install the version package.json pins.`,
      );
      return;
    }
    const receiveMode: ReceiveMode = attach.snd_settle_mode === 1 ? "receiveAndDelete" : "peekLock";
    const consumer = new ConsumerLink(sender, entity, receiveMode);
    this.roles.set(sender, { kind: "consumer", consumer });
    state.consumers.add(consumer);
    this.echoAttach(sender, sourceAddress, attach.target?.address);
    this.options.operations.linksAttached++;
    entity.addConsumer(consumer);
  }

  /** The client attached a sender: the broker receives on this link. */
  private onReceiverAttach(connection: RheaConnection, receiver: RheaReceiver): void {
    const state = this.state(connection);
    const attach = receiver.remote.attach;
    const targetAddress = attach?.target?.address;
    if (!targetAddress) {
      this.refuse(
        receiver,
        CONDITION.notImplemented,
        "Transactions are not supported by this emulator: links must target a queue.",
      );
      return;
    }
    const address = parseAddress(targetAddress);
    if (address.kind === "unsupported") {
      this.refuse(receiver, CONDITION.notImplemented, `'${targetAddress}': ${address.reason}.`);
      return;
    }
    let role: LinkRole;
    if (address.kind === "cbs") {
      role = { kind: "cbs" };
    } else {
      const entity = this.entityFor(receiver, state, targetAddress, address.queue, address.deadLetter);
      if (!entity) return;
      if (address.management) {
        role = { kind: "management", entity };
      } else if (entity.isDeadLetterQueue) {
        this.refuse(
          receiver,
          CONDITION.notAllowed,
          "Messages reach a dead-letter queue only by being dead-lettered; it cannot be sent to.",
        );
        return;
      } else {
        role = { kind: "producer", entity };
        receiver.local.attach.max_message_size = MAX_MESSAGE_SIZE;
      }
    }
    this.roles.set(receiver, role);
    this.echoAttach(receiver, attach.source?.address, targetAddress);
    this.options.operations.linksAttached++;
  }

  private entityFor(
    link: RheaSender | RheaReceiver,
    state: ConnectionState,
    address: string,
    queue: string,
    deadLetter: boolean,
  ): Entity | undefined {
    const entity = this.options.store.find(queue, deadLetter);
    if (!entity) {
      // Named as Service Bus names it: the host the client opened the connection to, then the path.
      const hostname = link.connection.remote.open?.hostname ?? this.options.hostname;
      this.refuse(
        link,
        CONDITION.notFound,
        `The messaging entity '${entityUri(hostname, address)}' could not be found.`,
      );
      return undefined;
    }
    if (!state.claims.allows(addressPath(address), this.options.now())) {
      this.refuse(
        link,
        CONDITION.unauthorized,
        `Unauthorized access to '${address}': put a token on $cbs first.`,
      );
      return undefined;
    }
    return entity;
  }

  private acceptReplyLink(state: ConnectionState, sender: RheaSender, sourceAddress: string): void {
    const targetAddress = sender.remote.attach?.target?.address;
    this.roles.set(sender, { kind: "reply" });
    state.replyLinks.set(sender.name, sender);
    if (targetAddress) state.replyLinks.set(targetAddress, sender);
    this.echoAttach(sender, sourceAddress, targetAddress);
    this.options.operations.linksAttached++;
  }

  private echoAttach(
    link: RheaSender | RheaReceiver,
    source: string | null | undefined,
    target: string | null | undefined,
  ): void {
    const attach = link.remote.attach;
    if (source) link.set_source({ address: source });
    if (target) link.set_target({ address: target });
    // Agree to the client's settlement modes (peek-lock or receive-and-delete).
    const { snd_settle_mode: senderMode, rcv_settle_mode: receiverMode } = attach ?? {};
    if (typeof senderMode === "number") link.local.attach.snd_settle_mode = senderMode;
    if (typeof receiverMode === "number") link.local.attach.rcv_settle_mode = receiverMode;
  }

  private refuse(link: RheaSender | RheaReceiver, condition: Condition, description: string): void {
    this.options.operations.linksRefused++;
    this.options.log(`refused link '${link.name}': ${condition}: ${description}`);
    link.close({ condition, description });
  }

  private onLinkClosed(sender: RheaSender): void {
    const role = this.roles.get(sender);
    this.roles.delete(sender);
    if (role?.kind === "consumer") {
      role.consumer.close();
      this.connections.get(sender.connection)?.consumers.delete(role.consumer);
    }
    if (role?.kind === "reply") {
      const replyLinks = this.connections.get(sender.connection)?.replyLinks;
      for (const [key, link] of replyLinks ?? []) if (link === sender) replyLinks?.delete(key);
    }
  }

  private onMessage(event: ServerEvent): void {
    const { receiver, delivery } = event;
    if (!receiver || !delivery) return;
    const role = this.roles.get(receiver);
    switch (role?.kind) {
      case "producer":
        this.onSend(role.entity, delivery, event.message, event.format);
        return;
      case "cbs":
        this.onCbsRequest(event.connection, delivery, event.message as RheaMessage);
        return;
      case "management":
        this.onManagementRequest(event.connection, role.entity, delivery, event.message as RheaMessage);
        return;
      default:
        delivery.reject({
          condition: CONDITION.notAllowed,
          description: "This link does not take messages.",
        });
    }
  }

  private onSend(
    entity: Entity,
    delivery: RheaDelivery,
    payload: unknown,
    format: number | null | undefined,
  ): void {
    if (!Buffer.isBuffer(payload)) {
      delivery.reject({ condition: CONDITION.decodeError, description: "Expected an encoded message." });
      return;
    }
    try {
      assertMessageSize(payload);
      let encoded: Buffer[];
      if (format === PLAIN_MESSAGE_MARKER || format === null || format === undefined) encoded = [payload];
      else if (format === BATCH_MESSAGE_FORMAT) encoded = splitBatch(payload);
      else throw new BrokerError(CONDITION.notImplemented, `Message format ${format} is not supported.`);
      const parsed = encoded.map(parseMessage);
      this.options.operations.sendRequests++;
      countEntityOperation(this.options.operations, entity.path);
      entity.send(parsed);
      delivery.accept();
    } catch (error) {
      const refusal = asBrokerError(error);
      if (refusal.condition === CONDITION.internalError) this.options.log(refusal.message);
      delivery.reject({ condition: refusal.condition, description: refusal.message });
    }
  }

  private reply(connection: RheaConnection, request: RheaMessage, response: OutgoingMessage): void {
    const replyTo = typeof request.reply_to === "string" ? request.reply_to : undefined;
    const link =
      replyTo === undefined ? undefined : this.connections.get(connection)?.replyLinks.get(replyTo);
    if (!link) {
      this.options.log(`no reply link '${String(replyTo)}' for a request; the response is dropped`);
      return;
    }
    link.send(response);
  }

  private onCbsRequest(connection: RheaConnection, delivery: RheaDelivery, request: RheaMessage): void {
    this.options.operations.cbsPutTokens++;
    const now = this.options.now();
    const outcome = putToken(request, this.options.credential, now);
    if (outcome.claim) this.state(connection).claims.add(outcome.claim, now);
    else this.options.log(`CBS put-token refused (${outcome.statusCode}): ${outcome.description}`);
    delivery.accept();
    this.reply(connection, request, {
      correlation_id: request.message_id,
      application_properties: {
        "status-code": outcome.statusCode,
        "status-description": outcome.description,
      },
    });
  }

  private onManagementRequest(
    connection: RheaConnection,
    entity: Entity,
    delivery: RheaDelivery,
    request: RheaMessage,
  ): void {
    const operation = request.application_properties?.operation;
    const name = typeof operation === "string" ? operation : "(none)";
    const operations = this.options.operations;
    operations.managementRequests++;
    countEntityOperation(operations, entity.path);
    operations.managementByOperation[name] = (operations.managementByOperation[name] ?? 0) + 1;
    const response = handleManagementRequest(entity, name, request.body, this.options.log);
    delivery.accept();
    this.reply(connection, request, {
      correlation_id: request.message_id,
      application_properties: {
        statusCode: response.statusCode,
        statusDescription: response.statusDescription,
        ...(response.errorCondition ? { "error-condition": response.errorCondition } : {}),
      },
      ...(response.body === undefined ? {} : { body: response.body }),
    });
  }
}

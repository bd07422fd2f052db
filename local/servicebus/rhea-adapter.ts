/**
 * The one place that reaches into rhea: typed views of the parts of its server-side objects the
 * broker uses (some of them internals, such as a sender's credit accounting), and the few AMQP
 * values that are simplest to build with rhea's own encoder. The internals are rhea 3.0.5's, the
 * version package.json pins; `rheaInternalsMissing` tells when a link lacks them.
 */
import type { Server } from "node:net";
import rhea from "rhea";

export interface AmqpError {
  readonly condition: string;
  readonly description?: string;
}

export interface RheaTerminus {
  readonly address?: string | null;
  /** Filters by name, as rhea unwraps them. */
  readonly filter?: Readonly<Record<string, unknown>> | null;
}

interface RemoteAttach {
  readonly source?: RheaTerminus | null;
  readonly target?: RheaTerminus | null;
  readonly snd_settle_mode?: number | null;
  readonly rcv_settle_mode?: number | null;
}

interface LocalAttach {
  snd_settle_mode: number;
  rcv_settle_mode: number;
  max_message_size: number;
}

export interface RheaConnection {
  readonly options: { readonly id: string };
  readonly remote: { readonly open?: { readonly hostname?: string | null } };
  close(error?: AmqpError): void;
  /** rhea's internal "process on next tick" request. */
  _register(): void;
}

interface TransferFrame {
  readonly performative: { message_format: number | null | undefined };
}

export interface RheaSession {
  readonly connection: RheaConnection;
  readonly incoming: { on_transfer(frame: TransferFrame, receiver: RheaReceiver): void };
  readonly outgoing: { available(): number };
}

interface RheaLink {
  readonly name: string;
  readonly connection: RheaConnection;
  readonly session: RheaSession;
  readonly remote: { readonly attach?: RemoteAttach };
  readonly local: { readonly attach: LocalAttach };
  set_source(fields: { address: string }): void;
  set_target(fields: { address: string }): void;
  close(error?: AmqpError): void;
}

export interface RheaSender extends RheaLink {
  /** Credit as rhea counts it: lowered only when a transfer is actually written. */
  credit: number;
  delivery_count: number;
  issue_flow: boolean;
  /** Whether the receiver's last flow asked for a drain. */
  readonly _draining: boolean;
  /** Called when rhea writes a flow for this link: true sets the flow's drain flag. */
  _get_drain(): boolean;
  send(payload: Buffer, tag: Buffer, format: number): RheaDelivery;
  send(message: OutgoingMessage): RheaDelivery;
}

/**
 * The rhea internals a consumer link relies on that this sender lacks (empty when all are there).
 * The receiver's `_incomplete` cannot be seen before a multi-frame transfer; large-message tests cover it.
 */
export function rheaInternalsMissing(sender: RheaSender): string[] {
  const checks: [string, boolean][] = [
    ["Connection._register()", typeof sender.connection._register === "function"],
    ["Sender._get_drain()", typeof sender._get_drain === "function"],
    ["Sender._draining", typeof sender._draining === "boolean"],
    ["Session.incoming.on_transfer()", typeof sender.session.incoming.on_transfer === "function"],
  ];
  return checks.filter(([, present]) => !present).map(([name]) => name);
}

export interface RheaReceiver extends RheaLink {
  readonly _incomplete?: unknown;
}

/** A disposition state as rhea unwraps it: its fields by name, and the raw AMQP values in `value`. */
export interface RheaOutcome {
  readonly value?: readonly unknown[];
  readonly undeliverable_here?: boolean | null;
  readonly error?: {
    readonly condition?: string | null;
    readonly description?: string | null;
    readonly info?: Readonly<Record<string, unknown>> | null;
  } | null;
}

export interface RheaDelivery {
  readonly tag: Buffer;
  remote_settled: boolean;
  settled: boolean;
  readonly remote_state?: RheaOutcome;
  update(settled: boolean, state?: unknown): void;
  accept(): void;
  reject(error?: AmqpError): void;
}

/** A message rhea decoded (management and CBS requests). */
export interface RheaMessage {
  readonly message_id?: unknown;
  readonly reply_to?: unknown;
  readonly application_properties?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

export interface OutgoingMessage {
  readonly correlation_id: unknown;
  readonly application_properties: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

/** The parts of a rhea event context the broker reads; which are present depends on the event. */
export interface ServerEvent {
  readonly connection: RheaConnection;
  readonly session?: RheaSession;
  readonly sender?: RheaSender;
  readonly receiver?: RheaReceiver;
  readonly delivery?: RheaDelivery;
  readonly message?: unknown;
  readonly format?: number | null;
  readonly error?: unknown;
}

export interface ServerContainer {
  on(event: string, listener: (event: ServerEvent) => void): void;
  on(event: "error" | "protocol_error" | "connection_error", listener: (event: unknown) => void): void;
  listen(options: Readonly<Record<string, unknown>>): Server;
}

/**
 * A container for one emulator. Clients use SASL ANONYMOUS, or no SASL layer at all (the SDK skips it
 * when its connection string carries a SharedAccessSignature); either way links are authorised by CBS.
 */
export function createServerContainer(id: string): ServerContainer {
  const container = rhea.create_container({ id }) as unknown as ServerContainer & {
    readonly sasl_server_mechanisms: { enable_anonymous(): void };
  };
  container.sasl_server_mechanisms.enable_anonymous();
  return container;
}

interface DescribedOutcome {
  described(): unknown;
}
const outcomes = rhea.message as unknown as {
  accepted(): DescribedOutcome;
  released(): DescribedOutcome;
  rejected(fields: { error?: AmqpError }): DescribedOutcome;
  modified(fields: { undeliverable_here: boolean }): DescribedOutcome;
};

export const dispositionState = {
  accepted: (): unknown => outcomes.accepted().described(),
  released: (): unknown => outcomes.released().described(),
  rejected: (error?: AmqpError): unknown => outcomes.rejected(error ? { error } : {}).described(),
  modified: (undeliverableHere: boolean): unknown =>
    outcomes.modified({ undeliverable_here: undeliverableHere }).described(),
};

interface Typed {
  readonly value: unknown;
}
interface RheaTypes {
  Writer: new () => { write(value: Typed): void; toBuffer(): Buffer };
  wrap_array(values: readonly unknown[], code: number, descriptor: undefined): Typed;
  wrap_uuid(value: Buffer): Typed;
}
const types = rhea.types as unknown as RheaTypes;

function isTyped(value: unknown): value is Typed {
  return typeof value === "object" && value !== null && "value" in value && "type" in value;
}

/** An AMQP map value (as rhea read it, types intact) re-encoded entry by entry: name → encoded value. */
function encodedMapEntries(map: unknown, skip: ReadonlySet<string>): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  if (!isTyped(map) || !Array.isArray(map.value)) return entries;
  const elements: readonly unknown[] = map.value;
  for (let index = 0; index + 1 < elements.length; index += 2) {
    const key = elements[index];
    const value = elements[index + 1];
    if (!isTyped(key) || typeof key.value !== "string" || skip.has(key.value) || !isTyped(value)) continue;
    const writer = new types.Writer();
    writer.write(value);
    entries.set(key.value, writer.toBuffer());
  }
  return entries;
}

/** The message annotations of a `modified` outcome, each value encoded as the receiver sent it. */
export function modifiedAnnotations(outcome: RheaOutcome | undefined): Map<string, Buffer> {
  return encodedMapEntries(outcome?.value?.[2], new Set());
}

/** The info map of a `rejected` outcome's error, minus `skip`, each value encoded as sent. */
export function rejectedErrorInfo(
  outcome: RheaOutcome | undefined,
  skip: ReadonlySet<string>,
): Map<string, Buffer> {
  const error = outcome?.value?.[0];
  const fields = isTyped(error) && Array.isArray(error.value) ? (error.value as readonly unknown[]) : [];
  return encodedMapEntries(fields[2], skip);
}

/** An array of longs, as Service Bus returns sequence numbers. */
export function longArray(values: readonly number[]): unknown {
  return types.wrap_array(values, 0x81, undefined);
}

/** An array of timestamps, as Service Bus returns lock expirations. */
export function timestampArray(milliseconds: readonly number[]): unknown {
  return types.wrap_array(milliseconds, 0x83, undefined);
}

export function uuid(bytes: Buffer): unknown {
  return types.wrap_uuid(bytes);
}

/**
 * A partner portal's webhook receiver, as small as one can be: it takes the service's event
 * deliveries on a loopback port, checks each signature (shared/events/signature.ts) and envelope, and
 * keeps and prints what it got. The demo subscribes it, so a run shows the events a portal receives.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

import { eventEnvelopeSchema, type EventEnvelope } from "../shared/events/catalogue.js";
import { verifyEventSignature } from "../shared/events/signature.js";

export interface EventReceiver {
  /** Where the service delivers: `http://127.0.0.1:<port>/events`. */
  readonly url: string;
  /** Every verified event, in the order it arrived (a redelivery appears again under its id). */
  readonly events: readonly EventEnvelope[];
  /** Deliveries refused: a signature that does not verify or a body that is no event. */
  readonly refused: number;
  /** The subscription's secret, known once the subscription is made. */
  useSecret(secret: string): void;
  /** Resolves with the first verified event that matches, or undefined after `timeoutMs`. */
  waitFor(match: (event: EventEnvelope) => boolean, timeoutMs: number): Promise<EventEnvelope | undefined>;
  close(): Promise<void>;
}

export async function startEventReceiver(
  out: (line: string) => void = () => undefined,
): Promise<EventReceiver> {
  let secret: string | undefined;
  let refused = 0;
  const events: EventEnvelope[] = [];
  const waiters = new Set<() => boolean>();

  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const event = secret === undefined ? undefined : verified(secret, request, body);
      if (event === undefined) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      events.push(event);
      out(
        `   ⇐ event ${event.type} ${event.resource.kind} ${event.resource.id} #${event.sequence} (signature verified)`,
      );
      response.writeHead(200).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/events`,
    events,
    get refused() {
      return refused;
    },
    useSecret(value) {
      secret = value;
    },
    waitFor(match, timeoutMs) {
      return new Promise((resolve) => {
        const check = (): boolean => {
          const found = events.find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(undefined);
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function verified(secret: string, request: IncomingMessage, body: string): EventEnvelope | undefined {
  const timestamp = request.headers["x-timestamp"];
  const signature = request.headers["x-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string") return undefined;
  if (!verifyEventSignature(secret, { timestamp, signature }, body, new Date())) return undefined;
  try {
    const parsed = eventEnvelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

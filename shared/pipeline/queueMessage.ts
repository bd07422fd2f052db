/**
 * Reading a queue message at the processor's door. The host hands the body over parsed when it is
 * JSON, as text when it is not, as bytes when it is not UTF-8; all three are accepted here.
 *
 * A message that fails its schema can never succeed, however often it is retried. The trigger cannot
 * dead-letter it directly (that needs the Service Bus SDK binding, which this app does not use), so
 * the processor throws PoisonMessageError: the host abandons the message on every delivery and
 * Service Bus dead-letters it after the queue's maxDeliveryCount, with this error in the logs.
 */
import { TextDecoder } from "node:util";

import type { z } from "zod";

import { errorMessage } from "../errors.js";
import { addLogFields, logFieldsOf } from "../telemetry/logFields.js";

export class PoisonMessageError extends Error {
  constructor(
    readonly queue: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Poison message on ${queue}: it will be dead-lettered after the queue's maxDeliveryCount. ${problems.join("; ")}`,
    );
    this.name = "PoisonMessageError";
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function readQueueMessage<S extends z.ZodType>(schema: S, queue: string, body: unknown): z.output<S> {
  const decoded = decodeBody(queue, body);
  // Even a poison message's ids, when it has them, go into the logs that say why it failed.
  addLogFields(logFieldsOf(decoded));
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) {
    throw new PoisonMessageError(
      queue,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(message)"}: ${issue.message}`),
    );
  }
  return parsed.data;
}

function decodeBody(queue: string, body: unknown): unknown {
  let text: string;
  if (typeof body === "string") text = body;
  else if (body instanceof Uint8Array) {
    try {
      text = strictUtf8.decode(body);
    } catch {
      throw new PoisonMessageError(queue, ["the body is neither JSON nor UTF-8 text"]);
    }
  } else return body;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PoisonMessageError(queue, [`the body is not JSON: ${errorMessage(error)}`]);
  }
}

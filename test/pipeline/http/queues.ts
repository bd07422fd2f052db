/** Working off the pipeline's queues in this process, as the host's triggers would. */
import type { InvocationContext } from "@azure/functions";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../../functions/processRelationshipMessage.js";
import { QUEUES } from "../../../shared/messaging/messages.js";
import type { PipelineHttp } from "./support.js";

/** Delivers every message now on the relationship and migration queues to its processor, until both are empty. */
export async function workOffQueues(http: PipelineHttp, context: () => InvocationContext): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const relationships = await http.drain(QUEUES.relationships);
    for (const message of relationships) await processRelationshipMessage(message.body, context());
    const migrations = await http.drain(QUEUES.migrations);
    for (const message of migrations) await processMigrationMessage(message.body, context());
    if (relationships.length + migrations.length === 0) return;
  }
}

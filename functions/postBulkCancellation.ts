import { mayRead } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { cancelBatch, readBatchHeader } from "../shared/storage/batches.js";

const spec = ROUTES.postBulkCancellation;

/** Stops a bulk migration's customers not yet submitted; another partner's is 404 (TEN-2). */
export const postBulkCancellation = defineRoute(spec, async ({ rt, caller, params }) => {
  const notFound = () => problem("not-found", `Bulk migration ${params.id} was not found`);
  const header = await readBatchHeader(rt.store, params.id);
  if (header === undefined || !mayRead(caller, header.value.partnerId)) return notFound();
  const cancelled = await cancelBatch(rt.store, params.id, rt.now().toISOString());
  if (cancelled?.cancelledAt === undefined) return notFound();
  return json(200, { id: params.id, cancelledAt: cancelled.cancelledAt });
});

registerRoute(spec, postBulkCancellation);

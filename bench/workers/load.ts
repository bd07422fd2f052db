/**
 * A partner portal load generator in a process of its own: posts signed migration requests,
 * `concurrency` in flight, and answers with each request's status and latency.
 */
import { z } from "zod";

import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { serveParent } from "../lib/child.js";
import { migrationBody, postSigned } from "../lib/http.js";
import { loadRequestSchema } from "../lib/load.js";

serveParent(async (request) => {
  const { url, concurrency, posts } = loadRequestSchema.parse(request);
  const started = performance.now();
  const answers = await mapWithConcurrency(posts, concurrency, (post) =>
    postSigned(url, migrationBody(post.partnerId, post.customerId, post.subscriptionId), post.key),
  );
  return { answers, seconds: (performance.now() - started) / 1000 };
});
process.send?.(z.literal("ready").parse("ready"));

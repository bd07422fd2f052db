/**
 * The local Partner Center for a test file, as usePipelineHttp gives it the emulator: started in
 * beforeAll, the app switched to `live` mode and pointed at it, and its webhooks delivered over real
 * HTTP to a relay that hands each request — headers and raw bytes as sent — to the route's handler,
 * as the host would. Partners' secrets go in a file standing in for Key Vault
 * (PARTNER_CENTER_SECRETS_FILE), as the local stack does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll } from "vitest";

import { postPartnerCenterEvent } from "../../../functions/postPartnerCenterEvent.js";
import { partnerCenterControl } from "../../../local/partner-center/controls.js";
import { linkLocalPartner, type LocalPartnerLink } from "../../../local/partner-center/link.js";
import { startLocalPartnerCenter, type LocalPartnerCenter } from "../../../local/partner-center/server.js";
import { partnerCenterSettings } from "../../../local/stackSettings.js";
import { resetConfigForTests } from "../../../shared/config.js";
import { resetRuntime } from "../../../shared/pipeline/runtime.js";
import { uniqueId } from "../../setup/tables.js";
import { call, type Answer } from "./support.js";

const EVENTS_PATH = /^\/api\/partner-center\/events\/([^/?]+)$/;

export interface PartnerCenterForTests {
  pc: () => LocalPartnerCenter;
  /** Registers a partner tenant in the local Partner Center, its webhook and its secrets; the link to store. */
  link: (partnerId: string) => Promise<LocalPartnerLink>;
  /** A test control of the local Partner Center (POST /_control/...), answered as JSON. */
  control: (path: string, body: unknown) => Promise<Record<string, unknown>>;
  /** Every answer the relay gave, in order. */
  answers: () => readonly Answer[];
  /** What the local Partner Center made for this partner's tenant: its orders, or its transfers. */
  madeFor: <K extends "orders" | "transfers">(kind: K, tenantId: string) => ReturnType<LocalPartnerCenter[K]>;
  /** Every request made as this partner's tenant, in order. */
  requestsAs: (tenantId: string) => ReturnType<LocalPartnerCenter["requests"]>;
  /** The calls made as this partner on a resource ("carts", "transfers"): "METHOD path status", each id of it as {id}. */
  callsAs: (tenantId: string, resource: "carts" | "transfers") => string[];
}

export function usePartnerCenter(): PartnerCenterForTests {
  let pc: LocalPartnerCenter | undefined;
  let relay: Server | undefined;
  let relayUrl = "";
  let dir = "";
  const answers: Answer[] = [];

  beforeAll(async () => {
    pc = await startLocalPartnerCenter({ port: 0 });
    relay = createServer((request, response) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const partnerId = EVENTS_PATH.exec(request.url ?? "")?.[1];
        const headers = Object.fromEntries(
          Object.entries(request.headers).flatMap(([name, value]) =>
            typeof value === "string" ? [[name, value]] : [],
          ),
        );
        const answer =
          partnerId === undefined
            ? { status: 404, headers: {}, body: undefined, text: "" }
            : await call(postPartnerCenterEvent, request.method ?? "POST", request.url ?? "", {
                params: { partnerId: decodeURIComponent(partnerId) },
                rawBytes: Buffer.concat(chunks),
                as: "nobody",
                headers,
              });
        answers.push(answer);
        response.writeHead(answer.status, { "content-type": answer.headers["content-type"] ?? "text/plain" });
        response.end(answer.text);
      })();
    });
    await new Promise<void>((resolve) => relay?.listen(0, "127.0.0.1", resolve));
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "csp-pc-secrets-"));
    Object.assign(
      process.env,
      partnerCenterSettings({ url: pc.url, subject: pc.subject, secretsFile: join(dir, "secrets.json") }),
    );
    resetConfigForTests();
    resetRuntime();
  });

  afterAll(async () => {
    for (const name of Object.keys(partnerCenterSettings({ url: "", subject: "", secretsFile: "" })))
      Reflect.deleteProperty(process.env, name);
    resetConfigForTests();
    resetRuntime();
    await new Promise<void>((resolve) => {
      relay?.closeAllConnections();
      relay?.close(() => {
        resolve();
      });
    });
    await pc?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const started = (): LocalPartnerCenter => {
    if (pc === undefined) throw new Error("the local Partner Center starts in beforeAll");
    return pc;
  };

  const control = (path: string, body: unknown) => partnerCenterControl(started().url, path, body);

  /** Where partner `partnerId`'s events are posted (the URL a partner registers with Partner Center). */
  const webhookUrl = (partnerId: string) => `${relayUrl}/api/partner-center/events/${partnerId}`;

  const madeFor = <K extends "orders" | "transfers">(kind: K, tenantId: string) => {
    const made: readonly { readonly partnerTenantId: string }[] = started()[kind]();
    return made.filter((one) => one.partnerTenantId === tenantId) as ReturnType<LocalPartnerCenter[K]>;
  };

  const requestsAs = (tenantId: string) =>
    started()
      .requests()
      .filter((request) => request.partnerTenantId === tenantId);

  const callsAs = (tenantId: string, resource: "carts" | "transfers") =>
    requestsAs(tenantId)
      .filter((request) => request.path.includes(`/${resource}`))
      .map(
        (request) =>
          `${request.method} ${request.path.replace(new RegExp(`/${resource}/[^/]+`), `/${resource}/{id}`)} ${String(request.status)}`,
      );

  return {
    pc: started,
    control,
    answers: () => answers,
    madeFor,
    requestsAs,
    callsAs,
    link: (partnerId) =>
      linkLocalPartner({
        partnerCenterUrl: started().url,
        secretsFile: join(dir, "secrets.json"),
        partnerId,
        webhookUrl: webhookUrl(partnerId),
        tenantId: uniqueId("tenant"),
      }),
  };
}

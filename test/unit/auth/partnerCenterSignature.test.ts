/**
 * PC-1: Partner Center's signature over an event — the certificate URL's origin on the allow-list,
 * the certificate fetched once and cached, valid now and issued to the expected subject, and
 * RSA-SHA256 over the raw body. Every way to get one of these wrong is refused.
 */
import { createSign } from "node:crypto";

import { beforeAll, describe, expect, it } from "vitest";

import {
  makeSigningCertificate,
  type SigningCertificate,
} from "../../../local/partner-center/certificate.js";
import { PartnerCenterSignatureVerifier } from "../../../shared/auth/partnerCenterSignature.js";

const ORIGIN = "https://api.partnercenter.microsoft.com";
const SUBJECT = "api.partnercenter.microsoft.com";
const CERT_URL = `${ORIGIN}/signing/certificate.pem`;
const body = Buffer.from(
  JSON.stringify({ EventName: "test-created", ResourceUri: `${ORIGIN}/webhooks/v1/x`, ResourceName: "test" }),
);
const DAY = 86_400_000;

let good: SigningCertificate;
let other: SigningCertificate;
let wrongSubject: SigningCertificate;
let expired: SigningCertificate;

beforeAll(async () => {
  [good, other, wrongSubject, expired] = await Promise.all([
    makeSigningCertificate(SUBJECT),
    makeSigningCertificate(SUBJECT),
    makeSigningCertificate("someone-else.example"),
    makeSigningCertificate(SUBJECT, {
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    }),
  ]);
});

function sign(bytes: Buffer, key: SigningCertificate): string {
  return createSign("RSA-SHA256").update(bytes).sign(key.privateKeyPem, "base64");
}

/** A verifier whose certificate URLs serve `served` (url → PEM), counting fetches. */
function verifierServing(served: Record<string, string>) {
  const fetched: string[] = [];
  const verifier = new PartnerCenterSignatureVerifier({
    origins: [ORIGIN],
    subject: SUBJECT,
    fetchCertificate: (url) => {
      fetched.push(url);
      const pem = served[url];
      return pem === undefined ? Promise.reject(new Error("404")) : Promise.resolve(pem);
    },
  });
  return { verifier, fetched };
}

describe("PC-1 — Partner Center's signature over the raw body", () => {
  it("takes a body signed with the certificate's key", async () => {
    const { verifier } = verifierServing({ [CERT_URL]: good.certificatePem });
    const checked = await verifier.verify(
      { authorization: `Signature ${sign(body, good)}`, certificateUrl: CERT_URL, algorithm: "rsa-sha256" },
      body,
      new Date(),
    );
    expect(checked.ok).toBe(true);
  });

  it.each([
    {
      case: "a signature by another key (forged)",
      headers: () => ({ authorization: `Signature ${sign(body, other)}`, certificateUrl: CERT_URL }),
      reason: /does not match/,
    },
    {
      case: "a body changed after signing",
      headers: () => ({ authorization: `Signature ${sign(Buffer.from(`${body.toString()} `), good)}` }),
      reason: /does not match/,
    },
    {
      case: "a certificate URL off the allow-list",
      headers: () => ({ certificateUrl: "https://attacker.example/certificate.pem" }),
      reason: /not an allowed Partner Center origin/,
    },
    {
      case: "the allowed host over another scheme",
      headers: () => ({ certificateUrl: "http://api.partnercenter.microsoft.com/signing/certificate.pem" }),
      reason: /not an allowed Partner Center origin/,
    },
    {
      case: "no certificate URL",
      headers: () => ({ certificateUrl: null }),
      reason: /must be a URL/,
    },
    {
      case: "a certificate issued to someone else",
      headers: () => ({
        authorization: `Signature ${sign(body, wrongSubject)}`,
        certificateUrl: `${ORIGIN}/wrong-subject.pem`,
      }),
      reason: /not issued to api\.partnercenter\.microsoft\.com/,
    },
    {
      case: "an expired certificate",
      headers: () => ({
        authorization: `Signature ${sign(body, expired)}`,
        certificateUrl: `${ORIGIN}/expired.pem`,
      }),
      reason: /not valid now/,
    },
    {
      case: "a certificate URL that serves nothing",
      headers: () => ({ certificateUrl: `${ORIGIN}/missing.pem` }),
      reason: /could not be read/,
    },
    {
      case: "another algorithm",
      headers: () => ({ algorithm: "rsa-sha1" }),
      reason: /must be rsa-sha256/,
    },
    {
      case: "no signature",
      headers: () => ({ authorization: "Signature " }),
      reason: /Signature <base64>/,
    },
  ])("refuses $case", async ({ headers, reason }) => {
    const { verifier } = verifierServing({
      [CERT_URL]: good.certificatePem,
      [`${ORIGIN}/wrong-subject.pem`]: wrongSubject.certificatePem,
      [`${ORIGIN}/expired.pem`]: expired.certificatePem,
    });
    const checked = await verifier.verify(
      {
        authorization: `Signature ${sign(body, good)}`,
        certificateUrl: CERT_URL,
        algorithm: "rsa-sha256",
        ...headers(),
      },
      body,
      new Date(),
    );
    expect(checked).toEqual({ ok: false, reason: expect.stringMatching(reason) as unknown });
  });

  it("fetches a certificate once for every event signed under it, and again after a failed fetch", async () => {
    let fail = true;
    const fetched: string[] = [];
    const verifier = new PartnerCenterSignatureVerifier({
      origins: [ORIGIN],
      subject: SUBJECT,
      fetchCertificate: (url) => {
        fetched.push(url);
        if (fail) {
          fail = false;
          return Promise.reject(new Error("unreachable"));
        }
        return Promise.resolve(good.certificatePem);
      },
    });
    const headers = {
      authorization: `Signature ${sign(body, good)}`,
      certificateUrl: CERT_URL,
      algorithm: "rsa-sha256",
    };
    expect((await verifier.verify(headers, body, new Date())).ok).toBe(false);
    const results = await Promise.all([1, 2, 3].map(() => verifier.verify(headers, body, new Date())));
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(fetched).toEqual([CERT_URL, CERT_URL]);
  });

  it("refuses a cached certificate once it has expired", async () => {
    const { verifier } = verifierServing({ [CERT_URL]: good.certificatePem });
    const headers = {
      authorization: `Signature ${sign(body, good)}`,
      certificateUrl: CERT_URL,
      algorithm: "rsa-sha256",
    };
    expect((await verifier.verify(headers, body, new Date())).ok).toBe(true);
    const later = await verifier.verify(headers, body, new Date(Date.now() + 3 * DAY));
    expect(later).toEqual({ ok: false, reason: "The signing certificate is not valid now" });
  });
});

/**
 * The local Partner Center's signing certificate: a fresh self-signed RSA certificate per start.
 * node:crypto signs and verifies but cannot issue an X.509 certificate, so `selfsigned` (a
 * development dependency: only the local tools use it) makes one.
 */
import { generate } from "selfsigned";

export interface SigningCertificate {
  /** PEM of the certificate, as served at the certificate URL. */
  certificatePem: string;
  /** PEM of the private key; it never leaves the process. */
  privateKeyPem: string;
}

const DAY_MS = 86_400_000;

export async function makeSigningCertificate(
  subject: string,
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<SigningCertificate> {
  const notBefore = validity.notBefore ?? new Date(Date.now() - 60_000);
  const made = await generate([{ name: "commonName", value: subject }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: notBefore,
    notAfterDate: validity.notAfter ?? new Date(notBefore.getTime() + 2 * DAY_MS),
  });
  return { certificatePem: made.cert, privateKeyPem: made.private };
}

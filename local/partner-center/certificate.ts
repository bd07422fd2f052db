/**
 * The local Partner Center's signing certificate: a fresh self-signed RSA certificate per start,
 * made by the `openssl` command (node:crypto signs and verifies but cannot issue X.509
 * certificates, and no npm dependency is needed for a development tool that Debian's openssl does).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SigningCertificate {
  /** PEM of the certificate, as served at the certificate URL. */
  certificatePem: string;
  /** PEM of the private key; it never leaves the process. */
  privateKeyPem: string;
}

export async function makeSigningCertificate(subject: string, days = 2): Promise<SigningCertificate> {
  const dir = await mkdtemp(join(tmpdir(), "local-partner-center-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await run("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
      "-subj", `/CN=${subject}`, "-days", String(days), "-keyout", key, "-out", cert,
    ]);
    return { certificatePem: await readFile(cert, "utf8"), privateKeyPem: await readFile(key, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

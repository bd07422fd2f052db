/**
 * Partner Center's proof that it sent an event: `Authorization: Signature <base64>` is an
 * RSA-SHA256 (PKCS #1 v1.5) signature of the raw body under the key of the certificate at
 * `X-MS-Certificate-Url`. The URL's origin must be on the allow-list before anything is fetched;
 * the certificate is fetched once per URL and cached, and must be within its validity and carry the
 * expected subject. node:crypto does all the cryptography; only the header rules are written here.
 */
import { createVerify, X509Certificate } from "node:crypto";

export const CERTIFICATE_URL_HEADER = "x-ms-certificate-url";
export const SIGNATURE_ALGORITHM_HEADER = "x-ms-signature-algorithm";

export type SignatureCheck = { ok: true; thumbprint: string } | { ok: false; reason: string };

export interface PartnerCenterSignatureOptions {
  /** Origins (scheme, host, port) the certificate may come from. */
  origins: readonly string[];
  /** The common name the certificate's subject must carry. */
  subject: string;
  /** How the certificate is fetched (tests count the fetches). */
  fetchCertificate?: (url: string) => Promise<string | Buffer>;
}

const CERTIFICATE_FETCH_TIMEOUT_MS = 5_000;
/** Partner Center signs with one certificate at a time (two across a rotation): a few URLs is plenty. */
const MAX_CACHED_CERTIFICATES = 8;

async function fetchOverHttp(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`the certificate at ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export class PartnerCenterSignatureVerifier {
  private readonly certificates = new Map<string, Promise<X509Certificate>>();
  private readonly fetchCertificate: (url: string) => Promise<string | Buffer>;

  constructor(private readonly options: PartnerCenterSignatureOptions) {
    this.fetchCertificate = options.fetchCertificate ?? fetchOverHttp;
  }

  async verify(
    headers: { authorization: string | null; certificateUrl: string | null; algorithm: string | null },
    body: Buffer,
    now: Date,
  ): Promise<SignatureCheck> {
    const signature = /^Signature ([A-Za-z0-9+/=]+)$/.exec(headers.authorization ?? "")?.[1];
    if (signature === undefined) return { ok: false, reason: "Authorization must be 'Signature <base64>'" };
    if (headers.algorithm?.toLowerCase() !== "rsa-sha256") {
      return { ok: false, reason: "X-MS-Signature-Algorithm must be rsa-sha256" };
    }
    let url: URL;
    try {
      url = new URL(headers.certificateUrl ?? "");
    } catch {
      return { ok: false, reason: "X-MS-Certificate-Url must be a URL" };
    }
    if (!this.options.origins.includes(url.origin)) {
      return {
        ok: false,
        reason: `The certificate URL's origin ${url.origin} is not an allowed Partner Center origin`,
      };
    }
    let certificate: X509Certificate;
    try {
      certificate = await this.certificate(url.href);
    } catch (error) {
      return { ok: false, reason: `The certificate could not be read: ${(error as Error).message}` };
    }
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      return { ok: false, reason: "The signing certificate is not valid now" };
    }
    const commonNames = certificate.subject
      .split("\n")
      .filter((part) => part.startsWith("CN="))
      .map((part) => part.slice(3));
    if (!commonNames.includes(this.options.subject)) {
      return { ok: false, reason: `The signing certificate is not issued to ${this.options.subject}` };
    }
    const verifier = createVerify("RSA-SHA256");
    verifier.update(body);
    if (!verifier.verify(certificate.publicKey, Buffer.from(signature, "base64"))) {
      return { ok: false, reason: "The signature does not match the body" };
    }
    return { ok: true, thumbprint: certificate.fingerprint256 };
  }

  /** Once per URL; a failed fetch is forgotten, so the next event tries again. */
  private certificate(url: string): Promise<X509Certificate> {
    let cached = this.certificates.get(url);
    if (cached === undefined) {
      // The oldest goes first, so URLs sent to fill the cache cannot grow it without bound.
      const oldest = this.certificates.keys().next();
      if (this.certificates.size >= MAX_CACHED_CERTIFICATES && oldest.done !== true) {
        this.certificates.delete(oldest.value);
      }
      cached = this.fetchCertificate(url).then((bytes) => new X509Certificate(bytes));
      cached.catch(() => this.certificates.delete(url));
      this.certificates.set(url, cached);
    }
    return cached;
  }
}

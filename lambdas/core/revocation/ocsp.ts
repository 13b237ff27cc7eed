/**
 * OCSP (RFC 6960) with pkijs: the request for one certificate, and the verdict of a response — fetched
 * or stapled. A response counts when it is signed by the issuer or by a responder the issuer certified
 * directly for OCSP signing (§4.2.2.2), answers for this certificate's CertID, and is current.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Certificate } from '../x509/certificate';
import { certificateParts, children, content, readTlv, serialHex } from '../x509/der';
import { canonicalName } from '../x509/dn';
import { DIGEST_SHA1, DIGESTS, EKU_OCSP_SIGNING, OCSP_BASIC } from '../x509/oids';
import {
  currency,
  type RevocationErrorCode,
  type RevocationSource,
  reasonName,
  type SourceVerdict,
  unknownVerdict,
} from './model';
import { UnsupportedSignatureError, verifySignature } from './signature';

/** Most certificates a response may carry for certwatch to look at (a responder sends one or none). */
const MAX_RESPONSE_CERTS = 8;

/** responseStatus names (RFC 6960 §4.2.1); 4 is unused. */
const RESPONSE_STATUS = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  null,
  'sigRequired',
  'unauthorized',
];

/** The subjectPublicKey bits of a certificate (what CertID's issuerKeyHash and byKey responder IDs hash). */
function keyBits(cert: Certificate): Uint8Array {
  const spki = cert.spkiDer;
  const [, bitString] = children(spki, readTlv(spki, 0));
  return content(spki, bitString).subarray(1);
}

function digest(algorithm: string, data: Uint8Array): Buffer {
  return createHash(algorithm).update(data).digest();
}

/** A DER OCSPRequest for `cert` (issued by `issuer`), CertID with SHA-1 as responders expect (RFC 5019 §2.1.1). */
export function buildOcspRequest(cert: Certificate, issuer: Certificate): Uint8Array {
  const reqCert = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: digest('sha1', certificateParts(cert.der).issuer) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: digest('sha1', keyBits(issuer)) }),
    serialNumber: new asn1js.Integer({ valueHex: certificateParts(cert.der).serial }),
  });
  const request = new pkijs.OCSPRequest({
    tbsRequest: new pkijs.TBSRequest({ requestList: [new pkijs.Request({ reqCert })] }),
  });
  return new Uint8Array(request.toSchema(true).toBER(false));
}

/** What a response is judged against. */
export interface OcspContext {
  cert: Certificate;
  issuer: Certificate;
  now: Date;
  source: Extract<RevocationSource, 'ocsp' | 'stapled'>;
  /** The responder's URL (null for a stapled response). */
  url: string | null;
}

class Refusal extends Error {
  constructor(
    readonly code: RevocationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(
  bytes: Uint8Array,
  what: string,
  build: (schema: asn1js.AsnType) => T,
): { value: T; asn1: asn1js.AsnType } {
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1 || asn1.offset !== bytes.byteLength) throw new Refusal('MALFORMED', `not a DER ${what}`);
  try {
    return { value: build(asn1.result), asn1: asn1.result };
  } catch (error) {
    throw new Refusal('MALFORMED', `not a ${what}: ${(error as Error).message}`);
  }
}

function basicResponse(der: Uint8Array): { basic: pkijs.BasicOCSPResponse; certs: Certificate[] } {
  const { value: response } = parse(der, 'OCSP response', (schema) => new pkijs.OCSPResponse({ schema }));
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) {
    throw new Refusal('RESPONDER_UNKNOWN', `the responder answered ${RESPONSE_STATUS[status] ?? `status ${status}`}`);
  }
  if (!response.responseBytes) throw new Refusal('MALFORMED', 'a successful response without responseBytes');
  if (response.responseBytes.responseType !== OCSP_BASIC) {
    throw new Refusal('UNSUPPORTED', `response type ${response.responseBytes.responseType} is not id-pkix-ocsp-basic`);
  }
  const { value: basic, asn1 } = parse(
    response.responseBytes.response.valueBlock.valueHexView,
    'BasicOCSPResponse',
    (schema) => new pkijs.BasicOCSPResponse({ schema }),
  );
  // The certificates exactly as encoded (pkijs would re-encode them).
  const wrapper = (asn1 as asn1js.Sequence).valueBlock.value.find((v) => v.idBlock.tagClass === 3);
  const list = (wrapper as asn1js.Constructed | undefined)?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const ders = (list?.valueBlock.value ?? []).slice(0, MAX_RESPONSE_CERTS).map((c) => c.valueBeforeDecodeView);
  const certs: Certificate[] = [];
  for (const certDer of ders) {
    try {
      certs.push(Certificate.fromDer(certDer));
    } catch {
      // An unreadable certificate in the response cannot be the signer: skip it.
    }
  }
  return { basic, certs };
}

function matchingResponse(basic: pkijs.BasicOCSPResponse, context: OcspContext): pkijs.SingleResponse {
  const parts = certificateParts(context.cert.der);
  const serial = Buffer.from(parts.serial);
  const bits = keyBits(context.issuer);
  const seen: string[] = [];
  for (const single of basic.tbsResponseData.responses) {
    const id = single.certID;
    const algorithm = DIGESTS[id.hashAlgorithm.algorithmId];
    const theirSerial = Buffer.from(id.serialNumber.valueBlock.valueHexView);
    seen.push(serialHex(theirSerial));
    if (!algorithm || !serial.equals(theirSerial)) continue;
    const nameHash = Buffer.from(id.issuerNameHash.valueBlock.valueHexView);
    const keyHash = Buffer.from(id.issuerKeyHash.valueBlock.valueHexView);
    if (nameHash.equals(digest(algorithm, parts.issuer)) && keyHash.equals(digest(algorithm, bits))) return single;
  }
  throw new Refusal(
    'OUT_OF_SCOPE',
    `the response is for another certificate (serial ${seen.join(', ') || 'none'}, not ${context.cert.serial})`,
  );
}

/** The certificate that signed the response, checked for authority (RFC 6960 §4.2.2.2). */
function signerOf(basic: pkijs.BasicOCSPResponse, certs: readonly Certificate[], context: OcspContext): Certificate {
  const { issuer, now } = context;
  const id = basic.tbsResponseData.responderID as pkijs.RelativeDistinguishedNames | asn1js.OctetString;
  let matches: (candidate: Certificate) => boolean;
  if (id instanceof asn1js.OctetString) {
    const hash = Buffer.from(id.valueBlock.valueHexView);
    matches = (candidate) => digest('sha1', keyBits(candidate)).equals(hash);
  } else {
    const name = canonicalName(new Uint8Array(id.valueBeforeDecode));
    matches = (candidate) => candidate.subjectKey === name;
  }
  if (matches(issuer)) return issuer;
  const responder = certs.find(matches);
  if (!responder) {
    throw new Refusal(
      'UNAUTHORIZED_SIGNER',
      'the response is signed neither by the issuer nor by a responder certificate it carries',
    );
  }
  if (responder.isEquivalentTo(issuer)) return responder;
  if (responder.issuerKey !== issuer.subjectKey || !responder.isSignedBy(issuer)) {
    throw new Refusal(
      'UNAUTHORIZED_SIGNER',
      `the responder ${responder.subject} is not certified by the issuer ${issuer.subject}`,
    );
  }
  if (!responder.extensions.extKeyUsage?.includes(EKU_OCSP_SIGNING)) {
    throw new Refusal('UNAUTHORIZED_SIGNER', `the responder ${responder.subject} lacks id-kp-OCSPSigning`);
  }
  if (responder.notBefore > now || responder.notAfter < now) {
    throw new Refusal('UNAUTHORIZED_SIGNER', `the responder certificate ${responder.subject} is not valid now`);
  }
  return responder;
}

function checkSignature(basic: pkijs.BasicOCSPResponse, signer: Certificate): void {
  const algorithm = new Uint8Array(basic.signatureAlgorithm.toSchema().toBER(false));
  const bits = basic.signature.valueBlock;
  const signature = new Uint8Array([bits.unusedBits, ...bits.valueHexView]);
  let valid: boolean;
  try {
    valid = verifySignature(algorithm, signer.spkiDer, basic.tbsResponseData.tbsView, signature);
  } catch (error) {
    if (error instanceof UnsupportedSignatureError) throw new Refusal('UNSUPPORTED', error.message);
    throw error;
  }
  if (!valid) throw new Refusal('BAD_SIGNATURE', `the signature does not verify with ${signer.subject}'s key`);
}

function statusOf(single: pkijs.SingleResponse): {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: number;
} {
  const status = single.certStatus as asn1js.BaseBlock & { valueBlock: { value?: asn1js.AsnType[] } };
  switch (status.idBlock.tagNumber) {
    case 0:
      return { status: 'good' };
    case 1: {
      const [time, reason] = status.valueBlock.value ?? [];
      if (!(time instanceof asn1js.GeneralizedTime))
        throw new Refusal('MALFORMED', 'RevokedInfo without revocationTime');
      const code = (reason as asn1js.Constructed | undefined)?.valueBlock.value[0] as asn1js.Enumerated | undefined;
      return { status: 'revoked', revokedAt: time.toDate(), reason: code?.valueBlock.valueDec };
    }
    default:
      return { status: 'unknown' };
  }
}

/** The verdict of an OCSP response on `context.cert`. Never throws. */
export function judgeOcspResponse(der: Uint8Array, context: OcspContext): SourceVerdict {
  const { source, url } = context;
  let times: { thisUpdate: string | null; nextUpdate: string | null } = { thisUpdate: null, nextUpdate: null };
  try {
    const { basic, certs } = basicResponse(der);
    const single = matchingResponse(basic, context);
    const nextUpdate = single.nextUpdate?.getTime() ?? null;
    times = {
      thisUpdate: single.thisUpdate.toISOString(),
      nextUpdate: nextUpdate === null ? null : new Date(nextUpdate).toISOString(),
    };
    checkSignature(basic, signerOf(basic, certs, context));
    const stale = currency(single.thisUpdate.getTime(), nextUpdate, context.now);
    if (stale) throw new Refusal('NOT_CURRENT', stale);
    const answer = statusOf(single);
    if (answer.status === 'unknown')
      throw new Refusal('RESPONDER_UNKNOWN', 'the responder does not know this certificate');
    if (answer.status === 'good') return { status: 'good', source, url, ...times };
    return {
      status: 'revoked',
      source,
      url,
      ...times,
      revokedAt: answer.revokedAt?.toISOString(),
      reason: reasonName(answer.reason ?? 0) ?? 'unspecified',
    };
  } catch (error) {
    if (error instanceof Refusal) return unknownVerdict(source, url, error.code, error.message, times);
    return unknownVerdict(source, url, 'MALFORMED', `unreadable OCSP response: ${(error as Error).message}`, times);
  }
}

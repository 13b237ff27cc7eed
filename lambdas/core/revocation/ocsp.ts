/**
 * OCSP (RFC 6960): the request for one certificate, and the verdict of a response — fetched or stapled.
 * A response counts when it is signed by the issuer or by a responder the issuer certified directly for
 * OCSP signing (§4.2.2.2), answers for this certificate's CertID, and is current. Read and written with
 * the core's strict DER reader (pkijs's OCSP classes would add 29 kB to the handler's 600 kB budget).
 */
import { createHash } from 'node:crypto';
import { Certificate } from '../x509/certificate';
import {
  certificateParts,
  children,
  content,
  DerError,
  decodeOid,
  decodeTime,
  encodeTlv,
  encoding,
  readTlv,
  serialHex,
  TAG_BIT_STRING,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  type Tlv,
} from '../x509/der';
import { canonicalName } from '../x509/dn';
import { DIGESTS, EKU_OCSP_SIGNING, OCSP_BASIC } from '../x509/oids';
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

/** id-sha1 with NULL parameters: the CertID hash responders expect (RFC 5019 §2.1.1). */
const SHA1_ALGORITHM = Buffer.from('300906052b0e03021a0500', 'hex');

/** The subjectPublicKey bits of a certificate (what CertID's issuerKeyHash and byKey responder IDs hash). */
function keyBits(cert: Certificate): Uint8Array {
  const spki = cert.spkiDer;
  const [, bitString] = children(spki, readTlv(spki, 0));
  return content(spki, bitString).subarray(1);
}

function digest(algorithm: string, data: Uint8Array): Buffer {
  return createHash(algorithm).update(data).digest();
}

/** A DER OCSPRequest for `cert` (issued by `issuer`): one SHA-1 CertID, no nonce, unsigned. */
export function buildOcspRequest(cert: Certificate, issuer: Certificate): Uint8Array {
  const parts = certificateParts(cert.der);
  const certId = encodeTlv(
    TAG_SEQUENCE,
    Buffer.concat([
      SHA1_ALGORITHM,
      encodeTlv(TAG_OCTET_STRING, digest('sha1', parts.issuer)),
      encodeTlv(TAG_OCTET_STRING, digest('sha1', keyBits(issuer))),
      encodeTlv(0x02, parts.serial),
    ]),
  );
  const requestList = encodeTlv(TAG_SEQUENCE, encodeTlv(TAG_SEQUENCE, certId));
  return encodeTlv(TAG_SEQUENCE, encodeTlv(TAG_SEQUENCE, requestList));
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

/** The elements of a SEQUENCE that must be the whole of `buf` (or of `within`). */
function sequence(buf: Uint8Array, what: string, within?: Tlv): { tlv: Tlv; parts: Tlv[] } {
  const tlv = within ?? readTlv(buf, 0);
  if (tlv.tag !== TAG_SEQUENCE) throw new DerError(`${what}: expected SEQUENCE`);
  if (!within && tlv.end !== buf.length) throw new DerError(`${what}: trailing octets`);
  return { tlv, parts: children(buf, tlv) };
}

/** A BasicOCSPResponse, located in its bytes. */
interface Basic {
  der: Uint8Array;
  tbs: Tlv;
  algorithm: Tlv;
  signature: Tlv;
  responderId: Tlv;
  responses: Tlv[];
  certs: Certificate[];
}

function basicResponse(der: Uint8Array): Basic {
  const { parts: outer } = sequence(der, 'OCSPResponse');
  const [status, bytes] = outer;
  if (!status || status.tag !== 0x0a || status.end - status.contentStart !== 1) {
    throw new DerError('OCSPResponse: no responseStatus');
  }
  const code = der[status.contentStart];
  if (code !== 0)
    throw new Refusal('RESPONDER_UNKNOWN', `the responder answered ${RESPONSE_STATUS[code] ?? `status ${code}`}`);
  if (!bytes || bytes.tag !== 0xa0) throw new Refusal('MALFORMED', 'a successful response without responseBytes');
  const [typeTlv, octets] = sequence(der, 'ResponseBytes', children(der, bytes)[0]).parts;
  if (!typeTlv || typeTlv.tag !== TAG_OID || !octets || octets.tag !== TAG_OCTET_STRING) {
    throw new DerError('ResponseBytes: malformed');
  }
  const type = decodeOid(content(der, typeTlv));
  if (type !== OCSP_BASIC) throw new Refusal('UNSUPPORTED', `response type ${type} is not id-pkix-ocsp-basic`);
  const basic = content(der, octets);
  const [tbs, algorithm, signature, certsWrapper] = sequence(basic, 'BasicOCSPResponse').parts;
  if (!tbs || !algorithm || !signature || signature.tag !== TAG_BIT_STRING) {
    throw new DerError('BasicOCSPResponse: malformed');
  }
  const fields = sequence(basic, 'ResponseData', tbs).parts;
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [responderId, producedAt, responses] = fields.slice(at);
  if (!responderId || !producedAt || producedAt.tag !== 0x18 || !responses)
    throw new DerError('ResponseData: malformed');
  const certs: Certificate[] = [];
  if (certsWrapper?.tag === 0xa0) {
    const list = sequence(basic, 'certs', children(basic, certsWrapper)[0]).parts;
    for (const cert of list.slice(0, MAX_RESPONSE_CERTS)) {
      try {
        certs.push(Certificate.fromDer(encoding(basic, cert)));
      } catch {
        // An unreadable certificate in the response cannot be the signer: skip it.
      }
    }
  }
  return {
    der: basic,
    tbs,
    algorithm,
    signature,
    responderId,
    responses: sequence(basic, 'responses', responses).parts,
    certs,
  };
}

/** The SingleResponse for this certificate's CertID (any hash algorithm the responder chose). */
function matchingResponse(basic: Basic, context: OcspContext): Tlv[] {
  const parts = certificateParts(context.cert.der);
  const serial = Buffer.from(parts.serial);
  const bits = keyBits(context.issuer);
  const seen: string[] = [];
  // This serial was answered, but under another issuer's hashes (or a hash algorithm not known here).
  let sameSerial: 'other issuer' | 'unknown hash' | null = null;
  for (const single of basic.responses) {
    const fields = sequence(basic.der, 'SingleResponse', single).parts;
    const [algorithm, nameHash, keyHash, theirSerial] = sequence(basic.der, 'CertID', fields[0]).parts;
    if (!algorithm || !nameHash || !keyHash || !theirSerial) throw new DerError('CertID: malformed');
    const hash = DIGESTS[decodeOid(content(basic.der, children(basic.der, algorithm)[0] ?? algorithm))];
    const their = Buffer.from(content(basic.der, theirSerial));
    seen.push(serialHex(their));
    if (!serial.equals(their)) continue;
    if (!hash) {
      sameSerial ??= 'unknown hash';
      continue;
    }
    const names = Buffer.from(content(basic.der, nameHash)).equals(digest(hash, parts.issuer));
    if (names && Buffer.from(content(basic.der, keyHash)).equals(digest(hash, bits))) return fields;
    sameSerial = 'other issuer';
  }
  if (sameSerial === 'other issuer') {
    throw new Refusal(
      'OUT_OF_SCOPE',
      `the response is for serial ${context.cert.serial} of another issuer (its CertID's issuer hashes are not ${context.issuer.subject}'s)`,
    );
  }
  if (sameSerial === 'unknown hash') {
    throw new Refusal(
      'OUT_OF_SCOPE',
      `the response's CertID for serial ${context.cert.serial} uses a hash certwatch does not know`,
    );
  }
  throw new Refusal(
    'OUT_OF_SCOPE',
    `the response is for another certificate (serial ${seen.join(', ') || 'none'}, not ${context.cert.serial})`,
  );
}

/** The certificate that signed the response, checked for authority (RFC 6960 §4.2.2.2). */
function signerOf(basic: Basic, context: OcspContext): Certificate {
  const { issuer, now } = context;
  const id = basic.responderId;
  const inner = children(basic.der, id)[0];
  let matches: (candidate: Certificate) => boolean;
  if (id.tag === 0xa2 && inner?.tag === TAG_OCTET_STRING) {
    const hash = Buffer.from(content(basic.der, inner));
    matches = (candidate) => digest('sha1', keyBits(candidate)).equals(hash);
  } else if (id.tag === 0xa1 && inner?.tag === TAG_SEQUENCE) {
    const name = canonicalName(encoding(basic.der, inner));
    matches = (candidate) => candidate.subjectKey === name;
  } else {
    throw new DerError('ResponderID: malformed');
  }
  if (matches(issuer)) return issuer;
  const responder = basic.certs.find(matches);
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

function checkSignature(basic: Basic, signer: Certificate): void {
  let valid: boolean;
  try {
    valid = verifySignature(
      encoding(basic.der, basic.algorithm),
      signer.spkiDer,
      encoding(basic.der, basic.tbs),
      content(basic.der, basic.signature),
    );
  } catch (error) {
    if (error instanceof UnsupportedSignatureError) throw new Refusal('UNSUPPORTED', error.message);
    throw error;
  }
  if (!valid) throw new Refusal('BAD_SIGNATURE', `the signature does not verify with ${signer.subject}'s key`);
}

interface SingleAnswer {
  status: 'good' | 'revoked' | 'unknown';
  thisUpdate: number;
  nextUpdate: number | null;
  revokedAt?: number;
  reason?: number;
}

function answerOf(der: Uint8Array, fields: Tlv[]): SingleAnswer {
  const [, status, thisUpdate, ...rest] = fields;
  if (!status || !thisUpdate || thisUpdate.tag !== 0x18) throw new DerError('SingleResponse: malformed');
  const next = rest.find((f) => f.tag === 0xa0);
  const nextTime = next ? children(der, next)[0] : undefined;
  const answer: SingleAnswer = {
    status: status.tag === 0x80 ? 'good' : status.tag === 0xa1 ? 'revoked' : 'unknown',
    thisUpdate: decodeTime(der, thisUpdate),
    nextUpdate: nextTime ? decodeTime(der, nextTime) : null,
  };
  if (answer.status === 'revoked') {
    const [time, reason] = children(der, status);
    if (!time || time.tag !== 0x18) throw new Refusal('MALFORMED', 'RevokedInfo without revocationTime');
    answer.revokedAt = decodeTime(der, time);
    const code = reason?.tag === 0xa0 ? children(der, reason)[0] : undefined;
    if (code) answer.reason = der[code.contentStart];
  }
  return answer;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The verdict of an OCSP response on `context.cert`. Never throws. */
export function judgeOcspResponse(der: Uint8Array, context: OcspContext): SourceVerdict {
  const { source, url } = context;
  let times: { thisUpdate: string | null; nextUpdate: string | null } = { thisUpdate: null, nextUpdate: null };
  try {
    const basic = basicResponse(der);
    const answer = answerOf(basic.der, matchingResponse(basic, context));
    times = { thisUpdate: iso(answer.thisUpdate), nextUpdate: iso(answer.nextUpdate) };
    checkSignature(basic, signerOf(basic, context));
    const stale = currency(answer.thisUpdate, answer.nextUpdate, context.now);
    if (stale) throw new Refusal('NOT_CURRENT', stale);
    if (answer.status === 'unknown')
      throw new Refusal('RESPONDER_UNKNOWN', 'the responder does not know this certificate');
    if (answer.status === 'good') return { status: 'good', source, url, ...times };
    return {
      status: 'revoked',
      source,
      url,
      ...times,
      ...(answer.revokedAt === undefined ? {} : { revokedAt: iso(answer.revokedAt) as string }),
      reason: reasonName(answer.reason ?? 0) ?? 'unspecified',
    };
  } catch (error) {
    if (error instanceof Refusal) return unknownVerdict(source, url, error.code, error.message, times);
    return unknownVerdict(source, url, 'MALFORMED', `unreadable OCSP response: ${(error as Error).message}`, times);
  }
}

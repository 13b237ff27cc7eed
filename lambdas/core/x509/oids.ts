/**
 * Object identifiers the core names or acts on, with the names OpenSSL prints for them, so that
 * certwatch output reads like `openssl x509 -text` and can be compared with it.
 */

/** Distinguished-name attribute types and their OpenSSL short names. */
export const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.16': 'postalAddress',
  '2.5.4.17': 'postalCode',
  '2.5.4.18': 'postOfficeBox',
  '2.5.4.20': 'telephoneNumber',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.45': 'x500UniqueIdentifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/** Signature algorithms by OpenSSL long name (what `openssl x509 -text` prints). */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsaEncryption',
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '2.16.840.1.101.3.4.3.1': 'dsa_with_SHA224',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
};

/** rsaEncryption key. */
export const KEY_RSA = '1.2.840.113549.1.1.1';
/** RSASSA-PSS key. */
export const KEY_RSA_PSS = '1.2.840.113549.1.1.10';
/** id-ecPublicKey (the curve is in the parameters). */
export const KEY_EC = '1.2.840.10045.2.1';
/** DSA key. */
export const KEY_DSA = '1.2.840.10040.4.1';
/** Ed25519 key. */
export const KEY_ED25519 = '1.3.101.112';
/** Ed448 key. */
export const KEY_ED448 = '1.3.101.113';

/** Named elliptic curves, by the names people use for them. */
export const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.1': 'P-192',
  '1.3.132.0.33': 'P-224',
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};

/** subjectKeyIdentifier. */
export const EXT_SUBJECT_KEY_ID = '2.5.29.14';
/** keyUsage. */
export const EXT_KEY_USAGE = '2.5.29.15';
/** subjectAltName. */
export const EXT_SUBJECT_ALT_NAME = '2.5.29.17';
/** basicConstraints. */
export const EXT_BASIC_CONSTRAINTS = '2.5.29.19';
/** nameConstraints. */
export const EXT_NAME_CONSTRAINTS = '2.5.29.30';
/** authorityKeyIdentifier. */
export const EXT_AUTHORITY_KEY_ID = '2.5.29.35';
/** extendedKeyUsage. */
export const EXT_EXT_KEY_USAGE = '2.5.29.37';
/** authorityInfoAccess. */
export const EXT_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';

/**
 * Extensions a client may meet marked critical and still accept: the set OpenSSL supports
 * (`X509_supported_extension`), which is what the mail servers' peers run. Any other critical
 * extension makes the certificate unusable (RFC 5280 §4.2).
 */
export const SUPPORTED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  '2.16.840.1.113730.1.1', // Netscape certificate type
  EXT_KEY_USAGE,
  EXT_SUBJECT_ALT_NAME,
  EXT_BASIC_CONSTRAINTS,
  '2.5.29.32', // certificate policies
  '2.5.29.31', // CRL distribution points
  EXT_EXT_KEY_USAGE,
  '1.3.6.1.5.5.7.1.7', // IP address blocks (RFC 3779)
  '1.3.6.1.5.5.7.1.8', // AS identifiers (RFC 3779)
  '1.3.6.1.5.5.7.48.1.5', // OCSP no-check
  '2.5.29.36', // policy constraints
  '1.3.6.1.5.5.7.1.14', // proxy certificate info
  EXT_NAME_CONSTRAINTS,
  '2.5.29.33', // policy mappings
  '2.5.29.54', // inhibit anyPolicy
]);

/** id-kp-serverAuth: TLS server authentication. */
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** id-kp-OCSPSigning: a delegated OCSP responder (RFC 6960 §4.2.2.2). */
export const EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** cRLDistributionPoints (RFC 5280 §4.2.1.13). */
export const EXT_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
/** freshestCRL: where delta CRLs are (RFC 5280 §4.2.1.15). */
export const EXT_FRESHEST_CRL = '2.5.29.46';
/** id-ad-ocsp: an OCSP responder in authorityInfoAccess. */
export const AD_OCSP = '1.3.6.1.5.5.7.48.1';
/** id-ad-caIssuers: where the issuer's certificate is published. */
export const AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

/** CRL extensions (RFC 5280 §5.2). */
export const EXT_ISSUER_ALT_NAME = '2.5.29.18';
export const EXT_CRL_NUMBER = '2.5.29.20';
export const EXT_DELTA_CRL_INDICATOR = '2.5.29.27';
export const EXT_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
/** expiredCertsOnCRL (X.509 2016). */
export const EXT_EXPIRED_CERTS_ON_CRL = '2.5.29.60';

/** CRL entry extensions (RFC 5280 §5.3). */
export const EXT_CRL_REASON = '2.5.29.21';
export const EXT_HOLD_INSTRUCTION = '2.5.29.23';
export const EXT_INVALIDITY_DATE = '2.5.29.24';
export const EXT_CERTIFICATE_ISSUER = '2.5.29.29';

/** OCSP (RFC 6960 §4.2.1, §4.4.1): the basic response type and the nonce extension. */
export const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
export const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';

/** Digest algorithms by the names node:crypto knows them by (CertID hashes, RSA-PSS parameters). */
export const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** id-sha1: the CertID hash every OCSP responder answers (RFC 6960 §4.3, RFC 5019 §2.1.1). */
export const DIGEST_SHA1 = '1.3.14.3.2.26';

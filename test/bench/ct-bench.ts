/**
 * The CT scan rate (docs/ct.md "Cost"): log entries per second on one core through gunzip, data-tile
 * parsing (with each entry's Merkle leaf hash), the compact range and the name filter, on real-sized
 * data tiles — precertificate and certificate entries made by openssl (two-thirds precertificates, as in
 * real logs), each with its own key and signature bytes so gzip sees what it sees in a real tile — with
 * 10 and with 5,000 watched names (none of which the entries name: the common case).
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { issueFinal, issuePrecert } from '../../demo/support/ct-certs';
import { removePoison, u16, u64, vec16, vec24 } from '../../demo/support/ct-log/encode';
import { parseDataTile, scanBytes } from '../../lambdas/core/ct/entries';
import { HostMatcher } from '../../lambdas/core/ct/matcher';
import { CompactRange } from '../../lambdas/core/ct/merkle';
import { certificateParts, readTlv, tbsParts } from '../../lambdas/core/x509/der';
import { leafKey, openCtCa } from '../support/ct-certs';
import { createRoot, issue } from '../support/pki';

/** What the bench measured. */
export interface CtBenchResult {
  tiles: number;
  entries: number;
  /** Mean bytes per entry, inflated and on the wire (gzip). */
  bytesPerEntry: number;
  gzipBytesPerEntry: number;
  /** Entries per second through the whole pipeline, by number of watched names. */
  rate: Array<{ names: number; entriesPerSecond: number; filterStates: number }>;
  /** Entries per second of the parts, with 5,000 names. */
  parts: { gunzip: number; parse: number; filter: number };
}

const TEMPLATES = 48;

function randomize(target: Buffer, start: number, end: number): void {
  randomBytes(end - start).copy(target, start);
}

/** The byte ranges to randomize in a TBS: its serial and the public key's bits. */
function tbsNoise(tbs: Buffer): Array<[number, number]> {
  const top = readTlv(tbs, 0);
  const parts = tbsParts(tbs, top);
  const at = (slice: Uint8Array) => slice.byteOffset - tbs.byteOffset;
  const spkiEnd = at(parts.spki) + parts.spki.length;
  return [
    [at(parts.serial) + 1, at(parts.serial) + parts.serial.length],
    [spkiEnd - 48, spkiEnd],
  ];
}

function certNoise(der: Buffer): Array<[number, number]> {
  const parts = certificateParts(der);
  const tbsStart = parts.tbs.byteOffset - der.byteOffset;
  const inTbs = tbsNoise(Buffer.from(parts.tbs)).map(([a, b]) => [a + tbsStart, b + tbsStart] as [number, number]);
  return [...inTbs, [der.length - 48, der.length]];
}

async function templates() {
  const root = await createRoot({ name: 'Bench Root', keyType: 'ecdsa' });
  const intermediate = await issue(root, { name: 'Bench Issuing CA 1D4', isCa: true, keyType: 'ecdsa' });
  const ca = openCtCa(intermediate);
  try {
    const out = [];
    for (let i = 0; i < TEMPLATES; i++) {
      const host = `shop-${i}-${randomBytes(3).toString('hex')}.example-${i % 7}.com`;
      const issueData = {
        names: [host, `www.${host}`, ...(i % 3 === 0 ? [`mail.${host}`, `api.${host}`] : [])],
        serial: randomBytes(16).toString('hex'),
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2026-04-01T00:00:00Z'),
        // What a public CA's leaf carries beside the names: policy, revocation and issuer pointers.
        extensions: [
          'certificatePolicies = 2.23.140.1.2.1',
          'authorityInfoAccess = OCSP;URI:http://o.bench-ca.example,caIssuers;URI:http://i.bench-ca.example/1d4.der',
          'crlDistributionPoints = URI:http://c.bench-ca.example/1d4/crl.crl',
        ],
      };
      // Half the leaves RSA 2048, half P-256, as in the logs.
      const key = leafKey(undefined, i % 2 === 0 ? 'rsa' : 'ecdsa');
      const precert = issuePrecert(ca, issueData, key);
      // A final certificate embeds two or three SCTs (about 120 bytes each).
      const final = issueFinal(ca, issueData, key, sctList(2 + (i % 2)));
      out.push({ precert, tbs: removePoison(precert), final });
    }
    return { entries: out, chain: [intermediate.der, root.der] };
  } finally {
    ca.close();
  }
}

/** An SCT list of `n` SCT-sized entries (their content is never parsed here). */
function sctList(n: number): Buffer {
  const scts = Array.from({ length: n }, () => vec16(randomBytes(119)));
  return vec16(Buffer.concat(scts));
}

/** One TileLeaf with fresh noise in the key, serial and signature bytes. */
function tileLeaf(t: { precert: Buffer; tbs: Buffer; final: Buffer }, precert: boolean, fps: Buffer): Buffer {
  if (precert) {
    const tbs = Buffer.from(t.tbs);
    for (const [a, b] of tbsNoise(tbs)) randomize(tbs, a, b);
    const pre = Buffer.from(t.precert);
    for (const [a, b] of certNoise(pre)) randomize(pre, a, b);
    const entry = Buffer.concat([u64(Date.now()), u16(1), randomBytes(32), vec24(tbs), u16(0)]);
    return Buffer.concat([entry, vec24(pre), vec16(fps)]);
  }
  const cert = Buffer.from(t.final);
  for (const [a, b] of certNoise(cert)) randomize(cert, a, b);
  return Buffer.concat([u64(Date.now()), u16(0), vec24(cert), u16(0), vec16(fps)]);
}

function watchedNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `smtp${i % 3}.watched-${i}-${randomBytes(2).toString('hex')}.net`);
}

/** Entries per CPU second (user + system): a rate per core, whatever else the machine runs. */
function timed(fn: () => void, entries: number): number {
  const started = process.cpuUsage();
  fn();
  const used = process.cpuUsage(started);
  return entries / ((used.user + used.system) / 1e6);
}

/** Runs the bench over `tileCount` data tiles. */
export async function runCtBench(tileCount = 64): Promise<CtBenchResult> {
  const made = await templates();
  const fps = Buffer.concat(made.chain.map(() => randomBytes(32)));
  const raw: Buffer[] = [];
  for (let t = 0; t < tileCount; t++) {
    raw.push(
      Buffer.concat(
        Array.from({ length: 256 }, (_, i) => tileLeaf(made.entries[(t * 7 + i) % TEMPLATES], i % 3 !== 0, fps)),
      ),
    );
  }
  const gz = raw.map((r) => gzipSync(r));
  const entries = tileCount * 256;
  const pipeline = (matcher: HostMatcher) => () => {
    const range = CompactRange.empty();
    for (let t = 0; t < gz.length; t++) {
      for (const entry of parseDataTile(gunzipSync(gz[t]), t * 256, 256)) {
        range.append(entry.leafHash);
        matcher.match(entry);
      }
    }
  };
  const rate = [];
  for (const names of [10, 5000]) {
    const matcher = new HostMatcher(watchedNames(names));
    pipeline(matcher)(); // warm-up
    const best = Math.max(...[0, 1, 2].map(() => timed(pipeline(matcher), entries)));
    rate.push({ names, entriesPerSecond: best, filterStates: matcher.filter.states });
  }
  const matcher = new HostMatcher(watchedNames(5000));
  const inflated = gz.map((g) => gunzipSync(g));
  const parsed = inflated.map((r, t) => parseDataTile(r, t * 256, 256));
  const parts = {
    gunzip: timed(() => {
      for (const g of gz) gunzipSync(g);
    }, entries),
    parse: timed(() => {
      for (const [t, r] of inflated.entries()) parseDataTile(r, t * 256, 256);
    }, entries),
    filter: timed(() => {
      for (const tile of parsed) for (const e of tile) matcher.filter.test(scanBytes(e));
    }, entries),
  };
  return {
    tiles: tileCount,
    entries,
    bytesPerEntry: raw.reduce((s, r) => s + r.length, 0) / entries,
    gzipBytesPerEntry: gz.reduce((s, g) => s + g.length, 0) / entries,
    rate,
    parts,
  };
}

if (require.main === module) {
  runCtBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}

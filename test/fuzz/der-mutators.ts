/**
 * Mutators for DER certificates: byte-level (bit flips, truncations) and structure-aware ones that walk
 * the TLV tree (length-field lies, deep nesting, huge integers, odd string types, bad times and OIDs,
 * duplicated and unknown extensions, splices from other certificates). Structure-aware mutations
 * re-encode every enclosing length, so the damage reaches the parsers' inner layers.
 */
import {
  cloneDer,
  type DerNode,
  derNode,
  encodeContent,
  encodeDer,
  isConstructed,
  type Located,
  oidNode,
  parseDer,
  replaceAt,
  tagByte,
  walkDer,
} from './der-tree';
import { hugeInteger, KNOWN_OIDS, lie, nest, oddString, oidContent, STRING_TAGS, TIME_TAGS, TIMES } from './der-values';
import type { Rng } from './prng';

/** A mutated certificate and the mutators applied, in order (for the findings log). */
export interface Mutation {
  bytes: Buffer;
  steps: string[];
}

/** Material for splices: nodes taken from other seed certificates. */
export interface MutationContext {
  donors: readonly DerNode[];
}

type TreeMutator = (rng: Rng, root: DerNode, ctx: MutationContext) => DerNode | null;
type ByteMutator = (rng: Rng, bytes: Buffer) => Buffer;

const nodesOf = (root: DerNode, keep: (l: Located) => boolean) => walkDer(root).filter(keep);
const pickNode = (rng: Rng, list: Located[]) => (list.length === 0 ? null : rng.pick(list));

function extensionsList(root: DerNode): DerNode | null {
  const tbs = root.children?.[0]?.children ? root.children[0] : root;
  const wrapper = tbs.children?.find((c) => tagByte(c) === 0xa3);
  const list = wrapper?.children?.[0];
  return list?.children ? list : null;
}

function randomExtension(rng: Rng): DerNode {
  const oid = rng.chance(0.5) ? rng.pick(KNOWN_OIDS) : `1.3.6.1.4.1.${rng.int(1e5)}.${rng.int(1e3)}`;
  const value = rng.chance(0.5)
    ? encodeDer(derNode(0x30, [derNode(0x01, Buffer.from([0xff]))]))
    : rng.bytes(rng.int(64));
  const parts = [oidNode(oid)];
  if (rng.chance(0.5)) parts.push(derNode(0x01, Buffer.from([rng.pick([0xff, 0x00, 0x01])])));
  parts.push(derNode(0x04, value));
  return derNode(0x30, parts);
}

const onTag = (tags: number[]) => (l: Located) => tags.includes(tagByte(l.node)) && !isConstructed(l.node);

const TREE_MUTATORS: Record<string, TreeMutator> = {
  'length-lie': (rng, root) => {
    const at = pickNode(rng, walkDer(root));
    if (!at) return null;
    at.node.lengthLie = lie(rng, encodeContent(at.node).length);
    return root;
  },
  'deep-nesting': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => l.depth > 0),
    );
    if (!at) return null;
    const depth = rng.pick([16, 64, 256, 1024, 4096, 12000]);
    replaceAt(at, { tag: Buffer.from([rng.pick([0x30, 0x04, tagByte(at.node)])]), content: nest(rng, depth) });
    return root;
  },
  'huge-integer': (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag([0x02])));
    if (!at) return null;
    at.node.content = hugeInteger(rng);
    return root;
  },
  'odd-string': (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag([...STRING_TAGS, 0x81, 0x82, 0x86])));
    if (!at) return null;
    if (rng.chance(0.6)) at.node.tag = Buffer.from([rng.pick([...STRING_TAGS, 0x04, 0x03, 0x05, 0x19, 0x1b])]);
    if (rng.chance(0.7)) at.node.content = oddString(rng);
    return root;
  },
  'bad-time': (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag(TIME_TAGS)));
    if (!at) return null;
    if (rng.chance(0.3)) at.node.tag = Buffer.from([tagByte(at.node) === 0x17 ? 0x18 : 0x17]);
    else at.node.content = Buffer.from(rng.pick(TIMES), 'latin1');
    return root;
  },
  'bad-oid': (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag([0x06])));
    if (!at) return null;
    at.node.content = oidContent(rng);
    return root;
  },
  'duplicate-extension': (rng, root) => {
    const list = extensionsList(root);
    if (!list?.children?.length) return null;
    const copy = cloneDer(rng.pick(list.children));
    for (let n = rng.pick([1, 1, 2, 50]); n > 0; n--) list.children.splice(rng.int(list.children.length + 1), 0, copy);
    return root;
  },
  'unknown-extension': (rng, root) => {
    const list = extensionsList(root);
    if (!list?.children) return null;
    for (let n = rng.pick([1, 1, 3]); n > 0; n--)
      list.children.splice(rng.int(list.children.length + 1), 0, randomExtension(rng));
    return root;
  },
  'general-name': (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag([0x82, 0x87, 0x81, 0x86])));
    if (!at?.parent?.children) return null;
    const odd = rng.pick([
      () => derNode(0x87, rng.bytes(rng.pick([0, 3, 5, 15, 17, 32]))),
      () =>
        derNode(
          0x82,
          Buffer.from(rng.pick(['', '*', '*.', '.', 'a..b', `${'a'.repeat(300)}.example`, '*.*.com', 'xn--'])),
        ),
      () => derNode(0xa4, [derNode(0x30, [])]),
      () => derNode(0xa0, [oidNode('1.3.6.1.4.1.311.20.2.3'), derNode(0xa0, [derNode(0x0c, Buffer.from('x'))])]),
    ])();
    for (let n = rng.pick([1, 1, 100, 3000]); n > 0; n--) at.parent.children.splice(at.index, 0, cloneDer(odd));
    return root;
  },
  'drop-node': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => l.index >= 0),
    );
    at?.parent?.children?.splice(at.index, 1);
    return at ? root : null;
  },
  'duplicate-node': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => l.index >= 0),
    );
    at?.parent?.children?.splice(at.index, 0, cloneDer(at.node));
    return at ? root : null;
  },
  'swap-children': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => (l.node.children?.length ?? 0) >= 2),
    );
    if (!at?.node.children) return null;
    at.node.children = rng.shuffle(at.node.children);
    return root;
  },
  splice: (rng, root, ctx) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => l.depth > 0),
    );
    if (!at || ctx.donors.length === 0) return null;
    const donors = walkDer(rng.pick(ctx.donors)).filter((l) => tagByte(l.node) === tagByte(at.node));
    const donor = donors.length > 0 ? rng.pick(donors).node : rng.pick(walkDer(rng.pick(ctx.donors))).node;
    replaceAt(at, cloneDer(donor));
    return root;
  },
  'tag-change': (rng, root) => {
    const at = pickNode(rng, walkDer(root));
    if (!at) return null;
    const { node } = at;
    const content = encodeContent(node);
    const tag = rng.pick([
      Buffer.from([rng.int(256)]),
      Buffer.from([node.tag[0] ^ 0x20]),
      Buffer.from([0x1f, 0x81, 0x80, 0x00]),
      Buffer.from([0x3f, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    ]);
    replaceAt(at, { tag, content });
    return at.parent ? root : { tag, content };
  },
  inflate: (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => (l.node.children?.length ?? 0) >= 1 && l.depth > 0),
    );
    if (!at?.node.children) return null;
    const child = rng.pick(at.node.children);
    const copies = Math.min(
      5000,
      Math.floor(rng.pick([20_000, 60_000, 70_000]) / Math.max(2, encodeDer(child).length)),
    );
    for (let n = 0; n < copies; n++) at.node.children.push(cloneDer(child));
    return root;
  },
  'bit-string': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => tagByte(l.node) === 0x03),
    );
    if (!at) return null;
    const content = encodeContent(at.node);
    at.node.encapsulated = undefined;
    at.node.content = rng.chance(0.5)
      ? Buffer.concat([Buffer.from([rng.range(1, 255)]), content.subarray(1)])
      : Buffer.alloc(0);
    return root;
  },
  boolean: (rng, root) => {
    const at = pickNode(rng, nodesOf(root, onTag([0x01])));
    if (!at) return null;
    at.node.content = rng.pick([Buffer.alloc(0), Buffer.from([0x01]), Buffer.from([0x00]), Buffer.from([0xff, 0xff])]);
    return root;
  },
  'empty-node': (rng, root) => {
    const at = pickNode(
      rng,
      nodesOf(root, (l) => l.depth > 0),
    );
    if (!at) return null;
    replaceAt(at, { tag: at.node.tag, content: Buffer.alloc(0), ...(at.node.children ? { children: [] } : {}) });
    return root;
  },
};

const BYTE_MUTATORS: Record<string, ByteMutator> = {
  'bit-flip': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let n = rng.range(1, 8); n > 0 && out.length > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  'byte-set': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let n = rng.range(1, 4); n > 0 && out.length > 0; n--)
      out[rng.int(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x30, 0x1f]);
    return out;
  },
  truncate: (rng, bytes) => bytes.subarray(0, rng.chance(0.3) ? rng.int(16) : rng.int(bytes.length)),
  'trailing-bytes': (rng, bytes) =>
    Buffer.concat([bytes, rng.chance(0.5) ? Buffer.from([0]) : rng.bytes(rng.range(1, 64))]),
  'cut-chunk': (rng, bytes) => {
    const start = rng.int(bytes.length);
    return Buffer.concat([bytes.subarray(0, start), bytes.subarray(start + rng.range(1, 32))]);
  },
};

const TREE_NAMES = Object.keys(TREE_MUTATORS);
const BYTE_NAMES = Object.keys(BYTE_MUTATORS);

/** Every mutator name, for the figures. */
export const MUTATOR_NAMES: readonly string[] = [...TREE_NAMES, ...BYTE_NAMES];

/**
 * Applies 1 to 3 mutations to one DER certificate. With `tbsOnly`, only structure-aware mutations of
 * the `tbsCertificate` are made and the result is that tbs, for the caller to sign again.
 */
export function mutateDer(rng: Rng, der: Buffer, ctx: MutationContext, options: { tbsOnly?: boolean } = {}): Mutation {
  const steps: string[] = [];
  const parsed = parseDer(der);
  let tree: DerNode | null = parsed ? cloneDer(options.tbsOnly ? (parsed.children?.[0] ?? parsed) : parsed) : null;
  let bytes = tree ? encodeDer(tree) : Buffer.from(der);
  const wanted = rng.weighted<number>([
    [1, 6],
    [2, 3],
    [3, 1],
  ]);
  // Bounded: a mutator with nothing to change (no INTEGER, no extensions) is simply drawn again.
  for (let tries = 0; steps.length < wanted && tries < 12; tries++) {
    const structural = options.tbsOnly || (tree !== null && rng.chance(0.7));
    if (structural && tree) {
      const name = rng.pick(TREE_NAMES);
      const next = TREE_MUTATORS[name](rng, tree, ctx);
      if (!next) continue;
      tree = next;
      bytes = encodeDer(tree);
      steps.push(name);
    } else if (!options.tbsOnly) {
      const name = rng.pick(BYTE_NAMES);
      bytes = BYTE_MUTATORS[name](rng, bytes);
      tree = parseDer(bytes);
      steps.push(name);
    }
  }
  return { bytes, steps };
}

/** Applies one named structure-aware mutator (for tests); null when it found nothing to change. */
export function mutateWith(name: string, rng: Rng, der: Buffer, ctx: MutationContext): Buffer | null {
  const tree = parseDer(der);
  const mutator = TREE_MUTATORS[name];
  if (!tree || !mutator) return null;
  const next = mutator(rng, cloneDer(tree), ctx);
  return next ? encodeDer(next) : null;
}

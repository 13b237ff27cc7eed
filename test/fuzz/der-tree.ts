/**
 * A tolerant DER tree for structure-aware mutation: parse a certificate into tag/length/value nodes
 * (descending into OCTET STRING and BIT STRING contents that hold DER, as extension values and RSA keys
 * do), change nodes, and encode again with every enclosing length recomputed, or with a chosen lie.
 */

/** One element. `children` for constructed elements, `encapsulated` for DER inside a primitive one. */
export interface DerNode {
  /** Identifier octets (one, or more for high tag numbers). */
  tag: Buffer;
  /** Content octets of a primitive element that holds no parsed DER. */
  content: Buffer;
  children?: DerNode[];
  /** DER found inside an OCTET STRING (whole content) or BIT STRING (after the unused-bits octet). */
  encapsulated?: DerNode;
  /** Raw length octets to write instead of the true length (a length-field lie). */
  lengthLie?: Buffer;
}

const MAX_PARSE_DEPTH = 48;

/** The first identifier octet: class, constructed bit and low tag number. */
export function tagByte(node: DerNode): number {
  return node.tag[0];
}

/** Whether the element is constructed (bit 6 of the identifier). */
export function isConstructed(node: DerNode): boolean {
  return (node.tag[0] & 0x20) !== 0;
}

function readHeader(buf: Buffer, offset: number, limit: number): { tag: Buffer; start: number; end: number } | null {
  let pos = offset;
  if (pos >= limit) return null;
  if ((buf[pos] & 0x1f) === 0x1f) {
    pos++;
    while (pos < limit && buf[pos] & 0x80) pos++;
  }
  pos++;
  if (pos >= limit) return null;
  const tag = buf.subarray(offset, pos);
  const first = buf[pos++];
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || pos + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
  }
  if (pos + length > limit) return null;
  return { tag: Buffer.from(tag), start: pos, end: pos + length };
}

function parseList(buf: Buffer, start: number, end: number, depth: number): DerNode[] | null {
  const nodes: DerNode[] = [];
  let pos = start;
  while (pos < end) {
    const node = parseAt(buf, pos, end, depth);
    if (!node) return null;
    nodes.push(node.node);
    pos = node.next;
  }
  return nodes;
}

function parseAt(buf: Buffer, offset: number, limit: number, depth: number): { node: DerNode; next: number } | null {
  if (depth > MAX_PARSE_DEPTH) return null;
  const header = readHeader(buf, offset, limit);
  if (!header) return null;
  const content = Buffer.from(buf.subarray(header.start, header.end));
  const node: DerNode = { tag: header.tag, content };
  if (header.tag[0] & 0x20) {
    const children = parseList(buf, header.start, header.end, depth + 1);
    if (!children) return null;
    node.children = children;
    node.content = Buffer.alloc(0);
  } else if (header.tag[0] === 0x04 || (header.tag[0] === 0x03 && content[0] === 0)) {
    const skip = header.tag[0] === 0x03 ? 1 : 0;
    const inner = content.length > skip + 1 ? parseAt(content, skip, content.length, depth + 1) : null;
    if (inner && inner.next === content.length && (inner.node.tag[0] & 0x20) !== 0) {
      node.encapsulated = inner.node;
      node.content = Buffer.from(content.subarray(0, skip));
    }
  }
  return { node, next: header.end };
}

/** Parses exactly one element spanning `der`; null when it is not well-formed DER at the top levels. */
export function parseDer(der: Uint8Array): DerNode | null {
  const buf = Buffer.from(der);
  const parsed = parseAt(buf, 0, buf.length, 0);
  return parsed && parsed.next === buf.length ? parsed.node : null;
}

/** Length octets in DER form. */
export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Content octets of a node as they will be encoded. */
export function encodeContent(node: DerNode): Buffer {
  if (node.children) return Buffer.concat(node.children.map(encodeDer));
  if (node.encapsulated) return Buffer.concat([node.content, encodeDer(node.encapsulated)]);
  return node.content;
}

/** Encodes a node, recomputing lengths (except where a lie was planted). */
export function encodeDer(node: DerNode): Buffer {
  const content = encodeContent(node);
  return Buffer.concat([node.tag, node.lengthLie ?? encodeLength(content.length), content]);
}

/** Builds a node. */
export function derNode(tag: number | Buffer, content: Buffer | DerNode[]): DerNode {
  const tagBytes = typeof tag === 'number' ? Buffer.from([tag]) : tag;
  return Array.isArray(content)
    ? { tag: tagBytes, content: Buffer.alloc(0), children: content }
    : { tag: tagBytes, content };
}

/** A deep copy, so that mutations never touch a seed. */
export function cloneDer(node: DerNode): DerNode {
  return {
    tag: Buffer.from(node.tag),
    content: Buffer.from(node.content),
    ...(node.children ? { children: node.children.map(cloneDer) } : {}),
    ...(node.encapsulated ? { encapsulated: cloneDer(node.encapsulated) } : {}),
    ...(node.lengthLie ? { lengthLie: Buffer.from(node.lengthLie) } : {}),
  };
}

/** A node with where it sits: its parent's child list (or encapsulation) and depth. */
export interface Located {
  node: DerNode;
  parent: DerNode | null;
  /** Index in `parent.children`, or -1 when encapsulated in `parent` or the root. */
  index: number;
  depth: number;
}

/** Every node of a tree, depth-first, with its location. */
export function walkDer(root: DerNode): Located[] {
  const out: Located[] = [];
  const visit = (node: DerNode, parent: DerNode | null, index: number, depth: number) => {
    out.push({ node, parent, index, depth });
    node.children?.forEach((child, i) => {
      visit(child, node, i, depth + 1);
    });
    if (node.encapsulated) visit(node.encapsulated, node, -1, depth + 1);
  };
  visit(root, null, -1, 0);
  return out;
}

/** Replaces a located node in its parent (no-op for the root: the caller keeps the new root). */
export function replaceAt(at: Located, replacement: DerNode): void {
  if (!at.parent) return;
  if (at.index >= 0 && at.parent.children) at.parent.children[at.index] = replacement;
  else at.parent.encapsulated = replacement;
}

/** Encodes an OBJECT IDENTIFIER (dotted form) as a node. */
export function oidNode(dotted: string): DerNode {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [];
  const push = (value: number) => {
    const groups: number[] = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const arc of arcs.slice(2)) push(arc);
  return derNode(0x06, Buffer.from(bytes));
}

/** Dotted form of an OID node's content (best effort; for choosing mutations only). */
export function oidText(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  if (arcs.length === 0) return '';
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

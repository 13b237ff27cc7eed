#!/usr/bin/env node
/**
 * Writes a tree-shakeable copy of pkijs for the Lambda handler bundle (lib/function-settings.ts runs this
 * before esbuild and aliases `pkijs` to the copy).
 *
 * Why: pkijs ships as one ES module whose classes set their names in class static blocks
 * (`static { this.CLASS_NAME = "Certificate"; }`). esbuild keeps every class that has a static block (a
 * block may do anything), so the bundle carried all of pkijs (302 KB minified) although the handler
 * reaches only part of it. A block that only assigns to `this` is, line for line, a static field
 * (`static CLASS_NAME = "Certificate";`), evaluated at the same point of the class definition; esbuild
 * drops unused classes whose static fields are side-effect free. That rewrite is the only change: other
 * blocks, module-level calls (pkijs' `initCryptoEngine()`) and every function body stay as published.
 * The copy's bare imports are pinned to the files pkijs itself resolves them to (its dependencies' exports
 * carry no import/require conditions, so require.resolve names the same files esbuild would). asn1js has the
 * same layout, but its static blocks register types (real side effects): rewriting it saves nothing.
 *
 * One more change: pkijs hashes with @noble/hashes only in PKCS#12's key derivation (`md(data)`, one-shot),
 * which its CryptoEngine keeps reachable though certwatch never calls it; those four hash functions are
 * Node's own (node:crypto, same bytes), which keeps 12 KB of JavaScript hashing out of the bundle and the
 * CLI's pkijs chunk (the handler bundle is budgeted, docs/performance.md).
 *
 * Usage: node scripts/shakeable-pki.mjs OUTFILE   (default node_modules/.cache/certwatch/pkijs-shakeable.mjs)
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `static {` blocks whose every line is `this.NAME = expression;` (the published files indent with tabs). */
const STATIC_BLOCK = /^(\t+)static \{\n((?:\1\t[^\n]*\n)+?)\1\}$/gm;
const THIS_ASSIGNMENT = /^\s*this\.([A-Za-z_$][\w$]*) = ([^;\n]+);$/;

/** Rewrites assignment-only static blocks into static fields; returns the text and how many it rewrote. */
function staticBlocksToFields(text) {
  let rewritten = 0;
  const out = text.replace(STATIC_BLOCK, (block, indent, body) => {
    const lines = body.trimEnd().split('\n');
    const fields = lines.map((line) => THIS_ASSIGNMENT.exec(line));
    if (fields.some((field) => field === null)) return block;
    rewritten += 1;
    return fields.map(([, name, value]) => `${indent}static ${name} = ${value};`).join('\n');
  });
  return { text: out, rewritten };
}

/** The @noble/hashes imports pkijs 4 has, and what replaces each: one-shot digests from node:crypto. */
const NOBLE_IMPORTS = [
  ['import { sha1 } from "@noble/hashes/legacy.js";', ['sha1']],
  ['import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";', ['sha256', 'sha384', 'sha512']],
];

/** Replaces pkijs' @noble/hashes imports with node:crypto digests; returns the text and how many it replaced. */
function nodeHashes(text) {
  let out = text;
  let replaced = 0;
  for (const [line, names] of NOBLE_IMPORTS) {
    if (!out.includes(line)) continue;
    const digests = names.map(
      (n) => `const ${n} = (data) => new Uint8Array(__cwCreateHash("${n}").update(data).digest());`,
    );
    out = out.replace(line, digests.join('\n'));
    replaced += 1;
  }
  if (replaced > 0) out = `import { createHash as __cwCreateHash } from "node:crypto";\n${out}`;
  return { text: out, replaced };
}

/** Pins `from "bare"` imports to absolute files, resolved as the original module resolves them. */
function pinImports(text, entry) {
  const require = createRequire(entry);
  return text.replace(/^(import [^;\n]* from )"([^"./][^"]*)";$/gm, (_line, head, specifier) => {
    return `${head}${JSON.stringify(require.resolve(specifier))};`;
  });
}

function main() {
  const target = resolve(process.argv[2] ?? join(ROOT, 'node_modules', '.cache', 'certwatch', 'pkijs-shakeable.mjs'));
  mkdirSync(dirname(target), { recursive: true });
  const entry = createRequire(join(ROOT, 'package.json')).resolve('pkijs');
  const { text, rewritten } = staticBlocksToFields(readFileSync(entry, 'utf8'));
  // A release laid out differently is still correct, only larger: the bundle size test says so.
  if (rewritten === 0) process.stderr.write('shakeable-pki: no static block of pkijs rewritten\n');
  const hashed = nodeHashes(text);
  if (hashed.replaced === 0) process.stderr.write('shakeable-pki: no @noble/hashes import of pkijs replaced\n');
  // Several synths may run at once: each writes its own file and renames it into place.
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, pinImports(hashed.text, entry));
  renameSync(temporary, target);
}

main();

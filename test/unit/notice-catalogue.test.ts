/**
 * The notice catalogue (lambdas/core/notices): every registered type renders a valid SNS subject from its
 * example, its example's dedupe key has the documented shape, each type module is registered (its words in
 * the NOTICE_DOCS guard), and docs/notices.md is generated from the registry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNotice, NOTICE_KINDS, NOTICE_TYPES, type NoticeType, noticeKind } from '../../lambdas/core/notice';
import { type NoticeKind, noticeDocs } from '../../lambdas/core/notices/kind';
import { NOTICES_DOC, renderNoticesDoc } from '../../scripts/notices-doc';

const KINDS = NOTICE_KINDS as readonly NoticeKind[];
const TYPES_DIR = join(__dirname, '../../lambdas/core/notices/types');

/** A documented key shape as a pattern: `<name>` = any part, `[...]` = optional. */
function keyPattern(shape: string): RegExp {
  let source = '';
  for (let i = 0; i < shape.length; i++) {
    const c = shape[i];
    if (c === '<') {
      i = shape.indexOf('>', i);
      source += '.+?';
    } else if (c === '[') source += '(?:';
    else if (c === ']') source += ')?';
    else source += c.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function exampleNotice(kind: NoticeKind) {
  return createNotice({
    type: kind.type as NoticeType,
    at: '2026-06-01T00:00:00.000Z',
    ...noticeDocs(kind).example,
  } as never);
}

describe('notice catalogue', () => {
  it.each(KINDS.map((k) => [k.type, k] as const))(
    '%s renders a subject of at most 100 printable ASCII characters naming its severity',
    (_type, kind) => {
      // Act
      const notice = exampleNotice(kind);

      // Assess
      expect(notice.subject.length).toBeLessThanOrEqual(100);
      expect(notice.subject).toMatch(/^[\x20-\x7e]+$/);
      expect(notice.subject.startsWith(`certwatch ${kind.severity}: `)).toBe(true);
      expect(notice.text.split('\n')[0].length).toBeGreaterThan(0);
    },
  );

  it.each(KINDS.map((k) => [k.type, k] as const))('%s example key has the documented shape', (type, kind) => {
    // Assess
    expect(kind.dedupeKey.startsWith(`${type}#`)).toBe(true);
    expect(noticeDocs(kind).example.dedupeKey).toMatch(keyPattern(kind.dedupeKey));
  });

  it('documents every facts field of each example and no field the example lacks a place for', () => {
    // Act
    const undocumented = KINDS.flatMap((k) =>
      Object.keys(noticeDocs(k).example.facts as object)
        .filter((f) => !(f in (noticeDocs(k).fields as object)))
        .map((f) => `${k.type}.${f}`),
    );

    // Assess
    expect(undocumented).toEqual([]);
  });

  it('registers every type module once, each file named after its type', () => {
    // Prepare
    const files = readdirSync(TYPES_DIR)
      .filter((f) => f.endsWith('.ts'))
      .sort();

    // Act
    const expected = NOTICE_TYPES.map((t) => `${t.toLowerCase().replace(/_/g, '-')}.ts`).sort();

    // Assess
    expect(files).toEqual(expected);
    expect(new Set(NOTICE_TYPES).size).toBe(NOTICE_TYPES.length);
  });

  it("gives each type's words inside the NOTICE_DOCS guard, so the Lambda bundles leave them out", () => {
    // Act: a type's own `when`, `fields` or `example` outside `...(NOTICE_DOCS && { ... })` sits at the
    // kind's first indentation level
    const unguarded = readdirSync(TYPES_DIR)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => {
        const source = readFileSync(join(TYPES_DIR, f), 'utf8');
        return /^ {2}(when|fields|example)\b/m.test(source) || !source.includes('...(NOTICE_DOCS && {');
      });

    // Assess
    expect(unguarded).toEqual([]);
  });

  it('looks a type up by name and refuses a name it does not know', () => {
    // Assess
    expect(noticeKind('EXPIRED').severity).toBe('critical');
    expect(() => noticeKind('NO_SUCH_TYPE' as NoticeType)).toThrow('unknown notice type NO_SUCH_TYPE');
  });

  it('reads a documented key shape as a pattern that can fail', () => {
    // Assess
    expect('EXPIRED#smtp://a:25#ab').toMatch(keyPattern('EXPIRED#<target>#<sha256>'));
    expect('EXPIRED#smtp://a:25').not.toMatch(keyPattern('EXPIRED#<target>#<sha256>'));
    expect('BASELINE#d1#2').toMatch(keyPattern('BASELINE#<digest>[#<part>]'));
    expect('BASELINE#d1').toMatch(keyPattern('BASELINE#<digest>[#<part>]'));
  });

  it('docs/notices.md is generated from the registry (npm run docs:notices)', () => {
    // Act
    const page = readFileSync(NOTICES_DOC, 'utf8');

    // Assess
    expect(page).toBe(renderNoticesDoc());
    for (const type of NOTICE_TYPES) expect(page).toContain(`### ${type}\n`);
  });
});

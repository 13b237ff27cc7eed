/**
 * What one notice type declares: the catalogue's unit. Each type is one module under `types/` holding its
 * facts, severity, words, dedupe key, any SNS attributes of its own and an example; `registry.ts` lists
 * them. Adding a type is its module plus one registry line (docs/architecture.md "Adding a notice type").
 *
 * This module imports nothing from the rest of the catalogue, so a type module never closes a circle.
 */

/** How urgent a notice is; the SNS attribute `severity` subscribers filter on. */
export type Severity = 'info' | 'warning' | 'critical';

/** A notice before its words: what a type's {@link NoticeKind.describe} reads. */
export interface NoticeDraft<F = unknown> {
  type: string;
  severity: Severity;
  dedupeKey: string;
  /** The target URL, or null for a notice about several targets or none. */
  target: string | null;
  hosts: string[];
  /** ISO 8601. */
  at: string;
  facts: F;
}

/** A notice's words: the title (the subject after `certwatch SEVERITY: `, and the text's first line) and the rest. */
export interface NoticeWords {
  title: string;
  lines: string[];
}

/** Where a notice is, as its title names it: `host:port` of its target, `N targets`, or '' for none. */
export type Where = string;

/** How a type's notices about one leaf at several targets of a cycle become one (core/detect/shared.ts). */
export interface SharedPolicy<F> {
  /** What makes two targets' notices the same event (after the type), e.g. the leaf's sha256; null: never merged. */
  event(facts: F): string | null;
  /** The addresses one target's notice is about, and its rollout when the type reports one. */
  member(facts: F): { addresses: string[]; rollout?: { share: number; serving: number; total: number } };
}

/** A value of an SNS message attribute: a string, or a list (sent as String.Array). */
export type AttributeValue = string | string[];

/**
 * One notice type of the catalogue. `T` is its name, `F` its facts (the JSON body's `facts`), `A` what its
 * dedupe key is built from.
 */
// biome-ignore lint/suspicious/noExplicitAny: a key builder's parameters are the type's own; `any[]` admits every list
export interface NoticeKind<T extends string = string, F = unknown, A extends any[] = any[]> {
  type: T;
  severity: Severity;
  /** When it is raised, one or two sentences (docs/notices.md). Catalogue words: see {@link NOTICE_DOCS}. */
  when?: string;
  /**
   * Each facts field, described (docs/notices.md); the type makes every field, optional ones too, listed.
   * Catalogue words: see {@link NOTICE_DOCS}.
   */
  fields?: { readonly [K in keyof Required<F>]: string };
  /**
   * The dedupe key's shape for docs/notices.md, `<name>` for a variable part and `[...]` for an optional
   * one, e.g. `EXPIRED#<target>#<sha256>`; a test matches the example's key against it.
   */
  dedupeKey: string;
  /** Builds the dedupe key: the same event always gets the same key, so it is published once. */
  key(...parts: A): string;
  /** The subject's title and the text's lines, from the facts only. */
  describe(notice: NoticeDraft<F>, where: Where): NoticeWords;
  /** SNS message attributes of this type beyond `type`, `severity`, `dedupeKey` and `host`. */
  attributes?(notice: NoticeDraft<F>): Readonly<Record<string, AttributeValue>>;
  /** Set when notices of this type about one leaf at several targets of a cycle are merged into one. */
  shared?: SharedPolicy<F>;
  /**
   * A complete notice of this type (tests render it; docs/notices.md shows its subject). Catalogue words:
   * see {@link NOTICE_DOCS}.
   */
  example?: { dedupeKey: string; target: string | null; hosts: string[]; facts: F };
}

/**
 * Whether the catalogue's words are in this build. Each type module gives `when`, `fields` and `example`
 * as `...(NOTICE_DOCS && { ... })`: the Lambda bundles define CERTWATCH_NOTICE_DOCS as `off`
 * (lib/function-settings.ts), so esbuild folds this to false and leaves the words out (about 25 kB of code
 * a function never reads); the CLI, the tests and scripts/notices-doc.ts have them.
 */
export const NOTICE_DOCS: boolean = process.env.CERTWATCH_NOTICE_DOCS !== 'off';

/** A type's catalogue words, present. */
export type NoticeDocs<F> = Required<Pick<NoticeKind<string, F>, 'when' | 'fields' | 'example'>>;

/** The catalogue words of `kind` (docs/notices.md, the catalogue tests); throws in a build without them. */
// biome-ignore lint/suspicious/noExplicitAny: see NoticeKind
export function noticeDocs<F>(kind: NoticeKind<string, F, any[]>): NoticeDocs<F> {
  const { when, fields, example } = kind;
  if (when === undefined || fields === undefined || example === undefined) {
    throw new Error(`notice type ${kind.type}: no catalogue words in this build (NOTICE_DOCS)`);
  }
  return { when, fields, example };
}

/**
 * Declares a notice type with its facts type `F` written out and its name inferred:
 * `defineNotice<ExpiredFacts>()({ type: 'EXPIRED', ... })`.
 */
export function defineNotice<F>() {
  // biome-ignore lint/suspicious/noExplicitAny: see NoticeKind
  return <const T extends string, A extends any[]>(kind: NoticeKind<T, F, A>): NoticeKind<T, F, A> =>
    Object.freeze(kind);
}

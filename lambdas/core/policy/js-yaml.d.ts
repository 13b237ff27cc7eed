// js-yaml 3 ships no types; certwatch uses its safe loader only.
declare module 'js-yaml' {
  export function safeLoad(text: string, options?: { filename?: string; json?: boolean }): unknown;
}

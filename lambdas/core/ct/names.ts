/**
 * Which watched hosts a logged certificate names: an exact dNSName, or a wildcard that covers the host
 * (one whole left-most label, under a name of at least two labels). A name that merely contains a
 * watched name (`notsmtp.example.com`, `smtp.example.com.evil.test`) names nothing watched.
 */
import { ipVersion } from '../ip';

/** A host name as compared: lowercase, no trailing dot. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** Whether a host can appear as a dNSName in a logged certificate (not an IP literal, has a dot). */
export function isLoggableHost(host: string): boolean {
  const h = normalizeHost(host.replace(/^\[|\]$/g, ''));
  return h.includes('.') && ipVersion(h) === 0 && /^[a-z0-9_.-]+$/.test(h);
}

/**
 * The byte pattern the name filter searches for a host: its parent name, which both the host itself
 * and a wildcard covering it contain (`smtp.gmail.com` → `gmail.com`); a two-label host is its own key
 * (no wildcard can cover it).
 */
export function filterKey(host: string): string {
  const h = normalizeHost(host);
  const labels = h.split('.');
  return labels.length >= 3 ? labels.slice(1).join('.') : h;
}

/** Whether the certificate name `name` (a dNSName) covers `host`. Both are compared case-insensitively. */
export function nameCovers(name: string, host: string): boolean {
  const n = normalizeHost(name);
  const h = normalizeHost(host);
  if (n === h) return true;
  if (!n.startsWith('*.')) return false;
  const parent = n.slice(2);
  if (!parent.includes('.') || parent.includes('*')) return false;
  if (!h.endsWith(`.${parent}`)) return false;
  const label = h.slice(0, h.length - parent.length - 1);
  return label.length > 0 && !label.includes('.');
}

/** The watched hosts `names` cover, sorted. */
export function coveredHosts(names: readonly string[], watched: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const n = normalizeHost(name);
    if (watched.has(n)) out.add(n);
    if (n.startsWith('*.')) {
      for (const host of watched) if (nameCovers(n, host)) out.add(host);
    }
  }
  return [...out].sort();
}

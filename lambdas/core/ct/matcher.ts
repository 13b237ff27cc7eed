/**
 * Which log entries name a watched host: the name filter on the raw TBS first (nearly every entry stops
 * there), then the entry's facts and its dNSNames matched exactly or by a covering wildcard. An entry that
 * passes the filter but cannot be read is counted, not fatal: a log's odd entry is not certwatch's problem.
 */
import { type LogEntry, scanBytes } from './entries';
import { type LoggedCertFacts, loggedCertFacts } from './logged-cert';
import { NameFilter } from './name-filter';
import { coveredHosts, filterKey, isLoggableHost, normalizeHost } from './names';

/** An entry that names watched hosts, with what was read of it. */
export interface EntryMatch {
  entry: LogEntry;
  facts: LoggedCertFacts;
  /** The watched hosts it covers, sorted. */
  hosts: string[];
}

/** Counts of one matcher's work. */
export interface MatcherStats {
  /** Entries the filter let through (parsed). */
  candidates: number;
  /** Candidates that could not be read. */
  unreadable: number;
  matched: number;
}

/** A matcher for a set of watched hosts. */
export class HostMatcher {
  readonly hosts: ReadonlySet<string>;
  readonly filter: NameFilter;
  readonly stats: MatcherStats = { candidates: 0, unreadable: 0, matched: 0 };

  constructor(hosts: Iterable<string>) {
    this.hosts = new Set([...hosts].filter(isLoggableHost).map(normalizeHost));
    this.filter = new NameFilter([...this.hosts].map(filterKey));
  }

  /** The match of one entry, or null. */
  match(entry: LogEntry): EntryMatch | null {
    if (!this.filter.test(scanBytes(entry))) return null;
    this.stats.candidates += 1;
    let facts: LoggedCertFacts;
    try {
      facts = loggedCertFacts(entry);
    } catch {
      this.stats.unreadable += 1;
      return null;
    }
    const hosts = coveredHosts(facts.dnsNames, this.hosts);
    if (hosts.length === 0) return null;
    this.stats.matched += 1;
    return { entry, facts, hosts };
  }
}

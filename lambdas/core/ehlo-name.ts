/**
 * The name certwatch sends in EHLO (RFC 5321 §4.1.1.1: a domain, or an address literal). It is written
 * verbatim into the SMTP dialogue, so anything else — a space, a CR/LF that would smuggle a second
 * command — is refused before a connection is made.
 */
import { CoreError } from './errors';
import { ipVersion } from './ip';
import { quoteInput } from './quote';

const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Checks an EHLO name: a domain (`mail.example.com`) or an address literal (`[192.0.2.1]`,
 * `[IPv6:2001:db8::1]`). A bare address is turned into its literal, as RFC 5321 §4.1.3 writes it.
 * @throws CoreError EHLO_INVALID
 */
export function parseEhloName(input: string): string {
  const name = input.trim().replace(/\.$/, '');
  if (ipVersion(name) === 4) return `[${name}]`;
  if (ipVersion(name) === 6) return `[IPv6:${name}]`;
  const literal = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(name);
  if (literal) {
    const address = literal[1];
    const v6 = /^\[IPv6:/i.test(name);
    if ((v6 && ipVersion(address) === 6) || (!v6 && ipVersion(address) === 4))
      return v6 ? `[IPv6:${address}]` : `[${address}]`;
  } else if (DOMAIN.test(name)) {
    return name;
  }
  throw new CoreError(
    'EHLO_INVALID',
    `${quoteInput(input)}: expected a domain (mail.example.com) or an address literal ([192.0.2.1], [IPv6:2001:db8::1])`,
  );
}

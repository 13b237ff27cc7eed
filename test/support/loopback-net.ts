/**
 * Loopback addresses for servers on fixed ports (an MX host on 25, MTA-STS on 443): any 127.0.0.0/8
 * address is this machine's, so each suite run draws a /24 of its own, and two checkouts running the
 * same suite at once meet on one address only by a 1-in-254 chance.
 */
export function loopbackNet(second: number): string {
  return `127.${second}.${1 + Math.floor(Math.random() * 254)}`;
}

/**
 * `--resolve` entries the run never used: a pin whose host:port matches no probed target is almost
 * always a typo (another port, a missing subdomain), and curl's silence about it costs users an hour.
 */
import type { ResolvePin } from '../../core/targets';

/** What was probed: host and port of each observation (or posture entry). */
export interface Probed {
  host: string;
  port: number;
}

/** The pins that matched no probed host and port. */
export function unusedPins(pins: readonly ResolvePin[], probed: readonly Probed[]): ResolvePin[] {
  const used = new Set(probed.map((p) => `${p.host.toLowerCase()}:${p.port}`));
  return pins.filter((pin) => !used.has(`${pin.host}:${pin.port}`));
}

/** One stderr line per unused pin. */
export function reportUnusedPins(
  stderr: NodeJS.WritableStream,
  pins: readonly ResolvePin[],
  probed: readonly Probed[],
): void {
  for (const pin of unusedPins(pins, probed)) {
    stderr.write(
      `certwatch: --resolve ${pin.host}:${pin.port}:${pin.addresses.join(',')} was not used: no target is ${pin.host}:${pin.port}\n`,
    );
  }
}

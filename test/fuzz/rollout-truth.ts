/**
 * The ground truth of the rollout simulator's worlds (rollout-worlds.ts): which live addresses serve a
 * leaf when, since when, until when, what DNS names each cycle, and the verdict of a policy pinning every
 * leaf. The simulator checks each notice against it.
 */
import type { KeyType, Observation } from '../../lambdas/core/observation';
import type { Rng } from './prng';
import { HOUR, leafAt, type SimAddress, type SimTarget, WITHDRAWN, type World } from './rollout-worlds';

/** The verdict of a policy pinning every leaf of the world (the user pasted each remedy): this leaf's pin matched. */
export function pinned(spki: string): Observation['consumerPolicy'] {
  const pin = `sha256/${spki}`;
  return {
    ok: true,
    policies: [0],
    rules: [
      { policy: 0, kind: 'pins', status: 'pass', severity: 'critical', reason: `${pin} matched`, matched: [pin] },
    ],
  };
}

/** DNS answers: every live address, or 1–2 weighted ones with each live address at least once per max gap. */
export class DnsAnswers {
  private readonly named = new Map<string, number>();
  constructor(private readonly rng: Rng) {}

  answer(t: SimTarget, real: number): SimAddress[] {
    const live = t.addresses.filter((a) => a.leavesAt === null || a.leavesAt > real);
    if (t.dns === 'all') return live;
    const gap = t.dns.maxGapHours * HOUR;
    const due = live.filter((a) => real - (this.named.get(a.address) ?? real) >= gap);
    const picked = new Set(due.slice(0, 2));
    const size = this.rng.chance(0.5) ? 1 : 2;
    while (picked.size < Math.min(size, live.length))
      picked.add(this.rng.weighted(live.map((a) => [a, a.dnsWeight] as const)));
    for (const a of picked) this.named.set(a.address, real);
    return [...picked];
  }
}

/** The live addresses (target address) whose frontends include one serving `leaf` at `t`. */
export function servingNow(world: World, keyType: KeyType, leaf: number, t: number): string[] {
  return world.targets.flatMap((target) =>
    target.addresses
      .filter((a) => (a.leavesAt === null || a.leavesAt > t) && a.frontends.some((f) => leafAt(f, keyType, t) === leaf))
      .map((a) => a.address),
  );
}

/** Until when (ms) the world serves `leaf` without a break from `t`: the first step after which no live frontend does. */
export function servedUntil(world: World, keyType: KeyType, leaf: number, t: number): number {
  const times = new Set<number>();
  for (const target of world.targets) {
    for (const a of target.addresses) {
      if (a.leavesAt !== null && a.leavesAt > t) times.add(a.leavesAt);
      for (const f of a.frontends) for (const [from] of f.serves[keyType]) if (from > t) times.add(from);
    }
  }
  for (const at of [...times].sort((x, y) => x - y)) if (servingNow(world, keyType, leaf, at).length === 0) return at;
  return Number.POSITIVE_INFINITY;
}

/** Since when some frontend of `address` serves `leaf` without a break, at `t` (ms); null when none does. */
export function servingSince(world: World, address: string, keyType: KeyType, leaf: number, t: number): number | null {
  let since: number | null = null;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      if (a.address !== address) continue;
      for (const f of a.frontends) {
        const step = [...f.serves[keyType]].reverse().find(([from]) => from <= t);
        if (step && step[1] === leaf && (since === null || step[0] < since)) since = step[0];
      }
    }
  }
  return since;
}

/** When `leaf` was last served by a live address before `t` (ms), or null when never. */
export function lastServed(world: World, keyType: KeyType, leaf: number, t: number): number | null {
  let last: number | null = null;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      for (const f of a.frontends) {
        const steps = f.serves[keyType];
        for (let i = 0; i < steps.length; i++) {
          if (steps[i][1] !== leaf || steps[i][0] > t) continue;
          const end = Math.min(steps[i + 1]?.[0] ?? t, a.leavesAt ?? t, t);
          if (last === null || end > last) last = end;
        }
      }
    }
  }
  return last;
}

/** When the last frontend stopped offering a key type for good (ms), or null when some still offers it. */
export function withdrawnAt(world: World, keyType: KeyType): number | null {
  let at = 0;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      for (const f of a.frontends) {
        const last = f.serves[keyType].at(-1);
        if (!last || last[1] !== WITHDRAWN) return null;
        at = Math.max(at, last[0]);
      }
    }
  }
  return at;
}

export function servedEver(world: World, keyType: KeyType, leaf: number): boolean {
  return world.targets.some((t) =>
    t.addresses.some((a) => a.frontends.some((f) => f.serves[keyType].some(([, l]) => l === leaf))),
  );
}

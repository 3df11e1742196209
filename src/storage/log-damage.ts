/**
 * A damaged range in a partition log: a batch that fails its checks (length, magic, CRC32C,
 * record counts, offset continuity) or offsets no file holds (a deleted or cut segment). Found
 * by recovery at open, by the background scrubber, or by a read. The log keeps only the lowest
 * one: the replica vouches for nothing from `offset` on until it has refetched that range from
 * its leader (node/ drives the repair; storage only reports, refuses to serve, and truncates
 * when told).
 */

export type LogDamageKind = 'corrupt' | 'missing';
export type LogDamageFinder = 'recovery' | 'scrub' | 'read';

export interface LogDamage {
  /** The first offset this log cannot vouch for; every batch below it is trusted. */
  readonly offset: number;
  /** corrupt: bytes are there but fail a check; missing: no file holds these offsets. */
  readonly kind: LogDamageKind;
  /** The segment file (for a gap, the file that ends short of the next one, or the next one). */
  readonly file: string;
  /** Byte position of the bad batch in `file`; for a gap, where the file ends. */
  readonly position: number;
  /** What failed, for the operator ("CRC32C 0x…, header says 0x…", "file ends at 100"). */
  readonly detail: string;
  readonly foundBy: LogDamageFinder;
}

/** The lower of two damages (the one to repair from), or `b` when `a` is undefined. */
export function lowerDamage(a: LogDamage | undefined, b: LogDamage): LogDamage {
  return a === undefined || b.offset < a.offset ? b : a;
}

/**
 * The shrinker (issue 14): given a seed whose run has findings, the smallest fault schedule that
 * still fails the same way. The world's other randomness (network latencies, disks, the nodes' own)
 * comes from PRNG streams of its own (world.ts `prngFor`), so a schedule with an episode removed
 * replays the rest as before, up to the timing the removed one changed.
 *
 * Steps, each kept only if the run still has a finding of the first failure's kind: drop each
 * episode; then halve each remaining episode's duration (down to 300 ms); then move each one
 * earlier by halving its start. Bounded: at most `runsMax` runs.
 */
import { describeEpisode, faultKinds, type Episode, type FaultKind } from './faults.js';
import { runScenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

export interface ShrinkOutcome {
  readonly original: ScenarioResult;
  readonly smallest: ScenarioResult;
  readonly runs: number;
}

/** Parses a schedule as `describeEpisode` prints it: `kill(1)@1313+5648 one-way(3>1)@528+4074 …`. */
export function parseSchedule(text: string): Episode[] {
  const out: Episode[] = [];
  for (const part of text.trim().split(/\s+/).filter((p) => p !== '')) {
    const m = /^([a-z-]+)\(([\d>]+)\)@(\d+)\+(\d+)$/.exec(part);
    if (m === null || !(faultKinds as readonly string[]).includes(m[1]!)) {
      throw new Error(`not an episode: ${part} (expected kind(node[>node])@startMs+durationMs, kinds ${faultKinds.join(', ')})`);
    }
    out.push({ kind: m[1] as FaultKind, nodes: m[2]!.split('>').map(Number), atMs: Number(m[3]),
      durationMs: Number(m[4]) });
  }
  return out;
}

export async function shrink(
  options: ScenarioOptions, runsMax = 60, progress: (line: string) => void = () => undefined,
): Promise<ShrinkOutcome> {
  const original = await runScenario(options);
  const kind = original.findings[0]?.kind;
  if (kind === undefined) return { original, smallest: original, runs: 1 };
  let best = original;
  let episodes = [...original.episodes];
  let runs = 1;
  const tryWith = async (candidate: Episode[]): Promise<boolean> => {
    if (runs >= runsMax) return false;
    runs++;
    const r = await runScenario({ ...options, episodes: candidate });
    const fails = r.findings.some((f) => f.kind === kind);
    progress(`${fails ? 'still fails' : 'passes    '} ${candidate.map(describeEpisode).join(' ') || '(no faults)'}`);
    if (fails) {
      best = r;
      episodes = candidate;
    }
    return fails;
  };
  for (let i = episodes.length - 1; i >= 0; i--) {
    await tryWith(episodes.filter((_, j) => j !== i));
  }
  for (let i = 0; i < episodes.length; i++) {
    for (;;) {
      const e = episodes[i]!;
      if (e.durationMs <= 300) break;
      const shorter = { ...e, durationMs: Math.max(300, Math.floor(e.durationMs / 2)) };
      if (!(await tryWith(episodes.map((x, j) => (j === i ? shorter : x))))) break;
    }
  }
  for (let i = 0; i < episodes.length; i++) {
    const previousEnd = i === 0 ? 0 : episodes[i - 1]!.atMs + episodes[i - 1]!.durationMs;
    for (;;) {
      const e = episodes[i]!;
      const earlier = Math.max(previousEnd, Math.floor((previousEnd + e.atMs) / 2));
      if (e.atMs - earlier < 100) break;
      if (!(await tryWith(episodes.map((x, j) => (j === i ? { ...x, atMs: earlier } : x))))) break;
    }
  }
  return { original, smallest: best, runs };
}

#!/usr/bin/env python3
"""Merge run-seeds.js stdout logs into a per-seed CSV (dedupe by seed) and print a summary."""
import csv, json, sys
out, logs = sys.argv[1], sys.argv[2:]
rows = {}
try:
    with open(out) as f:
        for r in csv.DictReader(f): rows[int(r['seed'])] = r
except FileNotFoundError:
    pass
failed = []
for path in logs:
    for line in open(path, errors='replace'):
        if not line.startswith('{"seed"'): continue
        try: d = json.loads(line)
        except Exception: continue
        rows[d['seed']] = {'seed': d['seed'], 'ok': 1 if d['ok'] else 0, 'virtualMs': d['virtualMs'],
            'wallMs': d['wallMs'], 'steps': d['steps'], 'acked': d['acked'], 'traceHash': d['traceHash'],
            'episodes': ' '.join(d.get('episodes', []))}
        if not d['ok']: failed.append((d['seed'], [f['kind'] for f in d['findings']]))
with open(out, 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=['seed','ok','virtualMs','wallMs','steps','acked','traceHash','episodes'])
    w.writeheader()
    for s in sorted(rows): w.writerow(rows[s])
seeds = sorted(rows)
ranges = []
for s in seeds:
    if ranges and s == ranges[-1][1] + 1: ranges[-1][1] = s
    else: ranges.append([s, s])
n = len(seeds); bad = [s for s in seeds if int(rows[s]['ok']) == 0]
print(f"seeds {n}, failed {len(bad)} {bad[:20]}")
print("ranges", ', '.join(f"{a}-{b}" for a, b in ranges))
print("sim s", round(sum(int(rows[s]['virtualMs']) for s in seeds)/1000), "wall s", round(sum(int(rows[s]['wallMs']) for s in seeds)/1000),
      "acked", sum(int(rows[s]['acked']) for s in seeds))
if failed: print("failed in these logs:", failed)

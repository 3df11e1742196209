/**
 * Proves the scripted Raft scenarios (election, pre-vote, check-quorum, leader transfer, snapshot,
 * membership change, read-index) produce exactly the recorded messages and state, by replaying
 * each test/unit/raft/testdata/*.txt through the Interaction interpreter and comparing every
 * command's output with the text under its `----`. PADO_REWRITE=1 rewrites the files from the
 * actual output (then review the diff: it is the behaviour change).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interaction } from './interaction.js';

const dir = join('test', 'unit', 'raft', 'testdata');
const rewrite = process.env.PADO_REWRITE === '1';

interface Case {
  readonly command: string;
  readonly expected: string;
  readonly line: number;
}

/** Blocks: optional comment lines, one command line, `----`, output lines up to a blank line. */
function parse(text: string): { cases: Case[]; comments: Map<number, string[]> } {
  const lines = text.split('\n');
  const cases: Case[] = [];
  const comments = new Map<number, string[]>();
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' && pending.length === 0) continue;
    if (line.startsWith('#') || line.trim() === '') {
      pending.push(line);
      continue;
    }
    assert.equal(lines[i + 1], '----', `${dir}: line ${i + 2} should be ----`);
    const output: string[] = [];
    let j = i + 2;
    for (; j < lines.length && (lines[j] as string) !== ''; j++) output.push(lines[j] as string);
    comments.set(cases.length, pending);
    pending = [];
    cases.push({ command: line, expected: output.join('\n'), line: i + 1 });
    i = j;
  }
  return { cases, comments };
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`raft transcript ${file}`, () => {
    const path = join(dir, file);
    const { cases, comments } = parse(readFileSync(path, 'utf8'));
    const interaction = new Interaction();
    const rewritten: string[] = [];
    cases.forEach((c, n) => {
      const actual = interaction.run(c.command);
      for (const comment of comments.get(n) ?? []) rewritten.push(comment);
      rewritten.push(c.command, '----', actual, '');
      if (!rewrite) assert.equal(actual, c.expected, `${file}:${c.line}: ${c.command}`);
    });
    if (rewrite) writeFileSync(path, rewritten.join('\n'));
  });
}

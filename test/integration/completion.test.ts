/**
 * Issue 16 item 4 (shell completion): `pado completion bash|zsh|fish` run as a process, and its
 * script loaded into the real shell. bash: `complete -p pado` names the function, and calling it
 * as bash's completion does completes `pado clu` → `cluster`, `pado cluster ` → exactly the
 * cluster verbs the CLI has, `pado cluster logdirs ` → `describe`, a flag of a three-word command
 * and of a command with a positional argument, and `pado dev ` → kill and restart. fish (when
 * installed): `complete -C` gives the same. zsh (when installed): the script loads through
 * bashcompinit and its function yields the same candidates (zsh itself filters them by prefix).
 * A shell that is not installed is skipped with a reason; no cluster is needed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandNames } from '../../src/cli/index.js';
import { mainJs, tempDir } from '../support/broker.js';
import { run } from '../support/run.js';

const clusterVerbs = [...new Set(commandNames.filter((n) => n.startsWith('cluster '))
  .map((n) => n.split(' ')[1] ?? ''))].sort();

/**
 * `pado completion <shell>` written to a file removed after the test; null (the test skipped)
 * when the shell at `path` is not installed.
 */
async function script(t: TestContext, shell: string, path: string | null): Promise<string | null> {
  if (path !== null && !existsSync(path)) {
    t.skip(`${shell} is not installed`);
    return null;
  }
  const r = await run(process.execPath, [mainJs, 'completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  const dir = tempDir('pado-completion-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `pado.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** Each case: the words typed (the last is the one being completed) → the candidates. */
const cases: [string[], string[]][] = [
  [['pado', 'clu'], ['cluster']],
  [['pado', 'cluster', ''], clusterVerbs],
  [['pado', 'cluster', 'logdirs', ''], ['describe']],
  [['pado', 'cluster', 'logdirs', 'describe', '--to'], ['--topics']],
  [['pado', 'topic', 'create', 'orders', '--par'], ['--partitions']],
  [['pado', 'dev', ''], ['kill', 'restart']],
];

const calls = cases.map(([words]) => `t ${words.map((w) => `'${w}'`).join(' ')}`).join('\n');
const harness = `t() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _pado
  printf '%s\\n' "\${COMPREPLY[*]}"; }`;

test('completion bash: sourced in bash, completes nouns, verbs and flags', async (t) => {
  const file = await script(t, 'bash', null);
  assert.ok(file !== null);
  const r = await run('bash', ['--norc', '-c', `source '${file}'\ncomplete -p pado\n${harness}\n${calls}`]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'complete -F _pado pado');
  cases.forEach(([words, expected], i) =>
    assert.deepEqual((lines[i + 1] ?? '').split(' ').filter((w) => w !== '').sort(), [...expected].sort(),
      words.join(' ')));
  const unknown = await run(process.execPath, [mainJs, 'completion', 'tcsh']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /'tcsh' is not a shell; write pado completion bash\|zsh\|fish/);
});

test('completion fish: complete -C gives the same candidates', async (t) => {
  const file = await script(t, 'fish', '/usr/bin/fish');
  if (file === null) return;
  for (const [words, expected] of cases) {
    const r = await run('/usr/bin/fish', ['--no-config', '-c', `source '${file}'; complete -C '${words.join(' ')}'`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').map((l) => l.split('\t')[0]).filter((w) => w !== '').sort(),
      [...expected].sort(), words.join(' '));
  }
});

test('completion zsh: loads through bashcompinit; the same candidates before zsh\'s own filtering', async (t) => {
  const file = await script(t, 'zsh', '/usr/bin/zsh');
  if (file === null) return;
  const r = await run('/usr/bin/zsh', ['-f', '-c', `autoload -U compinit && compinit -u\nsource '${file}'\n` +
    `${harness}\n${calls}`]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  cases.forEach(([words, expected], i) => {
    const got = (lines[i] ?? '').split(' ').filter((w) => w !== '');
    const prefix = words.at(-1) ?? '';
    assert.deepEqual(got.filter((w) => w.startsWith(prefix)).sort(), [...expected].sort(), words.join(' '));
  });
});

// Proves the pure part of `pado completion`: flags are read from cac's option syntax (short and
// long, values and separators dropped); every command of the CLI's verb table reaches the bash and
// fish scripts with its flags; a word that could break out of the script's quoting is a bug
// (assertion), never written. Sourcing the scripts in real shells is test/integration/completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandNames, parseArgv } from '../../../src/cli/index.js';
import { completionScript, optionFlags } from '../../../src/cli/completion.js';

test('completion: flags from option specs', () => {
  assert.deepEqual(optionFlags({ flags: '-p, --partitions <count>', description: '' }), ['-p', '--partitions']);
  assert.deepEqual(optionFlags({ flags: '--bootstrap, --bootstrap-server <host:port,...>', description: '' }),
    ['--bootstrap', '--bootstrap-server']);
  assert.deepEqual(optionFlags({ flags: '--once', description: '' }), ['--once']);
});

test('completion: every command and its flags are in the scripts', () => {
  const bash = (parseArgv(['completion', 'bash'], {}).args as { shell: string }).shell;
  assert.equal(bash, 'bash');
  const commands = [{ words: ['topic', 'create'], options: [{ flags: '-p, --partitions <n>', description: '' }] },
    { words: ['cluster', 'logdirs', 'describe'], options: [] }, { words: ['top'], options: [] }];
  const script = completionScript('bash', commands);
  assert.match(script, /'topic create'\) words='-p --partitions --help' ;;/);
  assert.match(script, /'cluster logdirs'\) words='describe' ;;/);
  assert.match(script, /''\) words='topic cluster top' ;;/);
  assert.match(script, /^complete -F _pado pado$/m);
  const fish = completionScript('fish', commands);
  assert.match(fish, /^complete -c pado -n '__pado_at cluster' -a 'logdirs'$/m);
  assert.match(fish, /^complete -c pado -n '__pado_in topic create' -s p$/m);
  assert.ok(commandNames.includes('completion') && commandNames.includes('cluster logdirs describe'));
  assert.throws(() => completionScript('bash', [{ words: ["it's"], options: [] }]), /completion: command word/);
  assert.throws(() => completionScript('fish', [{ words: ['x'], options: [{ flags: "--a'b", description: '' }] }]));
});

/**
 * Issue 16 item 3: the web console in a real browser — Debian's chromium, driven headless by
 * puppeteer-core — against real `pado start` processes.
 * 1. A 3-node cluster, the console of node 1: the overview lists three live brokers, the
 *    controller and the quorum; a topic is created in the UI; kcat produces to it (text, a
 *    header, an HTML-looking value and binary bytes); the message browser shows them — the HTML
 *    as literal text (no element made from it), the binary as hex; a kafkajs group commits, kcat
 *    produces more, and the group page shows the lag per partition; an offset reset in the UI
 *    brings it to 0; broker 3 is SIGKILLed by PID and the overview shows it down with a problem
 *    naming it and the next step.
 * 2. Security on (SSL inter-broker, SASL_SSL client listener, ACLs): the console asks for a
 *    login; a wrong password is refused; alice logs in (HttpOnly, SameSite=Strict cookie) and
 *    sees only the topic her ACLs allow, and browsing the other shows the authorization error;
 *    a change without the console's header is refused (CSRF); the password is never logged.
 * Each step takes a screenshot under test-output/console/ (printed), checked to be a PNG of
 * non-trivial size; assertions are on the page's text, never on pixels. Every wait has a
 * deadline; the browser and every process are closed in `after`. Skipped only when
 * /usr/bin/chromium is absent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { httpPort, mainJs, type BrokerProcess } from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { RaftCluster } from '../support/raft-cluster.js';
import { startAclBroker } from '../support/secure-broker.js';
import { run, waitFor } from '../support/run.js';

const chromium = '/usr/bin/chromium';
const skip = existsSync(chromium) ? false
  : `${chromium} is absent: install Debian's chromium (apt-get install chromium; .ci/run does)`;
const shots = resolve('test-output', 'console');
/** Page waits: generous for a busy two-core machine, but bounded. */
const pageWaitMs = 20_000;

let browser: Browser | undefined;

before(async () => {
  if (skip !== false) return;
  mkdirSync(shots, { recursive: true });
  browser = await puppeteer.launch({ executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  assert.ok(browser !== undefined, 'the browser runs');
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  page.setDefaultTimeout(pageWaitMs);
  return page;
}

const bodyText = async (page: Page): Promise<string> =>
  await page.evaluate('document.body.innerText') as string;

async function waitText(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`,
      { timeout: pageWaitMs });
  } catch (e) {
    throw new Error(`"${text}" not on the page within ${pageWaitMs} ms; it shows:\n` +
      `${await bodyText(page)}`, { cause: e });
  }
}

/** Text of the table rows under `selector`, one string per row (cells joined by " | "). */
async function rows(page: Page, selector: string): Promise<string[]> {
  return await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(`${selector} tbody tr`)})]
    .map((tr) => [...tr.cells].map((td) => td.innerText.trim()).join(' | '))`) as string[];
}

async function shoot(page: Page, name: string): Promise<string> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    `${file} is a PNG`);
  assert.ok(statSync(file).size > 10_000, `${file} is a real screenshot (${statSync(file).size} bytes)`);
  return file;
}

async function goto(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: pageWaitMs });
}

test('the console walk: overview, create a topic, browse kcat\'s records, a group\'s lag, a killed broker, the event feed', { skip, timeout: 240_000 }, async (t) => {
  const cluster = await RaftCluster.start(3);
  t.after(() => cluster.stop());
  await cluster.allLive();
  const base = `http://127.0.0.1:${httpPort(cluster.process(1) ?? assert.fail('node 1 runs'))}/console/`;
  const page = await newPage();
  t.after(() => page.close());
  t.diagnostic(`screenshots in ${shots}`);

  // 1. Overview: three live brokers, a controller, the quorum's voters.
  await goto(page, base);
  await waitText(page, 'Metadata quorum');
  await waitFor('three live brokers on the overview', async () => {
    const b = await rows(page, '#brokers');
    return b.length === 3 && b.every((r) => r.endsWith('| live')) ? true : undefined;
  }, pageWaitMs);
  assert.match(await bodyText(page), /controller:\s*broker [123]/);
  assert.equal((await rows(page, '#quorum')).filter((r) => r.includes('voter')).length, 3);
  await shoot(page, '1-overview');

  // 2. Create a topic in the UI.
  const topic = 'console-walk';
  await page.click('#nav-topics');
  await page.waitForSelector('#topic-name');
  await page.type('#topic-name', topic);
  await page.type('#topic-replicas', '3');
  await page.click('#topic-create');
  await waitText(page, `Created topic ${topic}.`);
  await waitFor('the topic listed with 3 partitions and 3 replicas', async () =>
    (await rows(page, '#topic-list')).some((r) => r.startsWith(`${topic} | 3 | 3`)) ? true : undefined,
  pageWaitMs);
  await shoot(page, '2-topic-created');

  // 3. kcat produces to partition 0: text with a header, an HTML-looking value, binary bytes.
  const html = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const lines = ['k1:hello-1', 'k2:hello-2', `k3:${html}`].join('\n');
  const kcat = await run('kcat', ['-b', cluster.address(1), '-P', '-t', topic, '-p', '0', '-K', ':',
    '-H', 'trace=abc-123'], { input: `${lines}\n` });
  assert.equal(kcat.code, 0, kcat.stderr);
  const binary = await run('kcat', ['-b', cluster.address(1), '-P', '-t', topic, '-p', '0'],
    { input: Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x0a]) });
  assert.equal(binary.code, 0, binary.stderr);

  // 4. Browse them.
  await goto(page, `${base}#/messages?topic=${topic}&partition=0`);
  await page.waitForSelector('#browse-go');
  await page.click('#browse-go');
  await waitText(page, '4 record(s) of console-walk-0 from offset 0');
  const records = await rows(page, '#records');
  assert.equal(records.length, 4);
  assert.match(records[0] ?? '', /^0 \| .* UTC \| k1 \| hello-1 \| trace: abc-123$/);
  assert.ok(records[2]?.includes(html), `the HTML value is shown as text: ${records[2]}`);
  assert.match(records[3] ?? '', /0x0001feff/, 'binary bytes are shown as hex');
  assert.equal(await page.evaluate('document.querySelectorAll("#records img, #records script").length'), 0,
    'no element was made from a record');
  assert.equal(await page.evaluate('window.pwned === undefined'), true, 'no record ran');
  await shoot(page, '3-messages');

  // 5. A group commits what it read; more records come; the console shows the lag.
  const group = 'console-readers';
  await commitAll(cluster, topic, group, 4);
  const more = await run('kcat', ['-b', cluster.address(1), '-P', '-t', topic, '-p', '0'],
    { input: 'm1\nm2\nm3\nm4\nm5\n' });
  assert.equal(more.code, 0, more.stderr);
  await goto(page, `${base}#/groups/${group}`);
  await waitText(page, 'Offsets and lag');
  await waitFor('partition 0 lags by 5', async () =>
    (await rows(page, '#lag')).find((r) => r.startsWith(`${topic} | 0 | 4 | 9 | 5`)), pageWaitMs);
  await shoot(page, '4-group-lag');
  // Reset to the end in the UI: the lag goes to 0.
  await page.select('#reset-to', 'end');
  await page.click('#reset-go');
  await waitText(page, `of ${topic}.`);
  await waitFor('lag 0 after the reset', async () =>
    (await rows(page, '#lag')).find((r) => r.startsWith(`${topic} | 0 | 9 | 9 | 0`)), pageWaitMs);

  // 6. SIGKILL broker 3 by PID: the overview shows it down, with the problem and the next step.
  const victim = 3;
  t.diagnostic(`SIGKILL broker ${victim}, pid ${cluster.process(victim)?.pid}`);
  await cluster.kill(victim);
  await goto(page, base);
  await waitFor(`broker ${victim} down on the overview`, async () =>
    (await rows(page, '#brokers')).some((r) => r.startsWith(`${victim} `) && r.endsWith('| down'))
      ? true : undefined, 30_000);
  await waitText(page, `broker ${victim} is named as a replica or voter but is not registered`);
  await waitText(page, `start broker ${victim}`);
  const problems = await page.evaluate('[...document.querySelectorAll(".problem")].map((li) => li.innerText)') as string[];
  assert.ok(problems.some((p) => p.startsWith('missing-broker')), problems.join('\n'));
  await shoot(page, '5-broker-killed');
  // 7. The live event feed (the node's /events) has the fence, with its cause.
  await goto(page, `${base}#/events`);
  await waitFor(`broker ${victim}'s fence in the event feed`, async () =>
    (await rows(page, '#event-list')).find((r) => r.includes('| warn | broker-fenced |') &&
      r.includes(`broker ${victim} fenced`)), 30_000);
  assert.ok((await rows(page, '#event-list')).some((r) => r.includes(`topic-created`)), 'older events too');
  await shoot(page, '6-event-feed');
});

/** A kafkajs group reads `count` records of partition 0 and commits them, then leaves. */
async function commitAll(cluster: RaftCluster, topic: string, group: string, count: number):
  Promise<void> {
  const kafka = new Kafka({ brokers: [cluster.address(1), cluster.address(2)], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    const done = new Promise<void>((res) => {
      void consumer.run({ eachMessage: async () => {
        seen++;
        if (seen >= count) res();
      } });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`the group read ${seen} of ${count} in 60 s`)), 60_000);
    })]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor('the group\'s commit of partition 0', async () => {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const p0 = offsets[0]?.partitions.find((p) => p.partition === 0);
      return p0?.offset === String(count) ? true : undefined;
    }, 20_000, 200);
  } finally {
    await admin.disconnect();
  }
}

const passwords: Record<string, string> = { admin: 'admin-pw-7', alice: 'alice-pw-7' };

test('security on: SASL login, a wrong password refused, ACLs decide what a user sees, CSRF refused', { skip, timeout: 180_000 }, async (t) => {
  const certs: TestCerts = makeTestCerts();
  t.after(() => certs.remove());
  const broker = await secureBroker(certs);
  t.after(() => broker.stop());
  const base = `http://127.0.0.1:${httpPort(broker)}/console/`;
  const page = await newPage();
  t.after(() => page.close());

  await goto(page, base);
  await page.waitForSelector('#login-user');
  await waitText(page, 'SCRAM-SHA-512');
  await page.type('#login-user', 'alice');
  await page.type('#login-password', 'not-her-password');
  await page.click('#login-go');
  await waitText(page, 'login refused');
  await shoot(page, '6-login-refused');

  await page.type('#login-password', passwords['alice'] as string);
  await page.click('#login-go');
  await page.waitForSelector('#user');
  const cookie = (await page.cookies()).find((c) => c.name === 'pado_console');
  assert.ok(cookie !== undefined, 'a session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  await page.click('#nav-topics');
  await waitFor('alice sees orders', async () =>
    (await rows(page, '#topic-list')).some((r) => r.startsWith('orders |')) ? true : undefined,
  pageWaitMs);
  assert.ok(!(await rows(page, '#topic-list')).some((r) => r.startsWith('secret')),
    'a topic alice may not describe is not listed');
  await shoot(page, '7-alice-topics');
  await goto(page, `${base}#/messages?topic=secret&partition=0`);
  await page.waitForSelector('#browse-go');
  await page.click('#browse-go');
  await waitText(page, 'not authorized');
  await shoot(page, '8-alice-denied');

  // Without the console's header a change is refused, whoever sends it; without a session too.
  const http = `http://127.0.0.1:${httpPort(broker)}`;
  const session = `pado_console=${cookie.value}`;
  const csrf = await fetch(`${http}/console/api/topics`, { method: 'POST',
    headers: { cookie: session, 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ name: 'made-by-csrf' }) });
  assert.equal(csrf.status, 403);
  const anonymous = await fetch(`${http}/console/api/topics`);
  assert.equal(anonymous.status, 401);
  assert.ok(!broker.lines.some((l) => l.includes(passwords['alice'] as string) ||
    l.includes('not-her-password')), 'no password in the log');
  assert.ok(broker.lines.some((l) => l.includes('"msg":"console login refused"') &&
    l.includes('"user":"alice"')), 'the refused login is logged with its user');
});

/** One node with ACLs (test/support/secure-broker.ts): admin and alice; orders and secret. */
async function secureBroker(certs: TestCerts): Promise<BrokerProcess> {
  const { broker, client } = await startAclBroker(certs, passwords);
  try {
    const asAdmin = (args: string[]) => run(process.execPath, [mainJs, ...args, '--bootstrap', client,
      '--user', 'admin', '--tls-ca', certs.caPem], { env: { PADO_SASL_PASSWORD: passwords['admin'] as string } });
    for (const args of [['topic', 'create', 'orders', '-p', '1'], ['topic', 'create', 'secret', '-p', '1'],
      ['acl', 'add', '--allow-principal', 'User:alice', '--operation', 'read', '--operation', 'write',
        '--topic', 'orders']]) {
      const r = await asAdmin(args);
      assert.equal(r.code, 0, r.stderr);
    }
    return broker;
  } catch (e) {
    await broker.stop();
    throw e;
  }
}

/**
 * `npm run example` as a process: the receiver stops (its port refuses connections) and starts again, from the
 * terminal (`r` and Enter) and over HTTP, while the contacts API keeps answering; Ctrl-C and a new start keep the
 * contacts, and ids are never given twice. ContactsStore on its own: reloads what it saved, whatever was done in
 * between, and refuses a file it cannot read rather than overwrite it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ContactsStore } from '../../examples/contacts-store';
import { signedHeaders } from '../../activities/callback';
import { eventually, freePort, REPO_ROOT } from '../support/processes';

const dir = mkdtempSync(join(tmpdir(), 'pollster-example-'));
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Example {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startExample(env: NodeJS.ProcessEnv): Example {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/main.ts'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (running.delete(child), resolve(code))));
  return { child, output: () => output, exited };
}

const json = async (url: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
};
const post = (url: string, body?: unknown) => json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** A notification as Pollster signs it (one CREATED event). */
function notification(key: string, contactId: string) {
  const body = JSON.stringify({
    id: `n-${contactId}`,
    message: {
      instanceId: 7,
      instanceName: 'example contacts',
      raw: { objectType: 'contacts', contacts: [{ id: contactId }] },
      events: [{ objectType: 'contacts', objectId: contactId, eventType: 'CREATED', date: '2026-01-01T00:00:00Z', pollDate: '2026-01-01T00:00:00Z' }],
    },
  });
  return { method: 'POST', headers: signedHeaders(`n-${contactId}`, body, key, Date.now()), body };
}

/** Whether anything listens on the port: a stopped receiver refuses the connection. */
async function receiverAnswers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'GET' });
    return true;
  } catch (err) {
    assert.match(String((err as Error & { cause?: { code?: string } }).cause?.code), /ECONNREFUSED/);
    return false;
  }
}

test('npm run example: the receiver stops and starts while the contacts API runs on; a restart keeps the contacts and their ids', async () => {
  const [apiPort, receiverPort] = [await freePort(), await freePort()];
  const key = 'example-signing-key';
  const env = { EXAMPLE_API_PORT: String(apiPort), EXAMPLE_RECEIVER_PORT: String(receiverPort), EXAMPLE_SIGNATURE_KEY: key, POLLSTER_DATA_DIR: join(dir, 'data') };
  const api = `http://127.0.0.1:${apiPort}`;
  const events = `http://127.0.0.1:${receiverPort}/events`;

  const first = startExample(env);
  await eventually(() => /Ctrl-C stops both/.test(first.output()), 'the example up', 60_000);
  assert.match(first.output(), /contacts API {2}http:\/\/127\.0\.0\.1:\d+\/contacts {3}\(2 contacts, kept in .*example-contacts\.json\)/);
  const ada = await post(`${api}/contacts`, { name: 'Ada Lovelace' });
  assert.deepEqual([ada.status, ada.body.id], [201, '3']);

  // Over HTTP: stopped, the receiver's port refuses connections; the contacts API still answers.
  assert.deepEqual((await post(`${api}/receiver/stop`)).body, { receiver: 'stopped', url: events });
  assert.equal(await receiverAnswers(events), false);
  assert.equal((await json(`${api}/contacts/3`)).body.name, 'Ada Lovelace');
  assert.match(first.output(), /receiver {6}stopped: .* refuses connections until the receiver starts again/);
  assert.deepEqual((await post(`${api}/receiver/start`)).body, { receiver: 'running', url: events });
  assert.equal((await fetch(events, notification(key, '3'))).status, 200);
  await eventually(() => /receiver {8}CREATED contacts\/3/.test(first.output()), 'the event printed');

  // From the terminal: r and Enter stops it, and again starts it.
  first.child.stdin!.write('r\n');
  await eventually(async () => (await json(`${api}/receiver`)).body.receiver === 'stopped', 'stopped from the terminal');
  assert.equal(await receiverAnswers(events), false);
  first.child.stdin!.write('r\n');
  await eventually(async () => (await json(`${api}/receiver`)).body.receiver === 'running', 'started from the terminal');
  // Started again, it still knows what it processed.
  assert.equal((await fetch(events, notification(key, '3'))).status, 200);
  await eventually(() => /notification n-3: already processed/.test(first.output()), 'the repeat recognised');
  assert.equal(await (await fetch(`${api}/receiver/reboot`, { method: 'POST' })).status, 404);

  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0);
  assert.match(first.output(), /example: stopped\n$/);

  // A new start: the contacts are there, and the next id is new.
  const second = startExample(env);
  await eventually(() => /Ctrl-C stops both/.test(second.output()), 'the example up again', 60_000);
  assert.match(second.output(), /\(3 contacts, kept in/);
  assert.equal((await json(`${api}/contacts/3`)).body.name, 'Ada Lovelace');
  assert.equal((await post(`${api}/contacts`, { name: 'Edsger Dijkstra' })).body.id, '4');
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0);
});

type Step = { kind: 'add'; name: string } | { kind: 'update'; pick: number; email: string } | { kind: 'restart' };

test('ContactsStore: after any adds, changes and restarts, the file holds what memory held, and no id is given twice', () => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), name: fc.string({ minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), email: fc.emailAddress() }),
    fc.constant({ kind: 'restart' as const }),
  );
  let run = 0;
  fc.assert(
    fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
      const file = join(dir, `store-${run++}`, 'contacts.json');
      let store = new ContactsStore(file);
      const given = store.list().map((c) => c.id);
      for (const s of steps) {
        if (s.kind === 'add') given.push(store.add(s.name, '').id);
        else if (s.kind === 'update') {
          const all = store.list();
          store.update(all[s.pick % all.length]!.id, { email: s.email });
        } else {
          const before = store.list();
          store = new ContactsStore(file);
          assert.deepEqual(store.list(), before);
        }
      }
      assert.equal(new Set(given).size, given.length, 'no id given twice');
      assert.deepEqual(given.map(Number), [...given.map(Number)].sort((a, b) => a - b), 'ids only grow');
      assert.deepEqual(new ContactsStore(file).list(), store.list());
    }),
    { numRuns: 50 },
  );
});

test('ContactsStore: a file it cannot read is refused, naming it, and left as it was', () => {
  const file = join(dir, 'broken.json');
  for (const text of ['{ not json', '{"contacts": []}', '[]']) {
    writeFileSync(file, text);
    assert.throws(() => new ContactsStore(file), (err: Error) => err.message.startsWith(`${file}: `) && err.message.includes('move the file away to start over'));
    assert.equal(readFileSync(file, 'utf8'), text);
  }
});

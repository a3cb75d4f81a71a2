// Issue 16, many nodes: kill -9 of one node while 10,000 workflow jobs run loses none. Three
// nodes on one PostgreSQL behind nginx (cluster.mjs), a short workflow lease (so the dead
// node's jobs come back within the test), a rule on Contacts whose function reports each
// record's name to a local counter. 10,000 contacts are written in batches of 100 (the records
// API's limit) to the two nodes that stay; once a quarter of the jobs have run (or all records
// are written), node 2 is killed with SIGKILL. Then: every record's function ran at least once
// (the counter heard every name), the queue is empty, and the execution log has a success run
// for every record. Delivery is at least once: a job the dead node ran but had not recorded
// runs again, and the counter's duplicates are counted and printed, never hidden.
//
// usage (under tests/testing/with_postgres.sh): node cluster_kill.mjs RELISH_BINARY [RECORDS]
import assert from 'node:assert/strict';
import http from 'node:http';
import { ADMIN, Client, assertNoSecrets, sleep, startCluster, until } from './cluster.mjs';

const [relish, recordsArg] = process.argv.slice(2);
const kRecords = Number(recordsArg || 10_000);
const kBatch = 100;
const kLease = '2s';
const started = performance.now();
const secs = (from, to = performance.now()) => ((to - from) / 1000).toFixed(1);
let step = 'start';
const secrets = new Set();
const hits = new Map();
let totalHits = 0;
const counter = http.createServer((req, res) => {
  const name = decodeURIComponent(req.url.replace(/^\/hit\//, ''));
  hits.set(name, (hits.get(name) || 0) + 1);
  totalHits++;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
counter.keepAliveTimeout = 60_000;
await new Promise((r) => counter.listen(0, '127.0.0.1', r));
const counterUrl = `http://127.0.0.1:${counter.address().port}`;
const name = (i) => `r${String(i).padStart(5, '0')}`;

let cluster;
try {
  cluster = await startCluster({ relish, nodes: 3, name: 'kill', env: { RELISH_WORKFLOW_LEASE: kLease } });
  const up = performance.now();
  const responses = [];
  const admin = new Client(cluster.url, responses);
  await admin.signIn(ADMIN.email, ADMIN.password, secrets);

  step = 'organization B, whose records no rule of A sees';
  const orgB = await admin.api('POST', '/api/v1/orgs', { name: 'B' });
  const devB = { email: 'dev-b@localhost', password: 'cluster-dev-b-password-7' };
  await admin.api('POST', '/api/v1/users', { ...devB, role: 'developer', orgs: [orgB.id] });
  const b = new Client(cluster.url, responses);
  await b.signIn(devB.email, devB.password, secrets);

  step = 'the function and the rule';
  await admin.api('PUT', '/api/v1/workflow/functions/report', {
    source: `r = invokeurl\n[\nurl: "${counterUrl}/hit/" + contact.get("Last_Name")\ntype: POST\n];\n`,
    params: ['contact'],
  });
  const rule = await admin.api('POST', '/api/v1/workflow/rules', {
    name: 'Report every contact', module: 'Contacts', trigger: { type: 'create' },
    conditions: [{ criteria: 'all', actions: [{ function: 'report' }] }],
  });

  step = `${kRecords} records, and node 2 killed while their jobs run`;
  // The writes go to the two nodes that stay (a write in flight on the node killed would get a
  // 502 with its outcome unknown); every node leases jobs. Node 2 is killed once a quarter of
  // the jobs have run, or when the writes are done, whichever comes first.
  const writing = performance.now();
  const batches = [];
  for (let i = 0; i < kRecords; i += kBatch) batches.push(i);
  const survivors = [admin.at(cluster.nodes[0].url), admin.at(cluster.nodes[2].url)];
  let writtenCount = 0;
  let written = null;
  // Four writers at a time: the nodes take writes one at a time anyway (the store's writer lock).
  const writers = Promise.all(Array.from({ length: 4 }, async (_, w) => {
    while (batches.length) {
      const from = batches.shift();
      const data = [];
      for (let i = from; i < Math.min(from + kBatch, kRecords); i++) data.push({ Last_Name: name(i) });
      const r = await survivors[(from / kBatch) % 2].api('POST', '/api/v1/crm/modules/Contacts/records?environment=sandbox', { data });
      assert.equal(r.data.length, data.length);
      writtenCount += data.length;
      responses.length = 0;  // 100 ids per answer: nothing secret, and no need to keep them
    }
  })).then(() => { written = performance.now(); });
  while (hits.size < kRecords / 4 && written === null) await sleep(10);
  const doneAtKill = hits.size;
  const writtenAtKill = writtenCount;
  await cluster.kill(1);
  const killed = performance.now();
  await writers;
  await b.api('POST', '/api/v1/crm/modules/Contacts/records?environment=sandbox', { data: [{ Last_Name: 'b-only' }] });
  console.log(`${kRecords} records written in ${secs(writing, written)} s; node 2 killed after ${secs(writing, killed)} s, ` +
              `when ${writtenAtKill} records were written and ${doneAtKill} jobs had run`);
  assert.ok(doneAtKill < kRecords, 'every job had run before the kill: the kill proved nothing');

  step = 'every record reported at least once';
  await until(`all ${kRecords} records reported (${hits.size} so far)`, () => hits.size >= kRecords, 150_000, 100);
  const allRan = performance.now();
  // The dead node's leases run out after kLease; wait for the queue to be empty.
  await until('an empty queue', async () => {
    const q = await admin.api('GET', '/api/v1/workflow/queue');
    return q.due === 0 && q.scheduled === 0 && q.running === 0;
  }, 30_000, 100);
  for (let i = 0; i < kRecords; i++) assert.ok(hits.get(name(i)) >= 1, `${name(i)} never ran`);
  assert.equal(hits.get('b-only'), undefined, 'a rule of A ran for B\'s record');
  assert.equal(hits.size, kRecords);

  step = 'the execution log: a success run for every record';
  const runsByRecord = new Map();
  const statuses = {};
  let before = '';
  for (;;) {
    const page = await admin.api('GET', `/api/v1/workflow/runs?rule=${rule.id}&limit=1000${before}`);
    for (const run of page.runs) {
      statuses[run.status] = (statuses[run.status] || 0) + 1;
      if (run.status === 'success') runsByRecord.set(run.record_id, (runsByRecord.get(run.record_id) || 0) + 1);
    }
    responses.length = 0;
    if (!page.next) break;
    before = `&before=${page.next}`;
  }
  assert.equal(runsByRecord.size, kRecords, `success runs for ${runsByRecord.size} records: ${JSON.stringify(statuses)}`);
  const duplicateCalls = totalHits - kRecords;
  const twice = [...hits.values()].filter((n) => n > 1).length;
  const duplicateRuns = [...runsByRecord.values()].reduce((a, n) => a + n - 1, 0);
  console.log(`at least once: ${kRecords} jobs, ${totalHits} function calls (${duplicateCalls} duplicates, ` +
              `${twice} records reported more than once), ${duplicateRuns} duplicate success runs; ` +
              `runs by status ${JSON.stringify(statuses)}`);
  console.log(`times: cluster up ${secs(started, up)} s, writes ${secs(writing, written)} s, ` +
              `kill to last job ${secs(killed, allRan)} s, jobs ${secs(writing, allRan)} s ` +
              `(${Math.round(kRecords / ((allRan - writing) / 1000))} jobs/s)`);

  step = 'no secret in any answer or log';
  secrets.add(cluster.masterKey);
  const places = assertNoSecrets(secrets, { 'API answers': responses.join('\n'), 'node logs': cluster.logs() });
  console.log(`ok: ${secrets.size} secrets checked in ${places} places; ${secs(started)} s wall`);
  cluster.stop();
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  if (cluster) console.error(cluster.logs().slice(-6000));
  process.exit(1);
}

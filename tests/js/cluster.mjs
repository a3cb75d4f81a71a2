// Several `relish serve` processes on one PostgreSQL database behind nginx (issue 16's
// multi-node tests; a benchmark may start the same): a fresh database in the cluster
// RELISH_TEST_POSTGRES_URL names (tests/testing/with_postgres.sh starts one), one master key for
// all nodes (RELISH_MASTER_KEY), each node on its own loopback port and data directory, all of
// them knowing nginx's address as their public URL, and nginx in front doing round robin.
//
//   const cluster = await startCluster({ relish: BINARY, nodes: 3, env: { RELISH_...: '...' } });
//   cluster.url            nginx's address (what users and OAuth redirects use)
//   cluster.nodes[i].url   one node directly; .log its log file; .dataDir
//   cluster.kill(i)        kill -9 of node i; cluster.logs() every node's log and output
//   cluster.stop()         stops everything and removes the temp dir (also on exit or a signal)
//
// Every process is a child of this one, ended by its own pid. Should this process die without
// cleaning up (kill -9, a CTest timeout), a watchdog child that holds the other children's pids
// sees its stdin close and kills them, so no node or nginx outlives a test.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ADMIN = { email: 'admin@localhost', password: 'cluster-test-password-1' };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `check` every `every` ms until it answers something truthy (which it returns), or throws
// naming `what` after `ms`: the cluster tests wait for effects, never for a fixed time.
export async function until(what, check, ms = 30_000, every = 50) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await check();
    if (v) return v;
    await sleep(every);
  }
  throw new Error(`gave up waiting for ${what}`);
}

// A free loopback port (bind to 0, read it, close: a race with other binders only loses a run).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A new database in the test's PostgreSQL cluster, ordered by bytes as Relish requires
// (docs/configuration.md#the-database). Returns its URL.
export function createDatabase(baseUrl, name) {
  const url = new URL(baseUrl);
  const r = spawnSync('psql', [baseUrl, '-v', 'ON_ERROR_STOP=1', '-qc',
    `CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: CREATE DATABASE ${name} failed: ${r.stderr || r.error}`);
  url.pathname = `/${name}`;
  return url.href;
}

// The whole database as text (pg_dump), for leak scans.
export function dumpDatabase(databaseUrl) {
  const r = spawnSync('pg_dump', ['--data-only', databaseUrl], { encoding: 'latin1', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr || r.error}`);
  return r.stdout;
}

// Debian's nginx is in /usr/sbin, which a user's PATH may lack; NGINX names another.
function nginxBinary() {
  if (process.env.NGINX) return process.env.NGINX;
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
}

export function nginxConfig(dir, port, nodeUrls) {
  const servers = nodeUrls.map((u) => `    server ${new URL(u).host} max_fails=1 fail_timeout=2s;`).join('\n');
  // As root the master would hand its workers to `nobody`, who cannot write this directory.
  const user = process.getuid && process.getuid() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
worker_rlimit_nofile 8192;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 20m;
  upstream relish {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://relish;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 120s;
      # A dead node: try the next (a request already sent is not repeated unless idempotent).
      proxy_next_upstream error timeout http_502;
      # Which node answered, for tests that check the spread.
      add_header X-Relish-Node $upstream_addr always;
    }
  }
}
`;
}

// Reads the first http:// URL a process prints on stdout (within a minute: a node stuck on its
// database fails here, with the logs, instead of at CTest's timeout).
function waitForUrl(child, file, what) {
  return until(`${what} to print its URL`, () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening`);
    }
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { /* not yet */ }
    return text.match(/http:\/\/127\.0\.0\.1:[0-9]+/)?.[0];
  }, 60_000, 50);
}

function waitHealthy(url, what) {
  return until(`${what} at ${url} to answer /healthz`,
               async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 30_000, 100);
}

export async function startCluster({ relish, nodes = 3, env = {}, name = 'cluster' }) {
  const base = process.env.RELISH_TEST_POSTGRES_URL;
  if (!base) throw new Error('RELISH_TEST_POSTGRES_URL is not set (run under tests/testing/with_postgres.sh)');
  const dir = mkdtempSync(path.join(tmpdir(), `relish-${name}-`));
  const children = new Set();
  const watchdog = spawn('sh', ['-c',
    'pids=""; while read -r line; do [ "$line" = clean ] && exit 0; pids="$pids $line"; done; ' +
    'for p in $pids; do kill -9 "$p" 2>/dev/null; done'], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.unref();
  const watch = (child) => { children.add(child); watchdog.stdin.write(`${child.pid}\n`); };

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    try { watchdog.stdin.end('clean\n'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig) => { stopNow(); process.exit(sig === 'SIGINT' ? 130 : 143); };
  process.once('exit', stopNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const dbName = `${name.replace(/[^a-z0-9_]/gi, '_')}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const databaseUrl = createDatabase(base, dbName);
  const masterKey = randomBytes(32).toString('base64');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const commonEnv = {
    ...process.env,
    RELISH_DATABASE_URL: databaseUrl,
    RELISH_MASTER_KEY: masterKey,
    RELISH_PUBLIC_URL: url,
    RELISH_ADMIN_EMAIL: ADMIN.email,
    RELISH_ADMIN_PASSWORD: ADMIN.password,
    RELISH_EGRESS_ALLOW_LOOPBACK: 'true',
    RELISH_LOG_LEVEL: 'info',
    ...env,
  };

  const startNode = async (i) => {
    const dataDir = path.join(dir, `node${i}`, 'data');
    mkdirSync(path.dirname(dataDir), { recursive: true });
    const out = path.join(dir, `node${i}`, 'out.log');
    const err = path.join(dir, `node${i}`, 'err.log');
    const log = path.join(dir, `node${i}`, 'relish.log');
    writeFileSync(out, '');
    const child = spawn(relish, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], {
      env: { ...commonEnv, RELISH_LOG_FILE: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watch(child);
    // Appended as it comes, so a killed node's last words stay.
    child.stdout.pipe(createWriteStream(out));
    child.stderr.pipe(createWriteStream(err));
    const nodeUrl = await waitForUrl(child, out, `node ${i}`);
    await waitHealthy(nodeUrl, `node ${i}`);
    return { index: i, url: nodeUrl, child, pid: child.pid, dataDir, log, out, err };
  };

  let nodeList;
  try {
    // Node 0 first: it creates the schema and the first administrator; the others then start
    // side by side on a database that is ready (their migrations find nothing to do).
    const first = await startNode(0);
    const rest = await Promise.all(Array.from({ length: nodes - 1 }, (_, k) => startNode(k + 1)));
    nodeList = [first, ...rest];

    const nginxDir = path.join(dir, 'nginx');
    mkdirSync(nginxDir);
    writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, port, nodeList.map((n) => n.url)));
    const nginx = spawn(nginxBinary(), ['-p', nginxDir, '-e', path.join(nginxDir, 'nginx-error.log'),
                                  '-c', path.join(nginxDir, 'nginx.conf')],
                        { stdio: ['ignore', 'ignore', 'pipe'] });
    watch(nginx);
    let nginxErr = '';
    nginx.stderr.on('data', (d) => { nginxErr += d; });
    nginx.once('exit', (code) => { if (!stopped) process.stderr.write(`nginx exited (${code}): ${nginxErr}\n`); });
    await waitHealthy(url, 'nginx');
  } catch (e) {
    const logs = existsSync(dir) ? collectLogs(nodeList || []) : '';
    stopNow();
    throw new Error(`${e.message}\n${logs}`);
  }

  return {
    url, dir, databaseUrl, masterKey,
    nodes: nodeList,
    kill(i) {
      const n = nodeList[i];
      n.child.kill('SIGKILL');
      return new Promise((r) => (n.child.exitCode !== null || n.child.signalCode !== null ? r() : n.child.once('exit', r)));
    },
    logs() { return collectLogs(nodeList); },
    stop: stopNow,
  };
}

function collectLogs(nodes) {
  let all = '';
  for (const n of nodes) {
    for (const f of [n.log, n.out, n.err]) {
      if (existsSync(f)) all += `\n==== node ${n.index} ${path.basename(f)}\n` + readFileSync(f, 'latin1');
    }
  }
  return all;
}

// Relish's REST API as one user, through the balancer or one node; every answer's body is kept
// for the leak scan.
export class Client {
  constructor(url, responses = []) {
    this.url = url;
    this.token = '';
    this.responses = responses;
  }
  at(url) {
    const c = new Client(url, this.responses);
    c.token = this.token;
    return c;
  }
  async raw(method, pathOrUrl, body, { contentType, headers = {} } = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload;
    if (body !== undefined) {
      h['content-type'] = contentType || 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const target = pathOrUrl.startsWith('http') ? pathOrUrl : this.url + pathOrUrl;
    const r = await fetch(target, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await r.text();
    this.responses.push(text);
    return { status: r.status, text, headers: r.headers, node: r.headers.get('x-relish-node') };
  }
  async api(method, p, body, opts) {
    const r = await this.raw(method, p, body, opts);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${p} -> ${r.status} ${r.text}`);
    return r.text ? JSON.parse(r.text) : {};
  }
  async signIn(email, password, secrets) {
    const r = await this.raw('POST', '/api/v1/auth/token', { email, password, name: `cluster ${Date.now()}` });
    if (r.status !== 201) throw new Error(`sign-in as ${email}: ${r.status} ${r.text}`);
    this.responses.pop();  // the one answer that shows the token
    this.token = JSON.parse(r.text).token;
    secrets.add(this.token);
    secrets.add(password);
  }
}

// Asserts that no secret appears in any of `places` ({where: text}); returns how many places.
export function assertNoSecrets(secrets, places) {
  for (const [where, text] of Object.entries(places)) {
    for (const s of secrets) {
      if (s && text.includes(s)) throw new Error(`a secret (${s.slice(0, 6)}...) appears in the ${where}`);
    }
  }
  return Object.keys(places).length;
}

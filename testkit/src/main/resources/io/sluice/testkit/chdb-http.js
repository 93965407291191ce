#!/usr/bin/env node
// chdb-http: the chDB engine (ClickHouse 26.x as a library, npm package `chdb`) behind the part of
// ClickHouse's HTTP interface that Sluice and its tests use. A test stand-in for a modern
// ClickHouse server, started by io.sluice.testkit.ChdbServer; not a server for production.
//
//   node chdb-http.js --port 8123 --data DIR [--host 127.0.0.1] [--chdb .../node_modules/chdb]
//                     [--user default] [--password ''] [--log-requests]
//
// What it does, as ClickHouse's HTTP interface does:
//   - GET|HEAD /ping and GET / without a query answer "Ok.\n".
//   - The query is the `query` URL parameter, the POST body, or both joined by a newline (so an
//     INSERT ... FORMAT X can carry its data in the body, after the statement or alone).
//   - `database` is the current database and `default_format` the output format when the query
//     has no FORMAT clause (TabSeparated otherwise); the X-ClickHouse-Database and
//     X-ClickHouse-Format headers win over these parameters, as on a server (18.16 ignores them);
//     `param_NAME` binds {NAME:Type} query parameters.
//   - Every other URL parameter is a ClickHouse setting, applied for this request only (SET before
//     the query, SET ... = DEFAULT after it); an unknown one fails with Code 115 as on a server.
//   - `user`/`password` (parameters, X-ClickHouse-User/-Key headers or Basic auth) must match the
//     --user/--password given (default: user `default`, no password), else Code 516.
//   - An error answers with ClickHouse's HTTP status for its code (400, 403, 404, 500, ...), the
//     X-ClickHouse-Exception-Code header and the body `Code: N. DB::Exception: ... (version V)`.
//   - A success carries X-ClickHouse-Query-Id, -Format, -Timezone, -Server-Display-Name and
//     -Summary (read_rows/read_bytes from the engine; written_rows is not known and reads 0).
//
// What it does not reproduce:
//   - concurrency: one Node process, one chDB session; queries run one at a time, in arrival order
//     (a slow query delays all others; /ping still answers);
//   - HTTP compression: no Content-Encoding in either direction; `compress=1`, `decompress=1` and a
//     compressed request body are refused with Code 48 (NOT_IMPLEMENTED);
//   - streaming: the whole result is built before the answer (as with wait_end_of_query=1), so no
//     progress headers (send_progress_in_http_headers), no exception in the middle of a stream;
//   - the native TCP protocol, the MySQL/Postgres protocols, HTTPS, /play, /replicas_status;
//   - HTTP sessions (session_id): there is one engine session, so a SET or USE sent as a statement
//     stays in effect for later requests; readonly GET requests are not enforced;
//   - multi-statement bodies are run by chDB where a server refuses them;
//   - a request body is UTF-8 text, except the data of an INSERT ... FORMAT X named in the query
//     parameter, which reaches the engine byte for byte (through a file and FROM INFILE); binary
//     input formats such as RowBinary are untested;
//   - users, roles, quotas, profiles: one fixed user.
'use strict';

const http = require('http');
const crypto = require('crypto');
const path = require('path');
const os = require('os');
const fs = require('fs');

function parseArgs(argv) {
  const opts = { host: '127.0.0.1', port: 8123, user: 'default', password: '', logRequests: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--host': opts.host = next(); break;
      case '--port': opts.port = Number(next()); break;
      case '--data': opts.data = next(); break;
      case '--chdb': opts.chdb = next(); break;
      case '--user': opts.user = next(); break;
      case '--password': opts.password = next(); break;
      case '--log-requests': opts.logRequests = true; break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!opts.data) throw new Error('--data DIR is required');
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`chdb-http: ${e.message}`);
  process.exit(2);
}

let chdb;
try {
  chdb = require(opts.chdb ? path.resolve(opts.chdb) : 'chdb');
} catch (e) {
  console.error(`chdb-http: cannot load the chdb package${opts.chdb ? ' from ' + opts.chdb : ''}` +
    ` (install it with: npm install --prefix .sluice/chdb chdb@3.4.0): ${e.message}`);
  process.exit(3);
}

fs.mkdirSync(opts.data, { recursive: true });
const session = new chdb.Session(path.resolve(opts.data));
// clickhouse-local (and so chDB) turns on implicit_select, which runs a bare expression (`1 + 1`)
// as a SELECT; a server refuses it.
session.query('SET implicit_select = 0', 'TabSeparated');

// URL parameters that belong to the HTTP interface, not to the query's settings.
const HTTP_PARAMS = new Set([
  'query', 'database', 'default_format', 'user', 'password', 'quota_key', 'query_id', 'role',
  'session_id', 'session_timeout', 'session_check', 'compress', 'decompress', 'buffer_size',
  'wait_end_of_query', 'stacktrace', 'client_protocol_version', 'close_session',
]);

// ClickHouse's HTTP status for an exception code (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp),
// by error name; the names are turned into this engine's codes at start.
const STATUS_BY_NAME = {
  401: ['REQUIRED_PASSWORD'],
  403: ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE',
    'ACCESS_DENIED'],
  400: ['BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT',
    'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_DATE',
    'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
    'CANNOT_PARSE_IPV4', 'CANNOT_PARSE_IPV6', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN', 'UNKNOWN_ELEMENT_IN_AST',
    'UNKNOWN_TYPE_OF_AST_NODE', 'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH',
    'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  404: ['UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE',
    'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE', 'UNKNOWN_SETTING', 'UNKNOWN_DIRECTION_OF_SORTING',
    'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE',
    'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE'],
  413: ['QUERY_IS_TOO_LARGE'],
  501: ['NOT_IMPLEMENTED'],
  503: ['SOCKET_TIMEOUT', 'CANNOT_OPEN_FILE', 'CANNOT_SCHEDULE_TASK'],
  411: ['HTTP_LENGTH_REQUIRED'],
  408: ['TIMEOUT_EXCEEDED'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
};

function tsvRows(text) {
  return text.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

const names = [...new Set(Object.values(STATUS_BY_NAME).flat())];
const codeOf = {};
for (const [code, name] of tsvRows(session.query(
  `SELECT number, errorCodeToName(number) FROM numbers(2000) WHERE errorCodeToName(number) IN (${
    names.map((n) => `'${n}'`).join(', ')})`, 'TabSeparated'))) {
  codeOf[name] = Number(code);
}
const statusOfCode = {};
for (const [status, list] of Object.entries(STATUS_BY_NAME)) {
  for (const name of list) {
    if (codeOf[name] !== undefined) statusOfCode[codeOf[name]] = Number(status);
  }
}
const [[VERSION, TIMEZONE]] = tsvRows(session.query('SELECT version(), timezone()', 'TabSeparated'));

class HttpError extends Error {
  constructor(name, message) {
    super(message);
    this.code = codeOf[name] ?? 1001;
    this.codeName = name;
  }
}

// One query at a time on the one session: each request's USE/SET/query/reset runs as a unit.
let queue = Promise.resolve();
function serialized(work) {
  const run = queue.then(work, work);
  queue = run.then(() => undefined, () => undefined);
  return run;
}

function quoteIdentifier(name) {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function quoteString(value) {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

function credentials(req, params) {
  let user = params.get('user') ?? req.headers['x-clickhouse-user'];
  let password = params.get('password') ?? req.headers['x-clickhouse-key'];
  const auth = req.headers.authorization;
  if (auth && auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = user ?? (colon < 0 ? decoded : decoded.slice(0, colon));
    password = password ?? (colon < 0 ? '' : decoded.slice(colon + 1));
  }
  return { user: user ?? 'default', password: password ?? '' };
}

// The format of the answer: a trailing FORMAT clause, else default_format, else TabSeparated.
function outputFormat(query, params, req) {
  const m = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(query);
  if (m && !/^\s*INSERT\b/i.test(query)) return m[1];
  return req.headers['x-clickhouse-format'] || params.get('default_format') || 'TabSeparated';
}

function contentType(format) {
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8; header=absent';
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(Pretty|Vertical|Markdown)/i.test(format)) return 'text/plain; charset=UTF-8';
  return 'application/octet-stream';
}

// chDB's message as a server writes it: "Code: N. DB::Exception: ... (NAME) (version V)".
function errorBody(e) {
  let message = String(e && e.message ? e.message : e).replace(/^Query failed: /, '');
  let code = e && Number.isInteger(e.clickhouseCode) ? e.clickhouseCode : undefined;
  const m = /^Code: (\d+)\. DB::Exception: /.exec(message);
  if (m) {
    code = code ?? Number(m[1]);
    // chDB repeats the prefix of an exception it re-throws.
    const prefix = m[0];
    while (message.startsWith(prefix + prefix)) message = message.slice(prefix.length);
    if (message.startsWith(prefix + 'Code: ')) message = message.slice(prefix.length);
  } else {
    code = code ?? (e instanceof HttpError ? e.code : 1001);
    message = `Code: ${code}. DB::Exception: ${message}`;
  }
  message = message.trimEnd();
  if (!/\(version [^)]*\)$/.test(message)) message += ` (version ${VERSION})`;
  return { code, body: message + '\n' };
}

function log(line) {
  if (opts.logRequests) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

async function execute(req, params, body) {
  if (params.get('compress') === '1' || params.get('decompress') === '1') {
    throw new HttpError('NOT_IMPLEMENTED',
      'chdb-http does not support ClickHouse-compressed data (compress=1, decompress=1)');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    throw new HttpError('NOT_IMPLEMENTED',
      `chdb-http does not decompress request bodies (Content-Encoding: ${encoding})`);
  }
  const { user, password } = credentials(req, params);
  if (user !== opts.user || password !== opts.password) {
    throw new HttpError('AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name.`);
  }
  const head = params.get('query') ?? '';
  // INSERT ... FORMAT X in the URL with its data in the body (how client-v2 inserts): the data
  // goes to the engine as a file, byte for byte (FROM INFILE), so values that are not UTF-8
  // (bytea as raw bytes in TabSeparated) arrive as sent. Anything else passes as UTF-8 text.
  // The statement may also be the body's first line, the data the rest (how client-v2 sends it).
  const INSERT = /^\s*(INSERT\s+INTO\s+[\s\S]*?)\s+FORMAT\s+(\w+)\s*$/i;
  let insert = INSERT.exec(head);
  let data = body;
  if (!head) {
    const newline = body.indexOf(0x0a);
    const first = newline < 0 ? null : INSERT.exec(body.subarray(0, newline).toString('utf8'));
    if (first) {
      insert = first;
      data = body.subarray(newline + 1);
    }
  }
  let dataFile = null;
  let query;
  if (insert && data.length > 0) {
    dataFile = path.join(os.tmpdir(), `chdb-http-${process.pid}-${crypto.randomUUID()}.data`);
    fs.writeFileSync(dataFile, data);
    query = `${insert[1]} FROM INFILE ${quoteString(dataFile)} FORMAT ${insert[2]}`;
  } else {
    const text = body.toString('utf8');
    query = head && text ? head + '\n' + text : head + text;
  }
  if (!query.trim()) throw new HttpError('SYNTAX_ERROR', 'Empty query');
  // As on a server, the X-ClickHouse-Database header wins over the `database` parameter.
  const database = req.headers['x-clickhouse-database'] || params.get('database') || 'default';
  const format = outputFormat(query, params, req);
  const bind = {};
  const settings = [];
  for (const [key, value] of params) {
    if (key.startsWith('param_')) bind[key.slice(6)] = value;
    else if (!HTTP_PARAMS.has(key)) settings.push([key, value]);
  }
  return serialized(async () => {
    await session.queryAsync(`USE ${quoteIdentifier(database)}`, { format: 'TabSeparated' });
    const applied = [];
    try {
      for (const [key, value] of settings) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
          throw new HttpError('UNKNOWN_SETTING', `Unknown setting '${key}'`);
        }
        await session.queryAsync(`SET ${key} = ${quoteString(value)}`, { format: 'TabSeparated' });
        applied.push(key);
      }
      const result = Object.keys(bind).length
        ? await session.queryBindAsync(query, bind, { format })
        : await session.queryAsync(query, { format });
      return { format, result };
    } finally {
      if (dataFile) fs.rmSync(dataFile, { force: true });
      for (const key of applied) {
        try {
          await session.queryAsync(`SET ${key} = DEFAULT`, { format: 'TabSeparated' });
        } catch (ignored) {
          // The setting was accepted a moment ago; nothing better to do than go on.
        }
      }
    }
  });
}

function handle(req, res, body) {
  const url = new URL(req.url, 'http://localhost');
  const params = url.searchParams;
  const queryId = params.get('query_id') || crypto.randomUUID();
  const common = {
    'X-ClickHouse-Server-Display-Name': 'chdb-http',
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Timezone': TIMEZONE,
  };
  if (opts.logRequests) {
    log(`> ${req.method} ${req.url} ${JSON.stringify(req.headers)} body(${body.length}): ` +
      JSON.stringify(body.subarray(0, 300).toString('utf8')));
  }
  if (url.pathname === '/ping' || (url.pathname === '/' && req.method !== 'POST' &&
      !params.has('query'))) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': 4 });
    res.end(req.method === 'HEAD' ? undefined : 'Ok.\n');
    return;
  }
  if (url.pathname !== '/') {
    const text = `There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end(text);
    return;
  }
  const started = process.hrtime.bigint();
  execute(req, params, body).then(({ format, result }) => {
    const bytes = Buffer.from(result.bytes());
    const summary = {
      read_rows: String(result.rowsRead ?? 0),
      read_bytes: String(result.bytesRead ?? 0),
      written_rows: '0',
      written_bytes: '0',
      total_rows_to_read: '0',
      result_rows: '0',
      result_bytes: String(bytes.length),
      elapsed_ns: String(process.hrtime.bigint() - started),
    };
    res.writeHead(200, {
      ...common,
      'Content-Type': contentType(format),
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Summary': JSON.stringify(summary),
      'Content-Length': bytes.length,
    });
    res.end(bytes);
    log(`< 200 ${bytes.length} bytes`);
  }, (e) => {
    const { code, body: text } = errorBody(e);
    const status = statusOfCode[code] ?? 500;
    const payload = Buffer.from(text, 'utf8');
    res.writeHead(status, {
      ...common,
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(code),
      'Content-Length': payload.length,
    });
    res.end(payload);
    log(`< ${status} ${text.trimEnd()}`);
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  req.on('error', () => res.destroy());
});
// A client may keep a connection idle between batches; keep it open rather than reset it.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;

function shutdown() {
  server.close();
  serialized(() => session.close()).finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(opts.port, opts.host, () => {
  console.log(`chdb-http: ClickHouse ${VERSION} (chDB) on http://${opts.host}:${opts.port}, data in ` +
    `${path.resolve(opts.data)}`);
});

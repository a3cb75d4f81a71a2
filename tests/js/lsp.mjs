// Drives `relish lsp` with the LSP client library VS Code's own extensions use
// (vscode-languageserver-protocol): opens a document, and asserts the exact diagnostics,
// completion items, hover text, definition location and formatting edits.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import * as rpc from 'vscode-languageserver-protocol/node';

const relish = process.argv[2];
const server = spawn(relish, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
const connection = rpc.createProtocolConnection(
  new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
const published = [];
let notify = () => {};
connection.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
  published.push(p);
  notify();
});
connection.listen();
const nextDiagnostics = (count) => new Promise((resolve) => {
  const check = () => { if (published.length >= count) resolve(published[count - 1]); };
  notify = check;
  check();
});

const init = await connection.sendRequest(rpc.InitializeRequest.type,
  { processId: process.pid, rootUri: null, capabilities: {} });
assert.equal(init.capabilities.documentFormattingProvider, true);
assert.equal(init.capabilities.textDocumentSync.change, 1);
await connection.sendNotification(rpc.InitializedNotification.type, {});

const uri = 'file:///work/sync.dg';
// Line 0 has a non-ASCII text before the undefined name: ranges count UTF-16 units.
const text = [
  'greeting = "héllo 😀" + nme;',
  'm = Map();',
  'm.put("a", greeting);',
  'count = 0;',
  'if(m.size()>0){info m.get("a");}',
  '',
].join('\n');
await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type,
  { textDocument: { uri, languageId: 'deluge', version: 1, text } });
let diags = await nextDiagnostics(1);
assert.equal(text.split('\n')[0].indexOf('nme'), 24);
assert.equal(diags.uri, uri);
assert.deepEqual(diags.diagnostics, [{
  // 24 UTF-16 units in ('😀' is two; its UTF-8 is four bytes, 'é' two).
  range: { start: { line: 0, character: 24 }, end: { line: 0, character: 27 } },
  severity: 1, source: 'relish', message: "Variable 'nme' is not defined",
}]);

// Fixing the name: the error goes, and the unused variable is a warning.
const fixed = text.replace('+ nme', '+ "!"');
await connection.sendNotification(rpc.DidChangeTextDocumentNotification.type,
  { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
diags = await nextDiagnostics(2);
assert.deepEqual(diags.diagnostics, [{
  range: { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } },
  severity: 2, source: 'relish', message: "'count' is given a value that is never used",
}]);

const at = (line, character) => ({ textDocument: { uri }, position: { line, character } });
// Methods of a map after `m.`.
const methods = await connection.sendRequest(rpc.CompletionRequest.type, at(2, 2));
const put = methods.items.find((i) => i.label === 'put');
assert.ok(put, 'put is offered for a map');
assert.equal(methods.items.find((i) => i.label === 'subString'), undefined);
// Variables in scope at the end.
const plain = await connection.sendRequest(rpc.CompletionRequest.type, at(5, 0));
const vars = plain.items.filter((i) => i.kind === 6 && i.label !== 'zoho').map((i) => i.label);
assert.deepEqual(vars, ['greeting', 'm', 'count']);

// Hover on a built-in method.
const hover = await connection.sendRequest(rpc.HoverRequest.type, at(2, 3));
assert.deepEqual(hover.range, { start: { line: 2, character: 2 }, end: { line: 2, character: 5 } });
assert.deepEqual(put, { label: 'put', kind: 2, detail: 'put(k, v)',
  documentation: 'change the map; put overwrites in place' });
assert.deepEqual(hover.contents, { kind: 'markdown',
  value: '```deluge\nput(k, v)\n```\nchange the map; put overwrites in place' });
// Integration tasks with their signatures after `zoho.crm.`.
await connection.sendNotification(rpc.DidChangeTextDocumentNotification.type,
  { textDocument: { uri, version: 3 }, contentChanges: [{ text: fixed + 'r = zoho.crm.' }] });
await nextDiagnostics(3);
const tasks = await connection.sendRequest(rpc.CompletionRequest.type, at(5, 13));
const task = tasks.items.find((i) => i.label === 'zoho.crm.getRecordById');
assert.equal(task.detail.startsWith('zoho.crm.getRecordById(module, id'), true, task.detail);
assert.deepEqual(task.textEdit, { range: { start: { line: 5, character: 4 }, end: { line: 5, character: 13 } },
  newText: 'zoho.crm.getRecordById' });
assert.ok(tasks.items.every((i) => i.label.startsWith('zoho.crm.')));
await connection.sendNotification(rpc.DidChangeTextDocumentNotification.type,
  { textDocument: { uri, version: 4 }, contentChanges: [{ text: fixed }] });
await nextDiagnostics(4);

// Definition of `greeting` (used on line 2) is its assignment on line 0.
const def = await connection.sendRequest(rpc.DefinitionRequest.type, at(2, 12));
assert.deepEqual(def, { uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } } });
const refs = await connection.sendRequest(rpc.ReferencesRequest.type,
  { ...at(0, 2), context: { includeDeclaration: true } });
assert.deepEqual(refs.map((r) => r.range.start), [{ line: 0, character: 0 }, { line: 2, character: 11 }]);

// Formatting: one edit replacing the document with Zoho's layout.
const edits = await connection.sendRequest(rpc.DocumentFormattingRequest.type,
  { textDocument: { uri }, options: { tabSize: 4, insertSpaces: false } });
assert.deepEqual(edits, [{
  range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } },
  newText: 'greeting = "héllo 😀" + "!";\nm = Map();\nm.put("a",greeting);\ncount = 0;\n' +
    'if(m.size() > 0)\n{\n\tinfo m.get("a");\n}\n',
}]);

// A document that was never opened is an error, not a crash.
await assert.rejects(connection.sendRequest(rpc.HoverRequest.type,
  { textDocument: { uri: 'file:///nowhere.dg' }, position: { line: 0, character: 0 } }),
(e) => e.code === -32602 && e.message === 'unknown document: file:///nowhere.dg');

await connection.sendRequest(rpc.ShutdownRequest.type);
await connection.sendNotification(rpc.ExitNotification.type);
assert.equal(await exited, 0);
connection.dispose();
console.log('lsp: ok');

// Turns protocol-vectors.json into C initialisers, so the C tests read the very vectors the
// TypeScript tests read without a JSON parser in C.
// Usage: node vectors-to-c.mjs protocol-vectors.json build/vectors.h
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
const { vectors, formatted } = JSON.parse(readFileSync(input, "utf8"));

const KINDS = ["order", "answer", "hello", "ping", "pong", "empty", "error"];
const ERRORS = ["too-long", "unknown", "bad-number", "bad-hello"];

function fail(message) {
  console.error(`${input}: ${message}`);
  process.exit(1);
}

// A line is bytes on the wire, one per character (\u0000-\u00ff, as the server reads them in
// latin1). Every byte outside plain printable ASCII becomes a 3-digit octal escape: a hex escape
// would swallow a following hex digit, and "?" could start a trigraph.
function cString(text, where) {
  if (/[^\u0000-\u00ff]/.test(text)) fail(`${where}: a line holds bytes, \\u0000-\\u00ff only`);
  let out = '"';
  for (const byte of Buffer.from(text, "latin1")) {
    const c = String.fromCharCode(byte);
    out += byte >= 0x20 && byte <= 0x7e && !'"\\?'.includes(c) ? c : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `${out}"`;
}

function row(v, where) {
  if (typeof v.line !== "string") fail(`${where}: "line" must be a string`);
  if (!KINDS.includes(v.kind)) fail(`${where}: unknown kind ${JSON.stringify(v.kind)}`);
  if (v.kind === "error" && !ERRORS.includes(v.error)) fail(`${where}: unknown error ${JSON.stringify(v.error)}`);
  if ((v.kind === "order" || v.kind === "answer") && !("position" in v)) fail(`${where}: needs a position`);
  const { position = 0 } = v;
  if (!Number.isInteger(position) || position < 0 || position > 999) fail(`${where}: position must be 0-999`);
  if (v.kind === "hello" && (typeof v.name !== "string" || typeof v.version !== "string")) fail(`${where}: needs name and version`);
  const error = v.kind === "error" ? v.error.toUpperCase().replaceAll("-", "_") : "NONE";
  return `  { ${cString(v.line, where)}, ${v.line.length}, CHADBURN_${v.kind.toUpperCase()}, CHADBURN_ERR_${error}, ` +
    `${position}, ${cString(v.name ?? "", where)}, ${cString(v.version ?? "", where)} },`;
}

if (!Array.isArray(vectors) || !Array.isArray(formatted)) fail('needs "vectors" and "formatted" arrays');
writeFileSync(output, [
  `/* Generated from ${input} by test/vectors-to-c.mjs: do not edit. */`,
  "static const struct vector parse_vectors[] = {",
  ...vectors.map((v, i) => row(v, `vectors[${i}]`)),
  "};",
  "static const struct vector format_vectors[] = {",
  ...formatted.map((v, i) => row(v, `formatted[${i}]`)),
  "};",
  "",
].join("\n"));

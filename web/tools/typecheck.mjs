// The type check of the web pages over their JSDoc types (`./dev lint`, `npm run typecheck`):
// every module at jsconfig.json's strictness, and the pure modules (no page state, unit-tested in
// tests/js/) under `strict` as well, which asks every parameter for its type. tsc alone cannot hold
// two strictness levels in one program: a strict program would also judge what the pure modules
// import, so its findings are kept for the pure modules only.

import path from "node:path";
import process from "node:process";
import ts from "typescript";

/** The modules held to `strict`. A module joins this list once it checks clean. */
export const STRICT = [
  "web/common/pages.js",
  "web/common/dom.js",
  "web/common/sse.js",
  "web/common/router.js",
  "web/common/i18n.js",
  "web/common/api.js",
  "web/common/errors.js",
  "web/kiosk/plan.js",
  "web/kiosk/idle.js",
  "web/common/departures.js",
];

/** What the pure modules are held to besides jsconfig.json. */
const STRICTER = { noImplicitAny: true, noImplicitThis: true, strictBindCallApply: true, strictFunctionTypes: true, useUnknownInCatchVariables: false };

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

function configured() {
  const file = path.join(root, "jsconfig.json");
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file);
}

function diagnosticsOf(options, files) {
  const program = ts.createProgram({ rootNames: files, options });
  return ts.getPreEmitDiagnostics(program);
}

const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => "\n" };
const { options, fileNames } = configured();
const strictFiles = new Set(STRICT.map((file) => path.join(root, file)));
const found = [
  ...diagnosticsOf(options, fileNames),
  ...diagnosticsOf({ ...options, ...STRICTER }, [...strictFiles]).filter((d) => d.file && strictFiles.has(path.normalize(d.file.fileName))),
];
// The same finding from both programs is said once.
const seen = new Set();
const unique = found.filter((d) => {
  const key = `${d.file?.fileName}:${d.start}:${d.code}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});
if (unique.length) {
  process.stdout.write(ts.formatDiagnosticsWithColorAndContext(unique, host));
  process.stdout.write(`\n${unique.length} type error(s)\n`);
  process.exit(1);
}
process.stdout.write(`types: ${fileNames.length} modules checked, ${STRICT.length} of them strict\n`);

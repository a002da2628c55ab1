// Type-level tests (issue 15): test/types/api-types.ts must compile with the project's compiler options, and each
// of its expect-error directives must meet an error. Fails before typed evaluate results and typed loading.
import { expect, test } from 'vitest';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

test('types: evaluate results are typed by the metrics asked for; Model.load / loadModel(source, Model) return the class', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
  const program = ts.createProgram([`${root}test/types/api-types.ts`], { ...config.options, noEmit: true });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(root.length)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(diagnostics).toEqual([]);
}, 120_000);

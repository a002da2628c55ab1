/**
 * `Symbol.asyncDispose`, so `await using` releases what recwise holds (issue 15). Declared on `SymbolConstructor` the
 * way @types/node does, so the published declarations compile for applications whose `lib` lacks
 * `esnext.disposable` (TypeScript 5.0/5.1, or `lib: ["es2022", "dom"]`); Node 20+, Deno, Bun and current browsers
 * define the symbol itself.
 */
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** What `await using` needs (TypeScript's own `AsyncDisposable` exists only from 5.2, with lib esnext.disposable). */
export interface AsyncReleasable {
  [Symbol.asyncDispose](): Promise<void>;
}

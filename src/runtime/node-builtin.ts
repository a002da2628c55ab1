/**
 * `import()` of a Node built-in (`fs`, `os`, `worker_threads`; Deno and Bun provide them too) that no bundler can
 * resolve statically. The specifier is built from a parameter on purpose: esbuild's minifier inlines string
 * constants (even `let`), so `const spec = 'node:fs'; import(spec)` shipped as `import("node:fs")` in dist, which
 * browser and workerd bundlers (Wrangler, webpack, Vite) then fail to resolve.
 */
export function importNodeBuiltin(name: string): Promise<any> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`);
}

/**
 * Where the kernel asset is: the `kernels-mt.wasm` file beside this module (scripts/build.mjs puts it there, in src/
 * and in the package). The literal `new URL('./…', import.meta.url)` is the pattern Node, Deno, Bun, browsers and
 * asset-aware bundlers (webpack 5, Vite, Parcel) resolve; bundled without asset handling (esbuild), it points beside
 * the bundle, where the application copies the file.
 */
export function kernelAssetUrl(): URL {
  return new URL('./kernels-mt.wasm', import.meta.url);
}

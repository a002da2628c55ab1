/** The library version, recorded in model files. Kept equal to package.json by test/unit/version.test.ts. */
export const VERSION = '0.1.0';

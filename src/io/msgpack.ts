/**
 * The MessagePack codec the model format uses (@msgpack/msgpack's Encoder and Decoder). scripts/build.mjs bundles
 * this one module with the library into the package (issue 18): ~12 KB of the 992 KB package is used, so recwise
 * ships that part and has no runtime dependency to install; applications still get one copy.
 */
export { Decoder, Encoder } from '@msgpack/msgpack';

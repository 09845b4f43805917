// `h3-wasi/crypto`: the engine's cryptography, typed for JavaScript.
export * from './public-key.js';

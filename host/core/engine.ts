// Loads the transpiled component (dist/engine/, written by `npm run build`)
// and re-exports its interfaces (codec, crypto, qpack, ...). Nothing else
// lives here: typed wrappers are in the folders that use them.
export * from '#engine';

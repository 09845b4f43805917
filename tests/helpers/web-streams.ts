// Reading web streams in tests: a whole byte stream, its text, the first item.

/** Every chunk of `r` until it ends, as one Buffer. */
export async function readBytes(r: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of r as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Every chunk of `r` until it ends, as UTF-8 text. */
export async function readAll(r: ReadableStream<Uint8Array>): Promise<string> {
  return (await readBytes(r)).toString();
}

/** The next item of `rs` (the lock is released after); throws when it has ended. */
export async function first<T>(rs: ReadableStream<T>): Promise<T> {
  const reader = rs.getReader();
  const { value, done } = await reader.read();
  reader.releaseLock();
  if (done) throw new Error('the stream ended');
  return value;
}

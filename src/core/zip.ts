/**
 * ZIP archives for the members' archives, written by fflate as the entries come, so an archive
 * streams: one media file in memory at a time, and outbox.json deflated a page at a time.
 * fflate writes no ZIP64: the caller keeps an archive under the limits below.
 */
export interface ZipEntry {
  /** The path inside the archive, with `/` between folders. */
  name: string;
  data: Uint8Array | AsyncIterable<Uint8Array>;
  /** Deflate bytes given at once (a stream is always deflated); media are stored as they are. */
  deflate?: boolean;
  modified?: Date;
}

/** What a caller lets an archive grow to, well under the 4 GB and 65,535 entries of plain ZIP. */
export const MAX_ZIP_BYTES = 3 * 1024 ** 3;
export const MAX_ZIP_ENTRIES = 60_000;

/** The bytes of the archive, in order. */
async function* zipChunks(entries: AsyncIterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  // Loaded on the first archive: fflate's tables cost the idle server 10 MB otherwise.
  const { Zip, ZipDeflate, ZipPassThrough } = await import("fflate");
  const ready: Uint8Array[] = [];
  let failure: Error | null = null;
  let size = 0;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else ready.push(chunk);
  });
  // What fflate has written so far (it calls back synchronously as data is pushed).
  function* written() {
    if (failure) throw failure;
    for (const chunk of ready.splice(0)) {
      size += chunk.byteLength;
      if (size > 0xffffffff) throw new Error("The archive passed 4 GB, which ZIP without ZIP64 cannot hold.");
      yield chunk;
    }
  }
  for await (const entry of entries) {
    const file =
      entry.data instanceof Uint8Array && !entry.deflate
        ? new ZipPassThrough(entry.name)
        : new ZipDeflate(entry.name, { level: 6 });
    file.mtime = entry.modified ?? new Date();
    zip.add(file);
    if (entry.data instanceof Uint8Array) file.push(entry.data, true);
    else {
      for await (const chunk of entry.data) {
        file.push(chunk);
        yield* written();
      }
      file.push(new Uint8Array(), true);
    }
    yield* written();
  }
  zip.end();
  yield* written();
}

/** A ZIP archive of the entries, produced as the stream is read. */
export function zipStream(entries: AsyncIterable<ZipEntry>): ReadableStream<Uint8Array> {
  const chunks = zipChunks(entries);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

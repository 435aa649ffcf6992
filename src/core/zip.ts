import { deflateRawSync } from "node:zlib";

/**
 * A ZIP writer small enough to read in one sitting, for the members' archives: entries are
 * written one after the other as they come, so the archive streams. An entry is either bytes
 * (one file in memory at a time: media, stored as they are, already compressed) or a stream of
 * chunks, deflated as it goes with its CRC and sizes in a data descriptor after it (outbox.json,
 * which can be large). No ZIP64: the caller keeps an archive under 4 GB and 65,535 entries.
 */

export interface ZipEntry {
  /** The path inside the archive, with `/` between folders. */
  name: string;
  data: Uint8Array | AsyncIterable<Uint8Array>;
  /** Deflate bytes given at once (a stream is always deflated). */
  deflate?: boolean;
  modified?: Date;
}

/** What a caller lets an archive grow to, well under the 4 GB that ZIP without ZIP64 allows. */
export const MAX_ZIP_BYTES = 3 * 1024 ** 3;
export const MAX_ZIP_ENTRIES = 60_000;

const encoder = new TextEncoder();
const UTF8_NAMES = 0x0800;
const DATA_DESCRIPTOR = 0x0008;

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(d.getUTCFullYear(), 1980);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface Written {
  name: Uint8Array;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  size: number;
  stored: number;
  offset: number;
}

function localHeader(r: Written): Uint8Array {
  const h = new DataView(new ArrayBuffer(30));
  h.setUint32(0, 0x04034b50, true);
  h.setUint16(4, 20, true); // version needed: 2.0
  h.setUint16(6, r.flags, true);
  h.setUint16(8, r.method, true);
  h.setUint16(10, r.time, true);
  h.setUint16(12, r.date, true);
  // With a data descriptor these three are 0 here and follow the data.
  h.setUint32(14, r.crc, true);
  h.setUint32(18, r.stored, true);
  h.setUint32(22, r.size, true);
  h.setUint16(26, r.name.byteLength, true);
  return new Uint8Array(h.buffer);
}

function dataDescriptor(r: Written): Uint8Array {
  const d = new DataView(new ArrayBuffer(16));
  d.setUint32(0, 0x08074b50, true);
  d.setUint32(4, r.crc, true);
  d.setUint32(8, r.stored, true);
  d.setUint32(12, r.size, true);
  return new Uint8Array(d.buffer);
}

/** Deflates a stream of chunks, counting and checksumming what goes in and out into `r`. */
async function* deflated(chunks: AsyncIterable<Uint8Array>, r: Written): AsyncGenerator<Uint8Array> {
  const compression = new CompressionStream("deflate-raw");
  const writer = compression.writable.getWriter();
  // Fed from its own task: a write waits while the compressed side is unread.
  const feeding = (async () => {
    for await (const chunk of chunks) {
      r.crc = Bun.hash.crc32(chunk, r.crc);
      r.size += chunk.byteLength;
      await writer.write(chunk as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  feeding.catch(() => {}); // its error is rethrown below, once the compressed side ends
  for await (const out of compression.readable) {
    r.stored += out.byteLength;
    yield out;
  }
  await feeding;
}

/** The central directory and its end record, after the last entry. */
function centralDirectory(records: Written[], at: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const r of records) {
    const h = new DataView(new ArrayBuffer(46));
    h.setUint32(0, 0x02014b50, true);
    h.setUint16(4, 20, true); // made by: 2.0, MS-DOS attributes
    h.setUint16(6, 20, true);
    h.setUint16(8, r.flags, true);
    h.setUint16(10, r.method, true);
    h.setUint16(12, r.time, true);
    h.setUint16(14, r.date, true);
    h.setUint32(16, r.crc, true);
    h.setUint32(20, r.stored, true);
    h.setUint32(24, r.size, true);
    h.setUint16(28, r.name.byteLength, true);
    // extra, comment, disk, internal and external attributes: 0
    h.setUint32(42, r.offset, true);
    parts.push(new Uint8Array(h.buffer), r.name);
    size += 46 + r.name.byteLength;
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, records.length, true);
  end.setUint16(10, records.length, true);
  end.setUint32(12, size, true);
  end.setUint32(16, at, true);
  parts.push(new Uint8Array(end.buffer));
  return parts;
}

/** The bytes of the archive, in order. */
async function* zipChunks(entries: AsyncIterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  const records: Written[] = [];
  let offset = 0;
  const emit = (bytes: Uint8Array) => {
    offset += bytes.byteLength;
    if (offset > 0xffffffff) throw new Error("The archive passed 4 GB, which ZIP without ZIP64 cannot hold.");
    return bytes;
  };
  for await (const entry of entries) {
    const streamed = !(entry.data instanceof Uint8Array);
    const { time, date } = dosTime(entry.modified ?? new Date());
    const r: Written = {
      name: encoder.encode(entry.name),
      flags: UTF8_NAMES | (streamed ? DATA_DESCRIPTOR : 0),
      method: streamed || entry.deflate ? 8 : 0,
      time,
      date,
      crc: 0,
      size: 0,
      stored: 0,
      offset,
    };
    records.push(r);
    if (entry.data instanceof Uint8Array) {
      const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
      Object.assign(r, { crc: Bun.hash.crc32(entry.data), size: entry.data.byteLength, stored: body.byteLength });
      yield emit(localHeader(r));
      yield emit(r.name);
      yield emit(body);
    } else {
      yield emit(localHeader(r));
      yield emit(r.name);
      for await (const out of deflated(entry.data, r)) yield emit(out);
      yield emit(dataDescriptor(r));
    }
  }
  for (const part of centralDirectory(records, offset)) yield emit(part);
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

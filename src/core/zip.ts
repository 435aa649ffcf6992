import { deflateRawSync } from "node:zlib";

/**
 * A ZIP writer small enough to read in one sitting, for the members' archives: entries are
 * written one after the other as they come, so the archive streams and only one entry is in
 * memory at a time. Text is deflated; media (already compressed) is stored. No ZIP64: the
 * caller keeps an archive under 4 GB and 65,535 entries (see MAX_ZIP_BYTES).
 */

export interface ZipEntry {
  /** The path inside the archive, with `/` between folders. */
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  modified?: Date;
}

/** What a caller lets an archive grow to, well under the 4 GB that ZIP without ZIP64 allows. */
export const MAX_ZIP_BYTES = 3 * 1024 ** 3;
export const MAX_ZIP_ENTRIES = 60_000;

const encoder = new TextEncoder();

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(d.getUTCFullYear(), 1980);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface Written {
  name: Uint8Array;
  method: number;
  time: number;
  date: number;
  crc: number;
  size: number;
  stored: number;
  offset: number;
}

/** The local header and data of one entry; `at` is where it starts in the archive. */
function localEntry(entry: ZipEntry, at: number): { bytes: Uint8Array[]; record: Written } {
  const name = encoder.encode(entry.name);
  const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
  const { time, date } = dosTime(entry.modified ?? new Date());
  const record: Written = {
    name,
    method: entry.deflate ? 8 : 0,
    time,
    date,
    crc: Bun.hash.crc32(entry.data),
    size: entry.data.byteLength,
    stored: body.byteLength,
    offset: at,
  };
  const header = new DataView(new ArrayBuffer(30));
  header.setUint32(0, 0x04034b50, true);
  header.setUint16(4, 20, true); // version needed: 2.0
  header.setUint16(6, 0x0800, true); // names are UTF-8
  header.setUint16(8, record.method, true);
  header.setUint16(10, time, true);
  header.setUint16(12, date, true);
  header.setUint32(14, record.crc, true);
  header.setUint32(18, record.stored, true);
  header.setUint32(22, record.size, true);
  header.setUint16(26, name.byteLength, true);
  header.setUint16(28, 0, true);
  return { bytes: [new Uint8Array(header.buffer), name, body], record };
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
    h.setUint16(8, 0x0800, true);
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

/** A ZIP archive of the entries, produced as the stream is read (the next entry is made on demand). */
export function zipStream(entries: AsyncIterable<ZipEntry>): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  const records: Written[] = [];
  let offset = 0;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return controller.close();
      const next = await iterator.next();
      if (next.done) {
        for (const part of centralDirectory(records, offset)) controller.enqueue(part);
        finished = true;
        return;
      }
      const { bytes, record } = localEntry(next.value, offset);
      records.push(record);
      for (const part of bytes) {
        offset += part.byteLength;
        controller.enqueue(part);
      }
      if (offset > 0xffffffff) throw new Error("The archive passed 4 GB, which ZIP without ZIP64 cannot hold.");
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

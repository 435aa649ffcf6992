/** @jsxImportSource @kitajs/html */

/** A row of an uploaded CSV that was not taken, and why (member imports, domain-block imports). */
export interface SkippedRow {
  line: number;
  row: string;
  why: string;
}

/** The rows of a CSV file that were not taken, by line, with the reason for each. */
export function SkippedRowsTable({ rows }: { rows: SkippedRow[] }) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col" class="number">
            Line
          </th>
          <th scope="col">Row</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td class="number" safe>
              {String(r.line)}
            </td>
            <td class="domain" safe>
              {r.row}
            </td>
            <td safe>{r.why}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

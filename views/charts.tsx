/** @jsxImportSource @kitajs/html */

export interface DayCount {
  /** "2025-06-01" (UTC). */
  day: string;
  count: number;
}

const WIDTH_PER_DAY = 10;
const HEIGHT = 40;

/** "1 Jun" for "2025-06-01". */
export const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/**
 * A small bar chart of counts per day, drawn on the server: one `<rect class="bar">` a day,
 * the last one today (so far, drawn lighter). Sized by its viewBox and the stylesheet, colored
 * by CSS variables (no style attribute: the CSP forbids them). The SVG is an image with a
 * summary for its name; the numbers themselves are in a table only screen readers see.
 */
export function DailyBars({ id, label, days, noun }: { id: string; label: string; days: DayCount[]; noun: string }) {
  const max = Math.max(0, ...days.map((d) => d.count));
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const width = days.length * WIDTH_PER_DAY;
  const first = days[0];
  const start = first ? shortDay(first.day) : "";
  const summary =
    days.length === 0
      ? `${label}: no data`
      : `${label}, ${days.length} days from ${start} to today: ${total} in all, at most ${max} on one day`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={`${id}-title`}
        focusable="false"
      >
        <title id={`${id}-title`} safe>
          {summary}
        </title>
        {days.map((d, i) => {
          // Every day gets a bar; an empty day a thin stub, so gaps read as zero, not as missing.
          const h = d.count === 0 ? 1 : Math.max(2, (d.count / max) * (HEIGHT - 2));
          const today = i === days.length - 1;
          const classes = ["bar", d.count === 0 ? "zero" : "", today ? "today" : ""].filter(Boolean).join(" ");
          return (
            <rect class={classes} x={i * WIDTH_PER_DAY + 1.5} y={HEIGHT - h} width={WIDTH_PER_DAY - 3} height={h}>
              <title safe>{`${today ? "Today so far" : shortDay(d.day)}: ${d.count} ${noun}`}</title>
            </rect>
          );
        })}
      </svg>
      <div class="chart-axis" aria-hidden="true">
        <span safe>{start}</span>
        <span safe>{`peak ${max}`}</span>
        <span>today</span>
      </div>
      <table class="visually-hidden">
        <caption safe>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col" safe>
              {noun}
            </th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr>
              <th scope="row" safe>
                {d.day}
              </th>
              <td safe>{String(d.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

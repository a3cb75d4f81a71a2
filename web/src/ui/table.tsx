import type { ComponentChildren } from 'preact';

export interface Column<Row> {
  header: string;
  render: (row: Row) => ComponentChildren;
  // Hidden below the narrow breakpoint (390 px wide screens) when not essential.
  secondary?: boolean;
}

// A table of rows with a caption (what it lists, read by screen readers; visible or not). On a
// narrow screen it scrolls sideways inside a focusable region, so the keyboard can scroll it.
export function Table<Row>({ caption, captionHidden = false, columns, rows, rowKey }: {
  caption: string;
  captionHidden?: boolean;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
}) {
  return (
    <div class="ui-table" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption class={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" class={c.secondary ? 'ui-table__secondary' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} class={c.secondary ? 'ui-table__secondary' : undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { stripVTControlCharacters } from 'node:util';

/** A column of a borderless, kubectl-style table. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

/** Renders rows as aligned columns separated by two spaces; the last column is not padded. */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(width(column.header), ...cells.map((line) => width(line[i] ?? ''))),
  );
  const format = (line: string[]) =>
    line
      .map((cell, i) => {
        if (i === line.length - 1 && columns[i]?.align !== 'right') return cell;
        const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
        return columns[i]?.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [format(columns.map((c) => c.header)), ...cells.map(format)].join('\n');
}

/** Renders `label: value` pairs with the values aligned. */
export function renderFields(fields: readonly (readonly [string, string])[], indent = ''): string {
  const labelWidth = Math.max(0, ...fields.map(([label]) => width(label)));
  return fields.map(([label, value]) => `${indent}${`${label}:`.padEnd(labelWidth + 2)}${value}`).join('\n');
}

function width(text: string): number {
  return stripVTControlCharacters(text).length;
}

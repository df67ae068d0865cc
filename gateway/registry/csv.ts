/** One CSV record and the 1-based line of the file it starts on (for messages a person can find). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
}

/**
 * RFC 4180 CSV, as spreadsheets write it: fields separated by commas, quoted fields may hold commas,
 * line breaks and doubled quotes; CRLF or LF line ends; blank lines skipped. A quote inside an
 * unquoted field is kept as a character (spreadsheets write `12"` for inches).
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let wasQuoted = false;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || wasQuoted || cell.trim() !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += c;
    }
  }
  if (quoted) throw new CsvSyntaxError(`line ${recordLine}: a quoted field is never closed (a " is missing)`);
  if (cell !== '' || cells.length > 0 || wasQuoted) endRecord();
  return records;
}

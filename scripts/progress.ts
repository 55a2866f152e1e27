/**
 * A progress line for a long run. On a terminal it redraws one line in place (`\r`); anywhere else
 * (piped to a file, a CI log) each update is a whole line, since a `\r` there never ends a line
 * and the log would hold one endless line.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  update(text: string): void;
  /** Ends the in-place line on a terminal; nothing to end otherwise. */
  done(): void;
}

export function progressPrinter(stream: ProgressStream): Progress {
  if (!stream.isTTY) return { update: (text) => void stream.write(`${text}\n`), done: () => {} };
  let drawn = false;
  return {
    update(text) {
      drawn = true;
      stream.write(`\r${text}   `);
    },
    done() {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}

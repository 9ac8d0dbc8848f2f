// What a screen reader hears when a command ends: the end of its output and how it ended. xterm's
// own screen-reader mode announces every character as it arrives, which stalls the page when a
// command floods the terminal; this speaks once per command, with a bounded text.

/** At most this many lines, and characters, of a command's output are read out. */
export const ANNOUNCE_MAX_LINES = 12;
export const ANNOUNCE_MAX_CHARS = 1_200;

/**
 * @param lines the command's output as screen lines, each with whether it continues the line
 *   before (a wrapped line)
 * @param status the sentence about how it ended (e.g. "exit 1"), said last
 */
export function announcementText(lines: readonly { text: string; wrapped: boolean }[], status: string): string {
  const joined: string[] = [];
  for (const l of lines) {
    if (l.wrapped && joined.length) joined[joined.length - 1] += l.text;
    else joined.push(l.text);
  }
  const shown = joined.map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  let text = shown.slice(-ANNOUNCE_MAX_LINES).join('\n');
  if (text.length > ANNOUNCE_MAX_CHARS) text = `…${text.slice(-ANNOUNCE_MAX_CHARS)}`;
  return text ? `${text}\n${status}` : status;
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Terminal colour and cursor codes out of a line a command printed. */
export const stripAnsi = (s: string) => (s.includes('\u001b') ? s.replace(ANSI, '') : s);

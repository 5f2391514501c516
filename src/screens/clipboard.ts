// Copy to the clipboard of the terminal the operator sits at, through OSC 52: the text travels in the
// output stream, so it works over SSH (the remote machine has no clipboard of its own). Terminals may
// ignore it (some disable it by default; tmux passes it on only with `set -g set-clipboard on`), and
// nothing comes back to say whether it worked, so the screens say "sent", never "copied".
// Format: ESC ] 52 ; c ; <base64> BEL — https://invisible-island.net/xterm/ctlseqs/ctlseqs.html (Operating System Commands).

/** The escape sequence that asks the terminal to put `text` on the clipboard. */
export function osc52(text: string): string {
  return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

/** What the notice says after a copy was sent. */
export function copiedNotice(what: string): string {
  const caveat = process.env.TMUX ? 'tmux needs set-clipboard on' : 'terminals may ignore it';
  return `OSC 52 → clipboard: ${what} (${caveat})`;
}

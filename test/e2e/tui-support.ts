// Shared by the issue-17 pty tests (tui-*.test.ts): a CJK-heavy world and "wait, then check the frame".
import { assertFrame, type Session } from './harness.ts';
import { tempDir, worldFile } from './support.ts';
import type { World } from '../../src/sandbox/index.ts';

export const SUMMARY = /^.*(✔ pass|✖ fail).* ms$/m;
export const flat = (screen: string) => screen.replace(/\s*\n\s*/g, ' ');
export const cursorRow = (screen: string) =>
  screen
    .split('\n')
    .find((l) => l.startsWith('›'))
    ?.trimEnd() ?? '';

/** A shipped world with CJK text wherever Azure returns free text: the subscription's name, certificate subjects. */
export function cjkWorld(base: string, change: (w: World) => void = () => {}): string {
  return worldFile(tempDir('apimkv-cjk-'), base, (w) => {
    change(w);
    for (const s of w.subscriptions) s.displayName = '決済基盤本番環境サブスクリプション（東日本リージョン）';
    for (const vault of Object.values(w.vaultData ?? {})) {
      for (const cert of Object.values(vault.certificates ?? {}))
        for (const v of cert.versions) v.subject = 'CN=決済ゲートウェイ相互認証クライアント証明書.例え.日本, O=株式会社コントソ';
    }
  });
}

/** Wait for the pattern, then require the frame to be the terminal exactly (header row 1, footer last row). */
export async function settled(s: Session, pattern: RegExp | string, rows = 24): Promise<string> {
  const screen = await s.waitFor(pattern, 60_000);
  assertFrame(screen, rows);
  return screen;
}

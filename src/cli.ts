// apimkv entry point: parse arguments, pick the mode, and load the rest lazily so the first frame (or
// the first line of a report) appears before the Azure SDKs are even imported.
import { terminalText } from './checks/escape.ts';
import { runConfig } from './app/run-config.ts';
import { withoutFetch } from './app/without-fetch.ts';
import { helpText, parseCommand, UsageError, VERSION, type Command } from './cli-args.ts';
import { reportError } from './error-model.ts';
import { plainTerminalReason } from './screens/terminal.ts';

// Ink's chalk ignores NO_COLOR; map it before anything imports Ink.
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';

async function main(argv: string[]): Promise<number> {
  // Turning off certificate checks for the whole process would trust any endpoint with the tokens we send.
  if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    process.stderr.write(
      'apimkv: NODE_TLS_REJECT_UNAUTHORIZED is set to 0, which turns off TLS certificate checks for every connection, and apimkv sends Azure tokens over them: it refuses to run so. Unset it; for an endpoint with its own certificate use --arm-endpoint URL --ca-cert FILE.\n',
    );
    return 2;
  }
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`apimkv: ${terminalText(e.message)}
`);
      return e.exitCode;
    }
    throw e;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${helpText(command.command)}\n`);
      return 0;
    case 'version':
      // What a bug report needs: which apimkv, on which Node (the single file carries its own), where.
      process.stdout.write(`apimkv ${VERSION} (Node.js ${process.version}, ${process.platform}-${process.arch})\n`);
      return 0;
    case 'doctor': {
      const { runDoctor } = await import('./app/doctor.ts');
      return runDoctor(command.json, runConfig(command.options));
    }
    case 'completion': {
      const { completionScript } = await import('./completion.ts');
      process.stdout.write(completionScript(command.shell));
      return 0;
    }

    case 'sandbox': {
      const { sandboxCommand } = await import('./cli-sandbox.ts');
      return sandboxCommand(command.argv);
    }
    case 'tui': {
      // The flags become the run's configuration once (app/run-config.ts); nothing below reads the flag bag.
      const config = runConfig(command.options);
      const plain = plainTerminalReason(process.env, process.stdin.isTTY, process.stdout.isTTY);
      if (plain) {
        process.stderr.write(
          `apimkv: ${plain}, so printing the check report instead of the full-screen runbook (use "apimkv check" to say so explicitly).\n`,
        );
        const { runCheck } = await import('./app/commands.ts');
        return runCheck(config);
      }
      const t = config.target;
      if (!((t.serviceId || (t.apim && t.resourceGroup)) && t.vault)) {
        // Something is not named: pick it on screen (a step with one choice is taken without asking).
        const { runPickerTui } = await withoutFetch(() => import('./app/picker-tui.tsx'));
        return runPickerTui(config);
      }
      const { runRunbookTui } = await withoutFetch(() => import('./app/runbook-tui.ts'));
      return runRunbookTui(config);
    }
    case 'check': {
      const { runCheck } = await import('./app/commands.ts');
      return runCheck(runConfig(command.options));
    }
    case 'fix': {
      const { runFix } = await import('./app/commands.ts');
      return runFix(command.checkIds, command.plan, runConfig(command.options), command.format);
    }
    case 'add-cert': {
      const { runAddCert } = await import('./app/commands.ts');
      return runAddCert(command.certificate, command.plan, runConfig(command.options), command.format);
    }
    case 'upload-cert': {
      const { runUploadCert } = await import('./app/commands.ts');
      return runUploadCert(command.certificate, command.plan, runConfig(command.options), command.format);
    }
    case 'audit': {
      const interactive = command.audit.format === 'tui' && !plainTerminalReason(process.env, process.stdin.isTTY, process.stdout.isTTY);
      if (!interactive) {
        const { runAudit } = await import('./app/audit.ts');
        return runAudit(command.audit.format === 'tui' ? { ...command.audit, format: 'text' } : command.audit, runConfig(command.options));
      }
      const { runAuditTui } = await withoutFetch(() => import('./app/audit-tui.tsx'));
      return runAuditTui(command.audit, runConfig(command.options));
    }
    case 'cleanup': {
      const { runCleanup } = await import('./app/commands.ts');
      return runCleanup(runConfig(command.options));
    }
  }
}

main(process.argv.slice(2)).then(
  async (code) => {
    process.exitCode = code;
    // Quit while a device code sign-in still waited: it was cancelled, but its library only notices at
    // its next poll (up to 5 s). The terminal is already restored; do not hold the shell for that.
    const { SignInPrompt } = await import('./screens/sign-in-prompt.ts');
    if (SignInPrompt.anyWaiting()) process.exit(code);
  },
  (e: unknown) => {
    // The kind decides the exit code and the hint; anything not raised on purpose says it is a bug.
    // The message may quote Azure or a file: one line each, nothing active.
    const { text, exitCode } = reportError(e, process.argv.includes('--verbose'), terminalText);
    process.stderr.write(text);
    process.exitCode = exitCode;
  },
);

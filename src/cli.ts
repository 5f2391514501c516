// apimkv entry point: parse arguments, pick the mode, and load the rest lazily so the first frame (or
// the first line of a report) appears before the Azure SDKs are even imported.
import { terminalText } from './checks/escape.ts';
import { helpText, parseCommand, UsageError, VERSION, type Command, type CommonOptions } from './cli-args.ts';
import { reportError } from './error-model.ts';
import type { RunContext } from './runbook/engine-types.ts';
import { plainTerminalReason } from './screens/terminal.ts';

// Ink's chalk ignores NO_COLOR; map it before anything imports Ink.
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';

function provisionalContext(o: CommonOptions): RunContext {
  return {
    // Until az or the engine says which cloud, say only what the flags say.
    cloud: o.sandbox ? 'Sandbox' : (o.cloud ?? (o.armEndpoint ? new URL(o.armEndpoint).host : 'Azure')),
    subscriptionId: o.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? '…',
    apimName: o.apim ?? '…',
    vaultName: o.vault ?? '…',
    sandbox: o.sandbox,
    readOnly: o.readOnly,
  };
}

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
      return runDoctor(command.json, command.options);
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
      const plain = plainTerminalReason(process.env, process.stdin.isTTY, process.stdout.isTTY);
      if (plain) {
        process.stderr.write(
          `apimkv: ${plain}, so printing the check report instead of the full-screen runbook (use "apimkv check" to say so explicitly).\n`,
        );
        const { runCheck } = await import('./app/commands.ts');
        return runCheck(command.options);
      }
      const o = command.options;
      if (!((o.serviceId || (o.apim && o.resourceGroup)) && o.vault)) {
        // Something is not named: pick it on screen (a step with one choice is taken without asking).
        const [{ parseServiceId, vaultOption }, { runPickerTui }] = await Promise.all([
          import('./app/target-flags.ts'),
          import('./screens/run-picker-tui.tsx'),
        ]);
        const fromId = o.serviceId ? parseServiceId(o.serviceId) : undefined;
        const vault = vaultOption(o);
        const { code, engine } = await runPickerTui(o, {
          subscriptionId: fromId?.subscriptionId ?? o.subscription,
          ...(fromId
            ? { apim: { name: fromId.name, resourceGroup: fromId.resourceGroup } }
            : o.apim
              ? { apim: { name: o.apim, ...(o.resourceGroup ? { resourceGroup: o.resourceGroup } : {}) } }
              : {}),
          ...(vault ? { vault } : {}),
        });
        if (o.transcript && engine) process.stderr.write(`apimkv: transcript written to ${engine.saveTranscript()}\n`);
        return code;
      }
      const [{ runTui }, { SignInPrompt, signInCopy }] = await Promise.all([
        import('./screens/run-tui.tsx'),
        import('./screens/sign-in-prompt.ts'),
      ]);
      const signIn = new SignInPrompt();
      // Quitting while the sign-in still waits for its code must end the sign-in too.
      const session = new AbortController();
      let close: (() => Promise<void>) | undefined;
      let engine: import('./runbook/engine-types.ts').RunbookEngine | undefined;
      const code = await runTui({
        context: provisionalContext(command.options),
        signIn,
        // Everything behind the first frame: the connection code and, through it, the Azure SDKs.
        loadEngine: async () => {
          const { connect } = await import('./app/connect.ts');
          const connection = await connect(command.options, {
            interactive: true,
            signIn: signIn.hooks(signInCopy()),
            signal: session.signal,
          });
          close = connection.close;
          engine = connection.engine;
          return connection.engine;
        },
      });
      if (command.options.transcript && engine) process.stderr.write(`apimkv: transcript written to ${engine.saveTranscript()}\n`);
      session.abort();
      await close?.();
      return code;
    }
    case 'check': {
      const { runCheck } = await import('./app/commands.ts');
      return runCheck(command.options);
    }
    case 'fix': {
      const { runFix } = await import('./app/commands.ts');
      return runFix(command.checkIds, command.plan, command.options, command.format);
    }
    case 'add-cert': {
      const { runAddCert } = await import('./app/commands.ts');
      return runAddCert(command.certificate, command.plan, command.options, command.format);
    }
    case 'upload-cert': {
      const { runUploadCert } = await import('./app/commands.ts');
      return runUploadCert(command.certificate, command.plan, command.options, command.format);
    }
    case 'audit': {
      const interactive = command.audit.format === 'tui' && !plainTerminalReason(process.env, process.stdin.isTTY, process.stdout.isTTY);
      if (!interactive) {
        const { runAudit } = await import('./app/audit.ts');
        return runAudit(command.audit.format === 'tui' ? { ...command.audit, format: 'text' } : command.audit, command.options);
      }
      const { runAuditTui } = await import('./screens/run-audit-tui.tsx');
      return runAuditTui(command.audit, command.options);
    }
    case 'cleanup': {
      const { runCleanup } = await import('./app/commands.ts');
      return runCleanup(command.options);
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

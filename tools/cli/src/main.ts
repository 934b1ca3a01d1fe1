import { Command, CommanderError, Option } from 'commander';
import { PROVIDER_NAMES, type ProviderName } from '@kastra/llm/provider-table';
import { applyCommand } from './apply-command';
import { cancelCommand } from './cancel-command';
import { CliError, processContext, serverUrl, type CliContext } from './cli-context';
import { deleteCommand } from './delete-command';
import { describeCommand } from './describe-command';
import { generateCommand } from './generate-command';
import { GatewayClient, GatewayStatusError } from './gateway-client';
import { OUTPUT_FORMATS, getCommand } from './get-command';
import { DEFAULT_KUBECONFIG_SERVER, kubeconfigCommand } from './kubeconfig-command';
import { logsCommand } from './logs-command';
import { migrateManifestsCommand } from './migrate-manifests-command';
import { rebuildProjectionsCommand } from './rebuild-projections-command';
import { resumeCommand } from './resume-command';
import { EXIT_SUSPENDED, runCommand } from './run-command';
import { tokenCommand } from './token-command';

const collect = (value: string, previous: string[] = []) => [...previous, value];
// The TypeScript compiler (a third of a second to load) is loaded for `migrate mastra` only.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadMigrateMastra = (): typeof import('./migrate-mastra-command') => require('./migrate-mastra-command');

/** The `kastra` program. Commands set `exitCode` to 1 when part of their work failed (`run --wait`: 3 when the run suspends). */
export function createProgram(ctx: CliContext, result: { exitCode: number }): Command {
  const program = new Command('kastra')
    .description('Kastra: a Kubernetes-style declarative runtime for AI agents')
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  const serverOption = () =>
    new Option('-s, --server <url>', 'gateway URL (env KASTRA_SERVER)').default(undefined, 'http://127.0.0.1:8080');
  const gateway = (server: string | undefined) => GatewayClient.fromContext(ctx, serverUrl(ctx, server));

  program
    .command('token')
    .description('print a JWT for the gateway (signed with the development secret of $KASTRA_HOME); --namespace binds the user to edit there')
    .addOption(new Option('--role <role>', 'admin: a cluster-admin token (group system:masters); user: a token without groups').choices(['admin', 'user']))
    .option('--user <name>', 'subject of the token (default: the role)')
    .option('--namespace <ns>', 'bind the user to ClusterRole edit in this namespace (RoleBinding <user>-edit, written through the gateway); repeatable', collect)
    .option('--ttl <duration>', 'lifetime: seconds or 90s, 15m, 24h, 30d, 1y', '24h')
    .addOption(serverOption())
    .action(async (options: { role?: string; user?: string; namespace?: string[]; ttl: string; server?: string }) => {
      await tokenCommand(options, ctx, () => gateway(options.server));
    });

  program
    .command('kubeconfig')
    .description('print a kubeconfig for kubectl: the development CA and a year-long admin token')
    .option('-s, --server <url>', 'HTTPS address of the gateway', DEFAULT_KUBECONFIG_SERVER)
    .action((options: { server?: string }) => kubeconfigCommand(options, ctx));

  program
    .command('apply')
    .description('create or update resources from YAML files or directories (server-side apply)')
    .requiredOption('-f, --filename <path>', 'file, directory (recursive) or - for stdin; repeatable', collect)
    .option('-n, --namespace <ns>', 'namespace of documents that name none (default "default")')
    .addOption(serverOption())
    .action(async (options: { filename: string[]; namespace?: string; server?: string }) => {
      if (!(await applyCommand(options, gateway(options.server), ctx))) result.exitCode = 1;
    });

  program
    .command('get')
    .description('list resources of a kind, or show one')
    .argument('<kind>', 'kind, plural, singular or short name (e.g. llm, agents, wf), or KIND/NAME')
    .argument('[name]')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=demo,tier!=test')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]))
    .addOption(serverOption())
    .action(async (kind: string, name: string | undefined, options: { namespace?: string; allNamespaces?: boolean; selector?: string; output?: string; server?: string }) =>
      getCommand(kind, name, options, gateway(options.server), ctx),
    );

  program
    .command('describe')
    .description('show one resource: metadata, spec, status and conditions')
    .argument('<kind>')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .addOption(serverOption())
    .action(async (kind: string, name: string, options: { namespace?: string; server?: string }) =>
      describeCommand(kind, name, options, gateway(options.server), ctx),
    );

  program
    .command('delete')
    .description('delete a resource by kind and name, or those of files')
    .argument('[kind]')
    .argument('[name]')
    .option('-f, --filename <path>', 'file, directory (recursive) or - for stdin; repeatable', collect)
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--ignore-not-found', 'treat a missing resource as deleted')
    .addOption(serverOption())
    .action(async (kind: string | undefined, name: string | undefined, options: { filename?: string[]; namespace?: string; ignoreNotFound?: boolean; server?: string }) => {
      if (!(await deleteCommand(kind, name, options, gateway(options.server), ctx))) result.exitCode = 1;
    });

  program
    .command('run')
    .description('start a workflow run; with --wait follow it and print its output')
    .argument('<kind>', 'workflow')
    .argument('<name>', 'the Workflow')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--input <json>', 'the run input as JSON')
    .option('--wait', `wait for the run to end and print its output (exit 1 when it fails or --timeout passes; exit ${EXIT_SUSPENDED} when it suspends, with the kastra resume command to continue)`)
    .option('--timeout <duration>', 'how long --wait waits: seconds or 90s, 5m', '60s')
    .addOption(serverOption())
    .action(async (kind: string, name: string, options: { namespace?: string; input?: string; wait?: boolean; timeout: string; server?: string }) => {
      result.exitCode = await runCommand(kind, name, options, gateway(options.server), ctx);
    });

  program
    .command('logs')
    .description("print a run's events, one a line; -f follows it until it ends")
    .argument('<kind>', 'run (a workflow run) or networkrun')
    .argument('<name>', 'the WorkflowRun or NetworkRun')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-f, --follow', 'keep printing events until the run ends')
    .addOption(serverOption())
    .action(async (kind: string, name: string, options: { namespace?: string; follow?: boolean; server?: string }) => {
      if (!(await logsCommand(kind, name, options, gateway(options.server), ctx))) result.exitCode = 1;
    });

  program
    .command('generate')
    .description('run a network on a task: prints the route as it goes (stderr) and the answer (stdout); exit 1 when the run fails')
    .argument('<kind>', 'network')
    .argument('<name>', 'the Network')
    .argument('<message>', 'the task')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--thread <id>', 'conversation id: later runs of the thread see its earlier tasks and answers')
    .option('--max-steps <n>', "most member turns (at most the network's router.maxSteps)")
    .option('--timeout <duration>', 'how long to wait for the answer: seconds or 90s, 5m (at most 10m)', '5m')
    .addOption(serverOption())
    .action(async (kind: string, name: string, message: string, options: { namespace?: string; thread?: string; maxSteps?: string; timeout: string; server?: string }) => {
      result.exitCode = await generateCommand(kind, name, message, options, gateway(options.server), ctx);
    });

  program
    .command('resume')
    .description('resume a suspended step of a workflow run with a payload')
    .argument('<run>', 'the WorkflowRun')
    .requiredOption('--step <id>', 'the suspended step')
    .requiredOption('--data <json>', 'the resume payload as JSON (checked against the step\'s resumeSchema)')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .addOption(serverOption())
    .action(async (run: string, options: { namespace?: string; step: string; data: string; server?: string }) => {
      if (!(await resumeCommand(run, options, gateway(options.server), ctx))) result.exitCode = 1;
    });

  program
    .command('cancel')
    .description('cancel a workflow run, or a network run (kastra cancel networkrun NAME); the step or member in flight is aborted')
    .argument('<run>', 'the WorkflowRun, or the kind: run or networkrun')
    .argument('[name]', 'the run, when a kind is given')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .addOption(serverOption())
    .action(async (run: string, name: string | undefined, options: { namespace?: string; server?: string }) => {
      if (!(await cancelCommand(run, name, options, gateway(options.server), ctx))) result.exitCode = 1;
    });

  const migrate = program.command('migrate').description('bring a Mastra project, or manifests of an older shape, over to Kastra');
  migrate
    .command('mastra')
    .description('translate a Mastra project (read statically, never run) into LLM, Tool, Agent and Workflow manifests and a MIGRATION-REPORT.md')
    .argument('<dir>', 'the project source folder, e.g. src/')
    .requiredOption('-o, --output <dir>', 'folder for the manifests and the report')
    .option('-n, --namespace <ns>', 'metadata.namespace of every object (default: none, the namespace they are applied to)')
    .addOption(new Option('--provider-override <provider>', 'every LLM uses this provider instead (mock: run offline)').choices([...PROVIDER_NAMES]))
    .action(async (dir: string, options: { output: string; namespace?: string; providerOverride?: ProviderName }) => {
      await loadMigrateMastra().migrateMastraCommand(dir, options, ctx);
    });
  migrate
    .command('manifests')
    .description('upgrade manifests of older shapes (mastra.ai/v1alpha1, refName/ref, inline models) to the current version; prints a unified diff, writes only with --write or -o')
    .argument('<path>', 'a manifest file or a folder of them (.yaml, .yml)')
    .option('-o, --output <dir>', 'write the upgraded manifests to this folder (same relative paths)')
    .option('--write', 'rewrite the files that change, in place')
    .option('--extract-llms', 'make every inline model {provider, name} an LLM manifest and a ref to it')
    .action(async (target: string, options: { output?: string; write?: boolean; extractLlms?: boolean }) => {
      if (!(await migrateManifestsCommand(target, options, ctx))) result.exitCode = 1;
    });

  program
    .command('rebuild-projections')
    .description('rebuild the resource read model from the event log (uses DATABASE_URL)')
    .option('--database-url <url>', 'Postgres of the installation (env DATABASE_URL)')
    .action((options: { databaseUrl?: string }) => rebuildProjectionsCommand(options, ctx));

  return program;
}

/**
 * Runs `kastra` with `args` (without node and the script) and returns the exit code.
 * Usage errors, CliErrors and gateway Status errors print one message to stderr and give 1.
 */
export async function main(args: string[], ctx: CliContext = processContext()): Promise<number> {
  const result = { exitCode: 0 };
  const program = createProgram(ctx, result);
  if (args.length === 0) {
    program.outputHelp();
    return 1;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return result.exitCode;
  } catch (error) {
    // Commander has already printed its own usage errors and help.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof GatewayStatusError) ctx.stderr(`${error.format()}\n`);
    else if (error instanceof CliError) ctx.stderr(`error: ${error.message}\n`);
    else ctx.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

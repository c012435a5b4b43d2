#!/usr/bin/env node
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { ConfigError, Keystore, loadNodeConfig } from '../config/index.js';
import { autoConfigurationBanner, autoConfigureSecurity, needsAutoConfiguration, type AutoConfiguration } from './auto-configure.js';
// The certificate code (@peculiar/x509) and remote enrollment (HTTP routes, transport) are loaded by
// the commands that use them: each costs a process more start-up CPU than `keystore` or `start` needs
// (a node start, its keystore and certificates are several processes; tests start hundreds).

/** Elasticsearch exits with 78 (EX_CONFIG) for configuration errors. */
const EXIT_CONFIG = 78;

function fail(message: string, code = 1): never {
  process.stderr.write(`ERROR: ${message}\n`);
  process.exit(code);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function createLogger(): pino.Logger {
  const level = process.env['STRAIT_LOG_LEVEL'] ?? 'info';
  if (process.stdout.isTTY) {
    return pino({ level, redact: ['req.headers.authorization'] }, pino.transport({ target: 'pino-pretty', options: { colorize: true } }));
  }
  return pino({ level, redact: ['req.headers.authorization'] });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A value typed at a prompt (no echo on a terminal) or piped on stdin; one trailing newline removed. */
async function readSecret(prompt: string, fromStdin: boolean): Promise<Buffer> {
  if (!fromStdin && process.stdin.isTTY) {
    process.stderr.write(prompt);
    process.stdin.setRawMode(true);
    const value = await new Promise<string>((resolve) => {
      let typed = '';
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            process.stdin.off('data', onData);
            process.stdin.setRawMode(false);
            process.stdin.pause();
            process.stderr.write('\n');
            resolve(typed);
            return;
          }
          if (char === '\u0003') process.exit(130);
          if (char === '\u007f') typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      process.stdin.on('data', onData);
      process.stdin.resume();
    });
    return Buffer.from(value, 'utf8');
  }
  const raw = await readStdin();
  const text = raw.toString('utf8').replace(/\r?\n$/, '');
  return Buffer.from(text, 'utf8');
}

const program = new Command();
program.name('strait').description('Strait: an Elasticsearch-compatible search server with secure remote clusters');

program
  .command('start')
  .description('start a node')
  .option('--config-dir <dir>', 'the config directory (strait.yml, strait.keystore, certs/)', './config')
  .option('-E, --setting <name=value>', 'override a setting (repeatable)', collect, [])
  .action(async (options: { configDir: string; setting: string[] }) => {
    const configDir = path.resolve(options.configDir);
    mkdirSync(configDir, { recursive: true });
    const log = createLogger();
    let autoConfiguration: AutoConfiguration | undefined;
    let config;
    try {
      config = loadNodeConfig(configDir, options.setting);
      if (config.securityEnabled && needsAutoConfiguration(configDir, options.setting)) {
        autoConfiguration = await autoConfigureSecurity(configDir, config.networkHost);
        log.info({ config_dir: configDir }, 'security auto-configuration: generated a CA and HTTP/transport certificates');
        config = loadNodeConfig(configDir, options.setting);
      }
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message, EXIT_CONFIG);
      throw error;
    }
    const { startNode } = await import('../node/index.js');
    const { NodeStartError } = await import('../node/node.js');
    let node;
    try {
      node = await startNode(config, {
        log,
        ...(autoConfiguration?.generatedPassword !== undefined ? { elasticPassword: autoConfiguration.generatedPassword } : {}),
      });
    } catch (error) {
      if (error instanceof NodeStartError || error instanceof ConfigError) fail(error.message, EXIT_CONFIG);
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') fail(`cannot bind: ${(error as Error).message}`, 1);
      log.fatal({ err: error }, 'failed to start');
      process.exit(1);
    }
    if (autoConfiguration !== undefined) process.stdout.write(autoConfigurationBanner(autoConfiguration, node.httpAddress));
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'received a stop signal');
      node.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'failed to stop cleanly');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

const keystore = program.command('keystore').description('manage secure settings in strait.keystore');
const configDirOption = ['--config-dir <dir>', 'the config directory', './config'] as const;

function openKeystore(configDir: string, mustExist = true): Keystore {
  const directory = path.resolve(configDir);
  if (mustExist && !Keystore.exists(directory)) fail(`the keystore does not exist in [${directory}]; run 'strait keystore create' first`);
  try {
    return Keystore.load(directory);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, EXIT_CONFIG);
    throw error;
  }
}

keystore
  .command('create')
  .description('create a new, empty keystore')
  .option(...configDirOption)
  .option('-f, --force', 'overwrite an existing keystore')
  .action((options: { configDir: string; force?: boolean }) => {
    const directory = path.resolve(options.configDir);
    if (Keystore.exists(directory) && options.force !== true) fail(`a keystore already exists in [${directory}] (use --force to overwrite)`);
    mkdirSync(directory, { recursive: true });
    Keystore.create(directory).save();
    process.stdout.write(`Created keystore ${Keystore.pathIn(directory)}\n`);
  });

keystore
  .command('list')
  .description('list the setting names in the keystore (never their values)')
  .option(...configDirOption)
  .action((options: { configDir: string }) => {
    for (const name of openKeystore(options.configDir).names()) process.stdout.write(`${name}\n`);
  });

keystore
  .command('add <name>')
  .description('add a string setting, typed at a prompt or read from stdin')
  .option(...configDirOption)
  .option('-x, --stdin', 'read the value from standard input')
  .option('-f, --force', 'overwrite an existing value')
  .action(async (name: string, options: { configDir: string; stdin?: boolean; force?: boolean }) => {
    const store = openKeystore(options.configDir, false);
    if (store.has(name) && options.force !== true && options.stdin !== true) fail(`setting [${name}] already exists (use --force to overwrite)`);
    const value = await readSecret(`Enter value for ${name}: `, options.stdin === true);
    try {
      store.set(name, value);
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      throw error;
    }
    store.save();
  });

keystore
  .command('add-file <name> <file>')
  .description('add a setting whose value is the content of a file')
  .option(...configDirOption)
  .action((name: string, file: string, options: { configDir: string }) => {
    const store = openKeystore(options.configDir, false);
    let value: Buffer;
    try {
      value = readFileSync(file);
    } catch (error) {
      fail(`cannot read [${file}]: ${(error as Error).message}`);
    }
    try {
      store.set(name, value);
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      throw error;
    }
    store.save();
  });

keystore
  .command('remove <name>')
  .description('remove a setting')
  .option(...configDirOption)
  .action((name: string, options: { configDir: string }) => {
    const store = openKeystore(options.configDir);
    if (!store.remove(name)) fail(`setting [${name}] does not exist in the keystore`);
    store.save();
  });

const remote = program.command('remote').description('remote clusters');
remote
  .command('enroll <alias>')
  .description('pair this (stopped) node with a remote cluster: reads the enrollment token from stdin')
  .option(...configDirOption)
  .option('--mode <mode>', 'proxy or sniff', 'proxy')
  .option('--skip-unavailable', 'skip the remote cluster in searches when it is unavailable')
  .action(async (alias: string, options: { configDir: string; mode: string; skipUnavailable?: boolean }) => {
    if (options.mode !== 'proxy' && options.mode !== 'sniff') fail(`[--mode] must be proxy or sniff, not [${options.mode}]`);
    const token = (await readStdin()).toString('utf8').trim();
    if (token === '') fail('no enrollment token on standard input');
    const { enrollStoppedNode } = await import('./remote-enroll.js');
    try {
      const done = await enrollStoppedNode({ configDir: options.configDir, alias, token, mode: options.mode as 'proxy' | 'sniff', skipUnavailable: options.skipUnavailable === true });
      process.stdout.write(`${done}\n`);
    } catch (error) {
      fail((error as Error).message);
    }
  });

const certutil = program.command('certutil').description('generate a CA and node certificates (PEM)');

function days(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) fail(`--days must be a positive integer, got [${value}]`);
  return parsed;
}

certutil
  .command('ca')
  .description('generate a certificate authority: ca.crt and ca.key')
  .requiredOption('--out <dir>', 'output directory')
  .option('--name <cn>', 'the CA common name', 'Strait Certificate Authority')
  .option('--days <n>', 'validity in days (default 1095)')
  .action(async (options: { out: string; name: string; days?: string }) => {
    const validity = days(options.days);
    const { generateCa, writePemPair } = await import('../security/certs/index.js');
    const ca = await generateCa({ commonName: options.name, ...(validity !== undefined ? { days: validity } : {}) });
    const { certFile, keyFile } = writePemPair(path.resolve(options.out), 'ca', ca);
    process.stdout.write(`${certFile}\n${keyFile}\n`);
  });

certutil
  .command('cert')
  .description('generate a node certificate signed by a CA: NAME.crt (with the CA chain) and NAME.key')
  .requiredOption('--ca-cert <file>', 'the CA certificate (PEM)')
  .requiredOption('--ca-key <file>', 'the CA private key (PEM)')
  .requiredOption('--name <name>', 'certificate name (common name and file name)')
  .option('--dns <name>', 'a DNS subject alternative name (repeatable)', collect, [])
  .option('--ip <address>', 'an IP subject alternative name (repeatable)', collect, [])
  .option('--days <n>', 'validity in days (default 1095)')
  .requiredOption('--out <dir>', 'output directory')
  .action(async (options: { caCert: string; caKey: string; name: string; dns: string[]; ip: string[]; days?: string; out: string }) => {
    if (!/^[A-Za-z0-9._-]+$/.test(options.name)) fail(`--name [${options.name}] may only hold letters, digits, '.', '_' and '-'`);
    let ca;
    try {
      ca = { certPem: readFileSync(options.caCert, 'utf8'), keyPem: readFileSync(options.caKey, 'utf8') };
    } catch (error) {
      fail(`cannot read the CA: ${(error as Error).message}`);
    }
    const validity = days(options.days);
    const { generateNodeCertificate, writePemPair } = await import('../security/certs/index.js');
    try {
      const pair = await generateNodeCertificate({ ca, name: options.name, dns: options.dns, ip: options.ip, ...(validity !== undefined ? { days: validity } : {}) });
      const { certFile, keyFile } = writePemPair(path.resolve(options.out), options.name, pair);
      process.stdout.write(`${certFile}\n${keyFile}\n`);
    } catch (error) {
      fail((error as Error).message);
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error));
});

// The config oracle: load a Backstage app's app-config files with Backstage's own loader
// (@backstage/config-loader, pinned in package.json), exactly as a backend started with
// `--config FILE...` does (ConfigSources.default: the files in merge order, then APP_CONFIG_* from
// the environment; $include/$file/$env resolved relative to the file that holds them; ${VAR} and
// ${VAR:-default} substituted), and print what the backend would see.
//
// Only the given environment is used, never this process's own: the tests pass made-up values.
//
//   node load.mjs --root DIR [--config FILE]... [--env-json '{"VAR": "value"}']
//       stdout: the merged config as JSON; exit 0.
//       A config the loader refuses: its error message on stderr, exit 3.
//   node load.mjs --batch   < [{"root": DIR, "files": [FILE...], "env": {...}}, ...]
//       stdout: one JSON array, per request {"ok": true, "config": {...}} or {"ok": false, "error": "..."}; exit 0.
//   Bad usage: a message on stderr, exit 2.

import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { ConfigSources } from '@backstage/config-loader';

export const EXIT_LOAD_ERROR = 3;
export const EXIT_USAGE = 2;

export async function loadOne({ root, files, env }) {
  const given = env ?? {};
  const argv = [];
  for (const file of files ?? []) {
    argv.push('--config', resolve(root, file));
  }
  const source = ConfigSources.default({
    argv,
    rootDir: root,
    env: given,
    watch: false,
    // the loader's default, `process.env[name]?.trim()`, reading the given environment instead
    substitutionFunc: async name => given[name]?.trim(),
  });
  const config = await ConfigSources.toConfig(source);
  try {
    return config.getOptional() ?? {};
  } finally {
    config.close();
  }
}

function message(error) {
  return String(error?.message ?? error);
}

function usage(text) {
  process.stderr.write(`load.mjs: ${text}\n`);
  process.exit(EXIT_USAGE);
}

async function main(args) {
  if (args[0] === '--batch') {
    const requests = JSON.parse(readFileSync(0, 'utf8'));
    if (!Array.isArray(requests)) usage('--batch reads a JSON array of {root, files, env} on stdin');
    const results = [];
    for (const request of requests) {
      try {
        results.push({ ok: true, config: await loadOne(request) });
      } catch (error) {
        results.push({ ok: false, error: message(error) });
      }
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  let root;
  const files = [];
  let env = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = args[i + 1];
    if (arg === '--root' && value !== undefined) root = value;
    else if (arg === '--config' && value !== undefined) files.push(value);
    else if (arg === '--env-json' && value !== undefined) env = JSON.parse(value);
    else usage(`unknown or incomplete argument ${arg}`);
    i += 1;
  }
  if (!root) usage('--root DIR is required');
  try {
    const config = await loadOne({ root, files, env });
    process.stdout.write(`${JSON.stringify(config)}\n`);
  } catch (error) {
    process.stderr.write(`${message(error)}\n`);
    process.exitCode = EXIT_LOAD_ERROR;
  }
}

await main(process.argv.slice(2));

#!/usr/bin/env node
// Compiles the indexops stand-in for Set's self-service manager contracts with solc-js 0.6.10
// (optimizer on, 200 runs, as Set V2 is built) and writes {contractName: {abi, bytecode}}.
//
// node compile.js --set-v2 DIR --openzeppelin DIR [--solc DIR] [--out FILE]
//   --set-v2        the @setprotocol/set-protocol-v2 package dir (holds contracts/)
//   --openzeppelin  the @openzeppelin/contracts 3.x package dir
//   --solc          the solc package dir; without it, require('solc') (put node_modules on NODE_PATH)
//   --out           output file; stdout without it
// Only contracts defined in this directory's sources with deployable bytecode are written.
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) {
      throw new Error('bad argument: ' + key);
    }
    args[key.slice(2)] = argv[++i];
  }
  for (const required of ['set-v2', 'openzeppelin']) {
    if (!args[required]) throw new Error('missing --' + required);
  }
  return args;
}

function listSources(dir, prefix) {
  let found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found = found.concat(listSources(full, prefix + entry.name + '/'));
    } else if (entry.name.endsWith('.sol')) {
      found.push([prefix + entry.name, full]);
    }
  }
  return found;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const solc = require(args.solc ? path.resolve(args.solc) : 'solc');

  const here = __dirname;
  const ROOT = 'standin/';
  const roots = [
    ['@setprotocol/set-protocol-v2/', path.resolve(args['set-v2'])],
    ['@openzeppelin/contracts/', path.resolve(args.openzeppelin)],
    [ROOT, here],
  ];

  const sources = {};
  for (const [name, full] of listSources(here, ROOT)) {
    sources[name] = { content: fs.readFileSync(full, 'utf8') };
  }

  function findImports(importPath) {
    for (const [prefix, dir] of roots) {
      if (importPath.startsWith(prefix)) {
        const file = path.join(dir, importPath.slice(prefix.length));
        if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
        return { error: 'not found: ' + file };
      }
    }
    return { error: 'no import root for ' + importPath };
  }

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    for (const e of errors) process.stderr.write(e.formattedMessage + '\n');
    process.exit(1);
  }

  const result = {};
  for (const [unit, contracts] of Object.entries(output.contracts || {})) {
    if (!unit.startsWith(ROOT)) continue;
    for (const [name, compiled] of Object.entries(contracts)) {
      const bytecode = compiled.evm.bytecode.object;
      if (!bytecode) continue; // interfaces, abstract contracts
      if (result[name]) throw new Error('duplicate contract name: ' + name);
      result[name] = { abi: compiled.abi, bytecode: '0x' + bytecode };
    }
  }

  const text = JSON.stringify(result);
  if (args.out) {
    fs.writeFileSync(args.out, text);
  } else {
    process.stdout.write(text);
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(String(err && err.message ? err.message : err) + '\n');
  process.exit(1);
}

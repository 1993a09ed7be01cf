// Render one of @backstage/create-app's templates into a directory, as `npx @backstage/create-app` would,
// for the opt-in browser tests (tests/e2e/build_apps.sh runs it; nothing of the result is committed).
//
//   node render_create_app.cjs <create-app package dir> <template name> <output dir> <app name> <additions.json>
//
// The templates are Handlebars files (*.hbs) using three things only: {{version 'pkg'}} (also written
// {{ version 'pkg'}}), {{name}} and {{defaultBranch}}. create-app resolves versions from its own map
// (dist/lib/versions.cjs.js); this does the same. A placeholder it does not know is an error, never
// left in the output. Other files are copied byte for byte (the template's .yarn/releases included).
//
// additions.json: {"<workspace dir>": {"<package>": "<range>"}}: dependencies added to that workspace's
// package.json after rendering, i.e. what the app's developer installed before running the wizard.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stderr.write(`render_create_app.cjs: ${message}\n`);
  process.exit(1);
}

const [pkgDir, templateName, outDir, appName, additionsFile] = process.argv.slice(2);
if (!additionsFile) fail('usage: render_create_app.cjs <create-app dir> <template> <out dir> <app name> <additions.json>');

const templateDir = path.join(pkgDir, 'templates', templateName);
if (!fs.existsSync(templateDir)) {
  const names = fs.readdirSync(path.join(pkgDir, 'templates')).join(', ');
  fail(`create-app has no template "${templateName}" (it has: ${names}).`);
}
const { packageVersions } = require(path.resolve(pkgDir, 'dist/lib/versions.cjs.js'));
const context = { name: appName, defaultBranch: 'master' };

function render(text, file) {
  const out = text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, expr) => {
    const version = /^version\s+'([^']+)'$/.exec(expr);
    if (version) {
      if (!(version[1] in packageVersions)) fail(`${file}: create-app has no version for ${version[1]}.`);
      return packageVersions[version[1]];
    }
    if (expr in context) return context[expr];
    fail(`${file}: unknown placeholder ${whole}.`);
  });
  return out;
}

function walk(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    if (entry.isDirectory()) {
      walk(from, path.join(dst, entry.name));
    } else if (entry.name.endsWith('.hbs')) {
      const rel = path.relative(templateDir, from);
      fs.writeFileSync(path.join(dst, entry.name.slice(0, -4)), render(fs.readFileSync(from, 'utf8'), rel));
    } else {
      fs.copyFileSync(from, path.join(dst, entry.name));
    }
  }
}

walk(templateDir, outDir);

const additions = JSON.parse(fs.readFileSync(additionsFile, 'utf8'));
for (const [workspace, deps] of Object.entries(additions)) {
  const file = path.join(outDir, workspace, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  manifest.dependencies = { ...manifest.dependencies, ...deps };
  const sorted = {};
  for (const key of Object.keys(manifest.dependencies).sort()) sorted[key] = manifest.dependencies[key];
  manifest.dependencies = sorted;
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
}
console.log(`rendered create-app's ${templateName} template into ${outDir}`);

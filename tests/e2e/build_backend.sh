#!/usr/bin/env bash
# Build a REAL Backstage 1.55 backend for the opt-in end-to-end tests (tests/e2e), from the registry.
#
#   tests/e2e/build_backend.sh            # builds into ${SPECTRO_E2E_CACHE:-$HOME/.cache/spectro-wizard-e2e}/app
#
# Starts from the project's own files: the bundled demo app (templates/demo-app) plus the test data in
# tests/e2e/app/ (files create-app generates that the trimmed demo app lacks, e.g. tsconfig.json). Then:
#   1. Yarn 4.13.0 from `npm pack @yarnpkg/cli-dist@4.13.0` into .yarn/releases (the app's yarnPath);
#   2. `yarn workspaces focus backend` (the backend workspace's dependencies only, hoisted node_modules);
#   3. better-sqlite3 compiled here with node-gyp against the local Node headers (--nodedir=/usr),
#      because its prebuilt binary cannot be downloaded;
#   4. the real SpectroCloud auth backend module, unpacked from `npm pack
#      @terasky/backstage-plugin-spectrocloud-auth-backend@0.8.0` into node_modules;
#   5. a minimal packages/backend/src/index.ts (auth + guest provider, catalog, permission + allow-all,
#      kubernetes) WITHOUT the SpectroCloud auth module line: adding it is the wizard's job.
# Idempotent: a second run skips the finished steps (each leaves a stamp in the cache). Prints where it
# built; on failure exits non-zero with one sentence naming the step and its log.
# Needs: node, npm (registry access), gcc, make, python3. Nothing but the npm registry is contacted.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cache=${SPECTRO_E2E_CACHE:-$HOME/.cache/spectro-wizard-e2e}
app=$cache/app
logs=$cache/logs
yarn_version=4.13.0
auth_pkg=@terasky/backstage-plugin-spectrocloud-auth-backend
auth_version=0.8.0

fail() { echo "build_backend.sh: $*" >&2; exit 1; }

for tool in node npm gcc make python3 flock; do
  command -v "$tool" >/dev/null 2>&1 || fail "\`$tool\` is not on PATH, and the build needs it."
done
[ -d "$project/templates/demo-app" ] || fail "$project/templates/demo-app is missing, so there is no app to build."

mkdir -p "$cache" "$logs" 2>/dev/null || fail "cannot create the cache directory $cache."
# One build at a time: two test sessions starting together wait for each other instead of racing.
exec 9>"$cache/.lock"
flock 9 || fail "cannot lock $cache/.lock."

# Yarn's package cache goes into the cache directory too (not ~/.yarn/berry), so removing the cache
# directory removes everything the build downloaded.
export YARN_GLOBAL_FOLDER=$cache/yarn-global YARN_ENABLE_TELEMETRY=0
yarn_in() { (cd "$app" && node ".yarn/releases/yarn-$yarn_version.cjs" "$@"); }
installed_version() { node -p "require('$app/node_modules/$1/package.json').version" 2>/dev/null || true; }
# A fingerprint of the manifests the install reads: when one changes, the install is redone.
manifest_sum() { cat "$app/package.json" "$app/packages/"*/package.json "$app/.yarnrc.yml" | sha256sum | cut -d' ' -f1; }

# 1. The app's files: the demo app, then the test data over it. Cheap, so always refreshed (never
# node_modules, .yarn or the logs), which also undoes anything a previous run changed in them.
mkdir -p "$app" 2>/dev/null || fail "cannot create $app."
cp -r "$project/templates/demo-app/." "$app/" 2>"$logs/copy.log" || fail "copying templates/demo-app into $app failed: see $logs/copy.log."
if [ -d "$here/app" ]; then
  cp -r "$here/app/." "$app/" 2>"$logs/copy.log" || fail "copying the test data tests/e2e/app into $app failed: see $logs/copy.log."
fi
echo "app files: $app (from templates/demo-app + tests/e2e/app)"

# 2. Yarn itself (the app's .yarnrc.yml names .yarn/releases/yarn-4.13.0.cjs).
if [ ! -f "$app/.yarn/releases/yarn-$yarn_version.cjs" ]; then
  echo "step yarn: npm pack @yarnpkg/cli-dist@$yarn_version"
  tmp=$(mktemp -d) || fail "mktemp failed."
  (cd "$tmp" && npm pack --silent "@yarnpkg/cli-dist@$yarn_version" && tar xzf "yarnpkg-cli-dist-$yarn_version.tgz") >"$logs/yarn.log" 2>&1 ||
    { rm -rf "$tmp"; fail "step yarn failed (npm pack @yarnpkg/cli-dist@$yarn_version): see $logs/yarn.log."; }
  mkdir -p "$app/.yarn/releases" && cp "$tmp/package/bin/yarn.js" "$app/.yarn/releases/yarn-$yarn_version.cjs" ||
    { rm -rf "$tmp"; fail "step yarn failed: cannot copy yarn.js into $app/.yarn/releases."; }
  rm -rf "$tmp"
else
  echo "step yarn: done before, skipped"
fi

# 3. The backend workspace's dependencies. The demo app declares the SpectroCloud auth backend module
# with a range the registry cannot satisfy (^1.0.0; 0.8.0 is published), and it is unpacked in step 5
# anyway, so the install reads a backend manifest without it; the original manifest is put back after.
backend_manifest=$app/packages/backend/package.json
sum=$(manifest_sum)
if [ "$(cat "$cache/.install-done" 2>/dev/null)" != "$sum" ] || [ ! -d "$app/node_modules/@backstage/plugin-kubernetes-backend" ]; then
  echo "step install: yarn workspaces focus backend (a few minutes the first time; log: $logs/install.log)"
  rm -f "$cache/.install-done" "$cache/.sqlite-done"
  cp "$backend_manifest" "$cache/backend-package.json.orig" || fail "cannot save $backend_manifest."
  node -e '
    const fs = require("fs"); const file = process.argv[1]; const m = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const k of ["dependencies", "devDependencies"]) if (m[k]) delete m[k][process.argv[2]];
    fs.writeFileSync(file, JSON.stringify(m, null, 2) + "\n");' "$backend_manifest" "$auth_pkg" ||
    fail "step install failed: cannot write the install manifest $backend_manifest."
  # Some optional native modules (keytar, ...) fail to build here: expected and harmless for the backend,
  # so the result is judged by what got installed, not by Yarn's exit code.
  yarn_in workspaces focus backend >"$logs/install.log" 2>&1
  rc=$?
  cp "$cache/backend-package.json.orig" "$backend_manifest" || fail "cannot restore $backend_manifest."
  [ -d "$app/node_modules/@backstage/plugin-kubernetes-backend" ] && [ -d "$app/node_modules/@backstage/cli" ] ||
    fail "step install failed (yarn workspaces focus backend exited $rc): see $logs/install.log."
  # Yarn's attempt at better-sqlite3 (a download) failed; step 4 builds it.
  rm -f "$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  echo "$sum" >"$cache/.install-done"
else
  echo "step install: done before, skipped"
fi

# 4. better-sqlite3, compiled against the local Node headers (no binary downloads work here).
sqlite_node=$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node
if [ ! -f "$cache/.sqlite-done" ] || [ ! -f "$sqlite_node" ]; then
  [ -d /usr/include/node ] || fail "step better-sqlite3 failed: /usr/include/node (Node's headers, for --nodedir=/usr) is missing."
  gyp=$app/node_modules/.bin/node-gyp
  [ -x "$gyp" ] || fail "step better-sqlite3 failed: $gyp is missing (node-gyp is a dependency of the app)."
  echo "step better-sqlite3: node-gyp rebuild --release --nodedir=/usr (about a minute; log: $logs/sqlite-build.log)"
  (cd "$app/node_modules/better-sqlite3" && "$gyp" rebuild --release --nodedir=/usr) >"$logs/sqlite-build.log" 2>&1 ||
    fail "step better-sqlite3 failed (node-gyp rebuild): see $logs/sqlite-build.log."
  (cd "$app/packages/backend" && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") >>"$logs/sqlite-build.log" 2>&1 ||
    fail "step better-sqlite3 failed: the compiled module does not load, see $logs/sqlite-build.log."
  touch "$cache/.sqlite-done"
else
  echo "step better-sqlite3: done before, skipped"
fi

# 5. The real SpectroCloud auth backend module. Yarn cannot add it to a focused install, so it is
# unpacked from the registry's tarball into the hoisted node_modules, where its dependencies
# (@backstage/backend-plugin-api, plugin-auth-node, catalog-model) already are.
if [ "$(installed_version "$auth_pkg")" != "$auth_version" ]; then
  echo "step auth-module: npm pack $auth_pkg@$auth_version"
  tmp=$(mktemp -d) || fail "mktemp failed."
  (cd "$tmp" && npm pack --silent "$auth_pkg@$auth_version" && tar xzf ./*.tgz) >"$logs/auth-module.log" 2>&1 ||
    { rm -rf "$tmp"; fail "step auth-module failed (npm pack $auth_pkg@$auth_version): see $logs/auth-module.log."; }
  rm -rf "$app/node_modules/$auth_pkg"
  mkdir -p "$(dirname "$app/node_modules/$auth_pkg")" && mv "$tmp/package" "$app/node_modules/$auth_pkg" ||
    { rm -rf "$tmp"; fail "step auth-module failed: cannot move the package into $app/node_modules."; }
  rm -rf "$tmp"
else
  echo "step auth-module: $auth_pkg@$auth_version there before, skipped"
fi
(cd "$app/packages/backend" && node -e "require('$auth_pkg')") >>"$logs/auth-module.log" 2>&1 ||
  fail "step auth-module failed: $auth_pkg@$auth_version is unpacked but does not load, see $logs/auth-module.log."

# 6. A minimal backend (the demo app's full plugin set has version skew without a complete yarn.lock),
# deliberately without the SpectroCloud auth module: `spectro-wizard apply` must add that line.
cat >"$app/packages/backend/src/index.ts" <<'TS' || fail "cannot write $app/packages/backend/src/index.ts."
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

backend.start();
TS

echo "ready: $app (cache $cache, $(du -sh "$cache" 2>/dev/null | cut -f1))"

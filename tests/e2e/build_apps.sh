#!/usr/bin/env bash
# Build two REAL Backstage 1.55 apps (frontend + backend) for the opt-in browser tests
# (tests/e2e/test_browser.py), from the npm registry, into ${SPECTRO_E2E_CACHE:-$HOME/.cache/spectro-wizard-e2e}:
#
#   tests/e2e/build_apps.sh              # both apps and the browser driver
#   tests/e2e/build_apps.sh legacy       # only the legacy app (or: new)
#
#   apps/legacy  create-app 0.9.2's `legacy-app` template (createApp from @backstage/app-defaults, apis.ts)
#   apps/new     create-app 0.9.2's `default-app` template (the new frontend system, app.packages: all)
#   browser/     playwright-core from tests/e2e/browser/package-lock.json (drives Debian's /usr/bin/chromium)
#
# For each app:
#   1. the template rendered by tests/e2e/render_create_app.cjs from `npm pack @backstage/create-app@0.9.2`,
#      plus what the app's developer installs before running the wizard (installPackage: false): the
#      SpectroCloud auth backend module 0.8.0 in packages/backend, @backstage/plugin-kubernetes-react
#      (and, for the new app, @backstage/core-app-api) in packages/app;
#   2. a full `yarn install` (every workspace: the frontend is built by the tests after the wizard's edit)
#      of the registry as it was on 2026-11-17 (registry_cutoff): create-app's caret ranges resolved today mix in the
#      next release's packages, which do not work with the rest (plugin-signals-backend 0.3.21 calls
#      httpRouter.addWebSocketHandler, which only backend-defaults 0.19 has; the app's ^0.18.0 keeps
#      0.18.0, so the backend does not start). The install reads a .yarnrc.yml whose
#      npmMinimalAgeGate reaches back to that day, with no package exempt from it (the template exempts
#      @backstage/*); the template's .yarnrc.yml is put back afterwards;
#   3. better-sqlite3 compiled here with node-gyp against the local Node headers (--nodedir=/usr), since
#      its prebuilt binary cannot be downloaded (the second app reuses the first one's when the versions
#      match).
# Idempotent: every finished step leaves a stamp (the render's is a hash of the inputs, the install's a
# hash of the manifests), so a second run takes about a second. On failure: exit 1 with one sentence
# naming the step and its log (<cache>/logs/apps-*.log). Shares the lock and Yarn's package cache
# (yarn-global/) with build_backend.sh. Needs: node, npm (registry access), gcc, make, python3, flock.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SPECTRO_E2E_CACHE:-$HOME/.cache/spectro-wizard-e2e}
logs=$cache/logs
create_app_version=0.9.2
yarn_version=4.13.0
auth_pkg=@terasky/backstage-plugin-spectrocloud-auth-backend
auth_range=^0.8.0
# The registry as a user of create-app 0.9.2 (Backstage 1.55) saw it before Backstage 1.56 was published
# (its packages from 2026-11-17T21:00Z on): Yarn's age gate hides every version published after this.
registry_cutoff=2026-11-17T00:00:00Z
k8s_react=@backstage/plugin-kubernetes-react

fail() { echo "build_apps.sh: $*" >&2; exit 1; }

for tool in node npm gcc make python3 flock sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "\`$tool\` is not on PATH, and the build needs it."
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(legacy new)
for t in "${targets[@]}"; do
  case $t in legacy | new) ;; *) fail "unknown app \"$t\" (legacy or new)." ;; esac
done

mkdir -p "$cache/apps" "$logs" 2>/dev/null || fail "cannot create the cache directory $cache."
# One build at a time (the same lock as build_backend.sh: both use Yarn's package cache below).
exec 9>"$cache/.lock"
flock 9 || fail "cannot lock $cache/.lock."
export YARN_GLOBAL_FOLDER=$cache/yarn-global YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_IMMUTABLE_INSTALLS=false
unset NODE_OPTIONS

# 0. create-app itself (its templates and its version map), once.
create_app=$cache/create-app-$create_app_version/package
if [ ! -f "$create_app/dist/lib/versions.cjs.js" ]; then
  echo "step create-app: npm pack @backstage/create-app@$create_app_version"
  tmp=$(mktemp -d) || fail "mktemp failed."
  (cd "$tmp" && npm pack --silent "@backstage/create-app@$create_app_version" && tar xzf ./*.tgz) >"$logs/apps-create-app.log" 2>&1 ||
    { rm -rf "$tmp"; fail "step create-app failed (npm pack @backstage/create-app@$create_app_version): see $logs/apps-create-app.log."; }
  rm -rf "$create_app" && mkdir -p "$(dirname "$create_app")" && mv "$tmp/package" "$create_app" ||
    { rm -rf "$tmp"; fail "step create-app failed: cannot move the package into $create_app."; }
  rm -rf "$tmp"
else
  echo "step create-app: done before, skipped"
fi

# What the app's developer added before running the wizard, per app: {workspace: {package: range}}.
additions() {
  case $1 in
    legacy) echo "{\"packages/backend\": {\"$auth_pkg\": \"$auth_range\"}, \"packages/app\": {\"$k8s_react\": \"K8S_REACT_RANGE\"}}" ;;
    new) echo "{\"packages/backend\": {\"$auth_pkg\": \"$auth_range\"}, \"packages/app\": {\"$k8s_react\": \"K8S_REACT_RANGE\", \"@backstage/core-app-api\": \"^$(core_app_api)\"}}" ;;
  esac
}
template_of() { case $1 in legacy) echo legacy-app ;; new) echo default-app ;; esac; }
core_app_api() { node -p "require('$create_app/dist/lib/versions.cjs.js').packageVersions['@backstage/core-app-api']"; }
# plugin-kubernetes-react: the range the release's @backstage/plugin-kubernetes asks for, so the app and the plugin
# share one copy (checked after the install). Read from the registry once, then from the stamp.
k8s_react_range() {
  local file=$cache/apps/.k8s-react-range
  if [ ! -s "$file" ]; then
    local k8s_range
    k8s_range=$(node -p "require('$create_app/dist/lib/versions.cjs.js').packageVersions['@backstage/plugin-kubernetes']") || return 1
    npm view "@backstage/plugin-kubernetes@$k8s_range" dependencies --json 2>>"$logs/apps-render.log" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
        const r=JSON.parse(s)["@backstage/plugin-kubernetes-react"];if(!r)process.exit(1);console.log(r)})' >"$file.tmp" &&
      mv "$file.tmp" "$file" || return 1
  fi
  cat "$file"
}

yarn_in() { (cd "$1" && shift && node ".yarn/releases/yarn-$yarn_version.cjs" "$@"); }
installed_version() { node -p "require('$1/node_modules/$2/package.json').version" 2>/dev/null || true; }
manifest_sum() { cat "$1/package.json" "$1/packages/"*/package.json "$1/.yarnrc.yml" | sha256sum | cut -d' ' -f1; }

build_app() {
  local which=$1 app=$cache/apps/$1 stamp=$cache/apps/.$1
  local range add sum
  range=$(k8s_react_range) || fail "step render ($which) failed: cannot read which $k8s_react version @backstage/plugin-kubernetes uses (npm view): see $logs/apps-render.log."
  add=$(additions "$which") && add=${add//K8S_REACT_RANGE/$range}

  # 1. render, when the inputs changed (the template version, the renderer, the additions): the app
  # directory is then rendered afresh, node_modules and all.
  sum=$(printf '%s\n' "$create_app_version" "$(template_of "$which")" "$add" "$(sha256sum "$here/render_create_app.cjs")" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp-render" 2>/dev/null)" != "$sum" ] || [ ! -f "$app/backstage.json" ]; then
    echo "step render ($which): create-app $create_app_version's $(template_of "$which") template into $app"
    rm -rf "$app" "$stamp-install" "$stamp-sqlite"
    printf '%s\n' "$add" >"$cache/apps/$which-additions.json"
    node "$here/render_create_app.cjs" "$create_app" "$(template_of "$which")" "$app" "e2e-$which" "$cache/apps/$which-additions.json" \
      >"$logs/apps-render-$which.log" 2>&1 || fail "step render ($which) failed: see $logs/apps-render-$which.log."
    echo "$sum" >"$stamp-render"
  else
    echo "step render ($which): done before, skipped"
  fi
  [ -f "$app/.yarn/releases/yarn-$yarn_version.cjs" ] || fail "step render ($which) failed: the template has no .yarn/releases/yarn-$yarn_version.cjs."

  # 2. the full install. Some optional native modules fail to build here (better-sqlite3's download among
  # them; step 3 compiles it): the result is judged by what got installed, not by Yarn's exit code.
  sum=$(printf '%s\n' "$(manifest_sum "$app")" "$registry_cutoff" | sha256sum | cut -d' ' -f1)
  local wanted=("@backstage/cli" "@backstage/plugin-kubernetes-backend" "@backstage/plugin-app-backend" "$auth_pkg" "$k8s_react"
                "@backstage/plugin-kubernetes" "$([ "$which" = legacy ] && echo @backstage/app-defaults || echo @backstage/frontend-defaults)")
  if [ "$(cat "$stamp-install" 2>/dev/null)" != "$sum" ] || [ ! -d "$app/node_modules/$auth_pkg" ]; then
    echo "step install ($which): yarn install (1-3 minutes the first time; log: $logs/apps-install-$which.log)"
    rm -f "$stamp-install" "$stamp-sqlite"
    local gate=$(( ($(date -u +%s) - $(date -u -d "$registry_cutoff" +%s)) / 60 + 1 ))
    cp "$app/.yarnrc.yml" "$cache/apps/$which-yarnrc.yml.orig" || fail "cannot save $app/.yarnrc.yml."
    { grep -v -e '^npmMinimalAgeGate:' -e '^npmPreapprovedPackages:' -e "^  - '@backstage/\*'" "$cache/apps/$which-yarnrc.yml.orig"
      echo "npmMinimalAgeGate: ${gate}m"; echo "npmPreapprovedPackages: []"; } >"$app/.yarnrc.yml" ||
      fail "step install ($which) failed: cannot write the install's $app/.yarnrc.yml."
    echo "install: the registry as of $registry_cutoff (npmMinimalAgeGate: ${gate}m)" >"$logs/apps-install-$which.log"
    yarn_in "$app" install >>"$logs/apps-install-$which.log" 2>&1
    local rc=$? pkg
    cp "$cache/apps/$which-yarnrc.yml.orig" "$app/.yarnrc.yml" || fail "cannot restore $app/.yarnrc.yml."
    for pkg in "${wanted[@]}"; do
      [ -d "$app/node_modules/$pkg" ] || fail "step install ($which) failed (yarn install exited $rc; $pkg is missing): see $logs/apps-install-$which.log."
    done
    # The app's own plugin-kubernetes-react must be the plugin's: two copies would be two API registries' worth of refs.
    [ ! -d "$app/node_modules/@backstage/plugin-kubernetes/node_modules/$k8s_react" ] ||
      fail "step install ($which) failed: @backstage/plugin-kubernetes got its own $k8s_react, not the app's (range $range)."
    rm -f "$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
    echo "$sum" >"$stamp-install"
  else
    echo "step install ($which): done before, skipped"
  fi

  # 3. better-sqlite3 against the local Node headers; a build of the same version for the same Node is reused.
  local sqlite_dir=$app/node_modules/better-sqlite3 key
  local sqlite_node=$sqlite_dir/build/Release/better_sqlite3.node
  key="$(installed_version "$app" better-sqlite3) $(node -p process.versions.modules)"
  if [ "$(cat "$stamp-sqlite" 2>/dev/null)" != "$key" ] || [ ! -f "$sqlite_node" ]; then
    local other donor=
    for other in legacy new; do
      if [ "$other" != "$which" ] && [ "$(cat "$cache/apps/.$other-sqlite" 2>/dev/null)" = "$key" ] &&
         [ -f "$cache/apps/$other/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then
        donor=$cache/apps/$other/node_modules/better-sqlite3/build/Release/better_sqlite3.node
      fi
    done
    if [ -n "$donor" ]; then
      echo "step better-sqlite3 ($which): the $key build of the other app, copied"
      mkdir -p "$(dirname "$sqlite_node")" && cp "$donor" "$sqlite_node" || fail "step better-sqlite3 ($which) failed: cannot copy $donor."
    else
      [ -d /usr/include/node ] || fail "step better-sqlite3 ($which) failed: /usr/include/node (Node's headers, for --nodedir=/usr) is missing."
      local gyp=$app/node_modules/.bin/node-gyp
      [ -x "$gyp" ] || fail "step better-sqlite3 ($which) failed: $gyp is missing (node-gyp is a dependency of the app)."
      echo "step better-sqlite3 ($which): node-gyp rebuild --release --nodedir=/usr (about a minute; log: $logs/apps-sqlite-$which.log)"
      (cd "$sqlite_dir" && "$gyp" rebuild --release --nodedir=/usr) >"$logs/apps-sqlite-$which.log" 2>&1 ||
        fail "step better-sqlite3 ($which) failed (node-gyp rebuild): see $logs/apps-sqlite-$which.log."
    fi
    (cd "$app/packages/backend" && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") >>"$logs/apps-sqlite-$which.log" 2>&1 ||
      fail "step better-sqlite3 ($which) failed: the compiled module does not load, see $logs/apps-sqlite-$which.log."
    echo "$key" >"$stamp-sqlite"
  else
    echo "step better-sqlite3 ($which): done before, skipped"
  fi
  (cd "$app/packages/backend" && node -e "require('$auth_pkg')") >"$logs/apps-check-$which.log" 2>&1 ||
    fail "step check ($which) failed: $auth_pkg is installed but does not load, see $logs/apps-check-$which.log."
  echo "ready ($which): $app ($auth_pkg $(installed_version "$app" "$auth_pkg"), $k8s_react $(installed_version "$app" "$k8s_react"), @backstage/plugin-kubernetes $(installed_version "$app" @backstage/plugin-kubernetes))"
}

for t in "${targets[@]}"; do
  build_app "$t"
done

# 4. The browser driver's one dependency, playwright-core (no browser download: it drives /usr/bin/chromium).
browser=$cache/browser
lock_sum=$(sha256sum "$here/browser/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$cache/.browser-done" 2>/dev/null)" != "$lock_sum" ] || [ ! -d "$browser/node_modules/playwright-core" ]; then
  echo "step browser: npm ci (playwright-core)"
  mkdir -p "$browser" && cp "$here/browser/package.json" "$here/browser/package-lock.json" "$browser/" ||
    fail "step browser failed: cannot copy tests/e2e/browser/package*.json into $browser."
  (cd "$browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >"$logs/apps-browser.log" 2>&1 ||
    fail "step browser failed (npm ci of playwright-core): see $logs/apps-browser.log."
  echo "$lock_sum" >"$cache/.browser-done"
else
  echo "step browser: done before, skipped"
fi

echo "ready: $cache/apps (cache $cache, $(du -sh "$cache" 2>/dev/null | cut -f1))"

"""app_tsx: the frontend system of an App.tsx, features added to createApp(), the spectrocloud module file.

Every edit test asserts the exact output (or the exact refusal), that removing the insertions gives the
input back, and that a second run changes nothing. Fixtures are written here after the shapes of
create-app's next-app template and of public new-frontend-system apps, not copied from them.
"""

from __future__ import annotations

import pytest

from wizard.core import app_tsx
from wizard.core.app_tsx import (
    KUBERNETES_PLUGIN,
    SPECTROCLOUD_MODULE,
    Feature,
    FrontendSystem,
    add_features,
    features,
    frontend_system,
    has_feature,
    is_module_file,
    module_file,
)
from wizard.core.resources import templates_dir
from wizard.core.tsedit import TsEdit, unsplice
from wizard.core.tsparse import parse

MOD_IMPORT = "import { spectroCloudKubernetesModule } from './modules/spectrocloud';\n"
K8S_IMPORT = "import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';\n"

NEXT_APP = """\
import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';

export default createApp({
  features: [catalogPlugin, navModule],
});
"""


def added(src: str, feats: list[Feature] | None = None, rel: str = "packages/app/src/App.tsx") -> TsEdit:
    feats = feats or [SPECTROCLOUD_MODULE]
    edit = add_features(src, feats, rel)
    assert edit.manual is None, edit.manual
    assert edit.changed and edit.insertions
    assert unsplice(edit.after, edit.insertions) == src
    assert not parse(edit.after, True).errors()
    assert all(has_feature(edit.after, f, rel) for f in feats)
    again = add_features(edit.after, feats, rel)
    assert again.after == edit.after and again.added == [] and again.manual is None
    assert again.present == [f.name for f in feats]
    return edit


def refused(src: str, feats: list[Feature] | None = None) -> str:
    edit = add_features(src, feats or [SPECTROCLOUD_MODULE])
    assert edit.manual is not None and edit.after == src and edit.insertions == []
    assert "\n" not in edit.manual and edit.manual.startswith("packages/app/src/App.tsx ")
    return edit.manual


BY_HAND = (
    "add `spectroCloudKubernetesModule` to the features of createApp() and "
    "`import { spectroCloudKubernetesModule } from './modules/spectrocloud';` to the imports by hand"
)


# ---------------------------------------------------------------------------------------------
# which frontend system


@pytest.mark.parametrize(
    "src, expected",
    [
        (NEXT_APP, FrontendSystem("new", "@backstage/frontend-defaults", "createApp", 1)),
        ("import { createApp } from '@backstage/app-defaults';\n",
         FrontendSystem("legacy", "@backstage/app-defaults", "createApp", 1)),
        ("import React from 'react';\nimport { createApp } from '@backstage/core-app-api';\n",
         FrontendSystem("legacy", "@backstage/core-app-api", "createApp", 2)),
        ("import { createApp, SidebarPage } from '@backstage/core';\n",
         FrontendSystem("pre-1.0", "@backstage/core", "createApp", 1)),
        ("import { createApp } from '@backstage/frontend-app-api';\n",
         FrontendSystem("new", "@backstage/frontend-app-api", "createApp", 1)),
        ("import { createApp as makeApp } from '@backstage/frontend-defaults';\n",
         FrontendSystem("new", "@backstage/frontend-defaults", "makeApp", 1)),
        ("import {\n  // the app\n  createApp,\n} from \"@backstage/app-defaults\";\n",
         FrontendSystem("legacy", "@backstage/app-defaults", "createApp", 1)),
        ("import * as defaults from '@backstage/frontend-defaults';\nexport default defaults.createApp({});\n",
         FrontendSystem("new", "@backstage/frontend-defaults", "defaults.createApp", 1)),
        ("// import { createApp } from '@backstage/app-defaults';\nimport { createApp } from '@backstage/frontend-defaults';\n",
         FrontendSystem("new", "@backstage/frontend-defaults", "createApp", 2)),
        ("/* import { createApp } from '@backstage/frontend-defaults'; */\nexport {};\n",
         FrontendSystem("unknown", None, None, None)),
        ("import { createApp } from './my-app-factory';\n", FrontendSystem("unknown", "./my-app-factory", "createApp", 1)),
        ("const s = \"import { createApp } from '@backstage/frontend-defaults'\";\n",
         FrontendSystem("unknown", None, None, None)),
    ],
)
def test_frontend_system(src, expected):
    assert frontend_system(src) == expected


def test_frontend_system_of_a_legacy_app_with_jsx():
    src = (
        "import React from 'react';\n"
        "import { createApp } from '@backstage/app-defaults';\n"
        "import { AppRouter, FlatRoutes } from '@backstage/core-app-api';\n"
        "import { apis } from './apis';\n"
        "\n"
        "const app = createApp({ apis });\n"
        "\n"
        "export default app.createRoot(\n"
        "  <>\n"
        "    <AppRouter>\n"
        "      <FlatRoutes>{/* createApp from '@backstage/frontend-defaults' */}</FlatRoutes>\n"
        "    </AppRouter>\n"
        "  </>,\n"
        ");\n"
    )
    assert frontend_system(src).system == "legacy"
    assert features(src) is None


# ---------------------------------------------------------------------------------------------
# adding features


def test_next_app_template():
    edit = added(NEXT_APP)
    assert edit.after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        "import { navModule } from './modules/nav';\n"
        + MOD_IMPORT
        + "\n"
        "export default createApp({\n"
        "  features: [catalogPlugin, navModule, spectroCloudKubernetesModule],\n"
        "});\n"
    )
    assert edit.added == ["spectroCloudKubernetesModule"]


def test_module_and_kubernetes_plugin_when_discovery_is_off():
    edit = added(NEXT_APP, [SPECTROCLOUD_MODULE, KUBERNETES_PLUGIN])
    assert edit.after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        "import { navModule } from './modules/nav';\n"
        + MOD_IMPORT
        + K8S_IMPORT
        + "\n"
        "export default createApp({\n"
        "  features: [catalogPlugin, navModule, spectroCloudKubernetesModule, kubernetesPlugin],\n"
        "});\n"
    )


def test_multi_line_features_with_trailing_comma_and_comments():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        "\n"
        "const app = createApp({\n"
        "  features: [\n"
        "    catalogPlugin,\n"
        "    // more plugins are discovered from package.json\n"
        "  ],\n"
        "});\n"
        "\n"
        "export default app.createRoot();\n"
    )
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        + MOD_IMPORT
        + "\n"
        "const app = createApp({\n"
        "  features: [\n"
        "    catalogPlugin,\n"
        "    // more plugins are discovered from package.json\n"
        "    spectroCloudKubernetesModule,\n"
        "  ],\n"
        "});\n"
        "\n"
        "export default app.createRoot();\n"
    )


def test_double_quotes_no_semicolons_four_spaces_no_trailing_comma():
    src = (
        'import { createApp } from "@backstage/frontend-defaults"\n'
        'import catalogPlugin from "@backstage/plugin-catalog/alpha"\n'
        "\n"
        "export default createApp({\n"
        "    features: [\n"
        "        catalogPlugin\n"
        "    ]\n"
        "})\n"
    )
    assert added(src, [SPECTROCLOUD_MODULE, KUBERNETES_PLUGIN]).after == (
        'import { createApp } from "@backstage/frontend-defaults"\n'
        'import catalogPlugin from "@backstage/plugin-catalog/alpha"\n'
        'import { spectroCloudKubernetesModule } from "./modules/spectrocloud"\n'
        'import kubernetesPlugin from "@backstage/plugin-kubernetes/alpha"\n'
        "\n"
        "export default createApp({\n"
        "    features: [\n"
        "        catalogPlugin,\n"
        "        spectroCloudKubernetesModule,\n"
        "        kubernetesPlugin\n"
        "    ]\n"
        "})\n"
    )


def test_crlf_and_tabs():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\r\n"
        "\r\n"
        "export default createApp({\r\n"
        "\tfeatures: [\r\n"
        "\t\tcatalogPlugin,\r\n"
        "\t],\r\n"
        "});\r\n"
    )
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults';\r\n"
        "import { spectroCloudKubernetesModule } from './modules/spectrocloud';\r\n"
        "\r\n"
        "export default createApp({\r\n"
        "\tfeatures: [\r\n"
        "\t\tcatalogPlugin,\r\n"
        "\t\tspectroCloudKubernetesModule,\r\n"
        "\t],\r\n"
        "});\r\n"
    )


def test_alias_of_create_app_and_non_ascii_comments():
    src = (
        "// Die App — ☃ 🎉 日本語\n"
        "import { createApp as makeApp } from '@backstage/frontend-defaults'; // «neu»\n"
        "\n"
        "/* Überblick */ export default makeApp({ features: [] });\n"
    )
    assert added(src).after == (
        "// Die App — ☃ 🎉 日本語\n"
        "import { createApp as makeApp } from '@backstage/frontend-defaults'; // «neu»\n"
        + MOD_IMPORT
        + "\n"
        "/* Überblick */ export default makeApp({ features: [spectroCloudKubernetesModule] });\n"
    )


def test_create_app_without_options_gets_them():
    src = "import { createApp } from '@backstage/frontend-defaults';\n\nexport default createApp();\n"
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        + MOD_IMPORT
        + "\n"
        "export default createApp({\n"
        "  features: [spectroCloudKubernetesModule],\n"
        "});\n"
    )


def test_create_app_without_options_inside_a_function_keeps_its_indent():
    src = (
        "import { createApp } from '@backstage/frontend-defaults'\n"
        "\n"
        "export function makeApp() {\n"
        "    return createApp()\n"
        "}\n"
    )
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults'\n"
        "import { spectroCloudKubernetesModule } from './modules/spectrocloud'\n"
        "\n"
        "export function makeApp() {\n"
        "    return createApp({\n"
        "        features: [spectroCloudKubernetesModule],\n"
        "    })\n"
        "}\n"
    )


def test_options_without_features_get_the_key():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import { bindings } from './bindings';\n"
        "\n"
        "const app = createApp({\n"
        "  bindRoutes: bindings,\n"
        "});\n"
    )
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import { bindings } from './bindings';\n"
        + MOD_IMPORT
        + "\n"
        "const app = createApp({\n"
        "  bindRoutes: bindings,\n"
        "  features: [spectroCloudKubernetesModule],\n"
        "});\n"
    )


@pytest.mark.parametrize(
    "call, expected",
    [
        ("createApp({})", "createApp({ features: [spectroCloudKubernetesModule] })"),
        ("createApp({ bindRoutes })", "createApp({ bindRoutes, features: [spectroCloudKubernetesModule] })"),
    ],
)
def test_one_line_options(call, expected):
    src = f"import {{ createApp }} from '@backstage/frontend-defaults';\n\nexport default {call};\n"
    assert added(src).after == (
        f"import {{ createApp }} from '@backstage/frontend-defaults';\n{MOD_IMPORT}\nexport default {expected};\n"
    )


def test_features_from_a_local_const_array_are_appended_there():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        "\n"
        "const appFeatures = [\n"
        "  catalogPlugin,\n"
        "];\n"
        "\n"
        "export default createApp({ features: appFeatures });\n"
    )
    assert added(src).after == src.replace(
        "alpha';\n", "alpha';\n" + MOD_IMPORT).replace("  catalogPlugin,\n", "  catalogPlugin,\n  spectroCloudKubernetesModule,\n")
    assert features(src) == ["catalogPlugin"]


def test_shorthand_features_from_a_local_const():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "const features = [catalogPlugin];\n"
        "export default createApp({ features });\n"
    )
    assert added(src).after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        + MOD_IMPORT
        + "const features = [catalogPlugin, spectroCloudKubernetesModule];\n"
        "export default createApp({ features });\n"
    )


def test_feature_imported_under_another_name_and_listed_is_present():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import k8s from '@backstage/plugin-kubernetes/alpha';\n"
        "import { spectroCloudKubernetesModule as sc } from './modules/spectrocloud/index';\n"
        "\n"
        "export default createApp({\n"
        "  features: [k8s.withOverrides({ extensions: [] }), sc],\n"
        "});\n"
    )
    edit = add_features(src, [SPECTROCLOUD_MODULE, KUBERNETES_PLUGIN])
    assert edit.after == src and edit.manual is None and edit.added == []
    assert edit.present == ["spectroCloudKubernetesModule", "kubernetesPlugin"]
    assert features(src) == ["k8s", "sc"]


def test_feature_imported_but_not_listed_is_only_listed():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        + MOD_IMPORT
        + "\n"
        "export default createApp({ features: [] });\n"
    )
    edit = added(src)
    assert edit.after == src.replace("features: []", "features: [spectroCloudKubernetesModule]")
    assert len(edit.insertions) == 1


def test_app_tsx_with_jsx():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import { SignInPageBlueprint, createFrontendModule } from '@backstage/frontend-plugin-api';\n"
        "import { SignInPage } from '@backstage/core-components';\n"
        "\n"
        "const signIn = SignInPageBlueprint.make({\n"
        "  params: { loader: async () => props => <SignInPage {...props} providers={['guest']} /> },\n"
        "});\n"
        "\n"
        "export default createApp({\n"
        "  features: [createFrontendModule({ pluginId: 'app', extensions: [signIn] })],\n"
        "});\n"
    )
    assert added(src).after == src.replace(
        "core-components';\n", "core-components';\n" + MOD_IMPORT
    ).replace("extensions: [signIn] })],", "extensions: [signIn] }), spectroCloudKubernetesModule],")
    assert features(src) == []  # a call to createFrontendModule, not a named feature


# ---------------------------------------------------------------------------------------------
# refusals


def test_legacy_app_is_refused():
    src = "import { createApp } from '@backstage/app-defaults';\n\nconst app = createApp({ apis });\n"
    assert refused(src) == (
        "packages/app/src/App.tsx imports createApp from @backstage/app-defaults (line 1), not from "
        f"@backstage/frontend-defaults; {BY_HAND}"
    )


def test_no_create_app_import_is_refused():
    assert refused("export default {};\n") == f"packages/app/src/App.tsx does not import createApp; {BY_HAND}"


def test_create_app_never_called_is_refused():
    src = "import { createApp } from '@backstage/frontend-defaults';\n// export default createApp();\n"
    assert refused(src) == f"packages/app/src/App.tsx never calls createApp(); {BY_HAND}"


def test_two_create_app_calls_are_refused():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "export const a = createApp();\n"
        "export const b = createApp();\n"
    )
    assert refused(src) == f"packages/app/src/App.tsx calls createApp() more than once (lines 2, 3); {BY_HAND}"


def test_spread_features_are_refused():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import { baseFeatures } from './features';\n"
        "\n"
        "export default createApp({ features: [...baseFeatures, catalogPlugin] });\n"
    )
    assert refused(src) == (
        "packages/app/src/App.tsx builds createApp()'s features with a spread (line 4), which may already hold "
        f"them; {BY_HAND}"
    )


def test_features_from_an_imported_variable_are_refused():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import { myFeatures } from './features';\n"
        "\n"
        "export default createApp({ features: myFeatures });\n"
    )
    assert refused(src) == (
        "packages/app/src/App.tsx passes features to createApp() from `myFeatures` (line 4), not an array "
        f"literal of this file; {BY_HAND}"
    )


def test_features_from_a_let_or_a_computed_value_are_refused():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "let list = [a];\n"
        "export default createApp({ features: list });\n"
    )
    assert "from `list` (line 3), not an array literal of this file" in refused(src)
    src = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({ features: load() });\n"
    assert refused(src) == (
        f"packages/app/src/App.tsx passes features to createApp() that are not an array literal (line 2); {BY_HAND}"
    )


def test_options_spread_from_elsewhere_are_refused():
    src = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({ ...options });\n"
    assert refused(src) == (
        "packages/app/src/App.tsx spreads createApp()'s options from elsewhere (line 2), which may hold features; "
        f"{BY_HAND}"
    )
    src = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({ features: [a], ...o });\n"
    assert "spreads options after `features` in createApp() (line 2), which may replace them" in refused(src)


def test_options_not_an_object_literal_are_refused():
    src = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp(options);\n"
    assert refused(src) == (
        f"packages/app/src/App.tsx passes createApp() options that are not an object literal (line 2); {BY_HAND}"
    )


def test_name_taken_by_something_else_is_refused():
    src = (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "const spectroCloudKubernetesModule = 1;\n"
        "export default createApp({ features: [] });\n"
    )
    assert refused(src) == (
        "packages/app/src/App.tsx already binds `spectroCloudKubernetesModule` (line 2) to something else than "
        f"./modules/spectrocloud; {BY_HAND}"
    )


def test_refusal_names_every_feature_in_the_file_style():
    src = 'import { createApp } from "@backstage/app-defaults"\n'
    assert refused(src, [SPECTROCLOUD_MODULE, KUBERNETES_PLUGIN]) == (
        "packages/app/src/App.tsx imports createApp from @backstage/app-defaults (line 1), not from "
        "@backstage/frontend-defaults; add `spectroCloudKubernetesModule`, `kubernetesPlugin` to the features of "
        "createApp() and `import { spectroCloudKubernetesModule } from \"./modules/spectrocloud\"` and "
        "`import kubernetesPlugin from \"@backstage/plugin-kubernetes/alpha\"` to the imports by hand"
    )


def test_unparseable_call_is_refused():
    src = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({ features: [a b] });\n"
    assert refused(src).startswith("packages/app/src/App.tsx could not be parsed around createApp() (line 2)")


# ---------------------------------------------------------------------------------------------
# reading features


def test_features_reader():
    assert features(NEXT_APP) == ["catalogPlugin", "navModule"]
    assert features("import { createApp } from '@backstage/frontend-defaults';\ncreateApp();\n") == []
    assert not has_feature(NEXT_APP, SPECTROCLOUD_MODULE)
    # listed but imported from somewhere else: not the feature
    src = NEXT_APP.replace("navModule]", "navModule, spectroCloudKubernetesModule]").replace(
        "import { navModule } from './modules/nav';\n",
        "import { navModule } from './modules/nav';\nimport { spectroCloudKubernetesModule } from './other';\n")
    assert not has_feature(src, SPECTROCLOUD_MODULE)


# ---------------------------------------------------------------------------------------------
# the module file


def test_module_file_default_is_the_template_and_parses():
    text = module_file()
    assert text == (templates_dir() / "frontend" / "spectrocloud-module.ts").read_text(encoding="utf-8")
    assert text.startswith("// Written by spectro-wizard")
    assert not parse(text).errors()
    assert is_module_file(text)
    assert "name: 'auth-providers-with-spectrocloud'" in text and "name: 'auth-providers'," not in text
    assert "pluginId: 'kubernetes'" in text
    assert "createApiRef<\n  OAuthApi & OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi\n" \
           ">().with({ id: 'auth.spectrocloud' });" in text
    for provider in ("gitlab", "google", "microsoft", "okta", "onelogin", "spectrocloud"):
        assert f"            {provider}: " in text


def test_module_file_in_the_app_style():
    app = ('import { createApp } from "@backstage/frontend-defaults"\r\n\r\n'
           'export default createApp({\r\n    features: [\r\n        a\r\n    ]\r\n})\r\n')
    text = module_file(app)
    template = module_file()
    assert "\n" not in text.replace("\r\n", "")
    lf = text.replace("\r\n", "\n")
    assert lf.startswith("// Written by spectro-wizard")
    assert ";\n" not in lf and "'" not in lf.replace("'auth-providers'", "").replace("plugin's", "").replace("createApp's", "")
    assert "\n    name: \"spectrocloud-auth\",\n" in lf
    assert "\n" + " " * 24 + "spectrocloud: spectroCloudAuthApi\n" in lf  # 4-space indent, no trailing comma
    assert len(lf.splitlines()) == len(template.splitlines())
    assert not parse(lf).errors() and is_module_file(lf)


def test_module_file_with_tabs():
    app = "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({\n\tfeatures: [],\n});\n"
    text = module_file(app)
    assert "\n\tname: 'spectrocloud-auth',\n" in text
    assert "\n  " not in text


def test_is_module_file():
    assert not is_module_file("export const spectroCloudKubernetesModule = 1;\n")
    assert not is_module_file("const spectroCloudKubernetesModule = createFrontendModule({ pluginId: 'kubernetes' });\n")
    assert not is_module_file("export const spectroCloudKubernetesModule = createFrontendModule({ pluginId: 'app' });\n")
    assert is_module_file("export const spectroCloudKubernetesModule = createFrontendModule({ pluginId: \"kubernetes\" })\n")


def test_constants():
    assert app_tsx.MODULE_REL == "packages/app/src/modules/spectrocloud/index.ts"
    assert Feature("spectroCloudKubernetesModule", "./modules/spectrocloud", False) == SPECTROCLOUD_MODULE
    assert Feature("kubernetesPlugin", "@backstage/plugin-kubernetes/alpha", True) == KUBERNETES_PLUGIN


# ---------------------------------------------------------------------------------------------
# property: whatever the style and the comments around, only insertions, in the file's style

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JUNK = st.lists(st.sampled_from(["", "// a comment", "/* block */", "// é ☃ 🎉 日本語",
                                 "// spectroCloudKubernetesModule,"]), max_size=3)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=JUNK, inside=JUNK, tail=JUNK,
    quote=st.sampled_from(["'", '"']), semi=st.booleans(), unit=st.sampled_from(["  ", "    ", "\t"]),
    trailing=st.booleans(), crlf=st.booleans(), final_newline=st.booleans(),
    n_items=st.integers(min_value=0, max_value=3), with_k8s=st.booleans(),
    shape=st.sampled_from(["multi", "one-line", "no-features", "no-options"]),
)
def test_property_only_insertions_in_the_file_style(head, inside, tail, quote, semi, unit, trailing, crlf,
                                                     final_newline, n_items, with_k8s, shape):
    q, s, tc = quote, ";" if semi else "", "," if trailing else ""
    lines = [*head, f"import {{ createApp }} from {q}@backstage/frontend-defaults{q}{s}",
             f"import catalogPlugin from {q}@backstage/plugin-catalog/alpha{q}{s}", ""]
    if shape == "multi":
        lines.append("export default createApp({")
        lines.append(f"{unit}features: [")
        for k in range(n_items):
            lines += [unit * 2 + j for j in inside]
            lines.append(f"{unit * 2}catalogPlugin{tc if k == n_items - 1 else ','}")
        lines += [f"{unit}]{tc}", f"}}){s}"]
    elif shape == "one-line":
        lines.append(f"export default createApp({{ features: [{', '.join(['catalogPlugin'] * n_items)}] }}){s}")
    elif shape == "no-features":
        lines += ["export default createApp({", f"{unit}bindRoutes() {{}}{tc}", f"}}){s}"]
    else:
        lines.append(f"export default createApp(){s}")
    lines += tail
    nl = "\r\n" if crlf else "\n"
    src = nl.join("\n".join(lines).split("\n")) + (nl if final_newline else "")
    feats = [SPECTROCLOUD_MODULE, KUBERNETES_PLUGIN] if with_k8s else [SPECTROCLOUD_MODULE]
    edit = add_features(src, feats)
    assert edit.manual is None, edit.manual
    assert unsplice(edit.after, edit.insertions) == src
    assert all(has_feature(edit.after, f) for f in feats)
    assert not parse(edit.after, True).errors()
    assert add_features(edit.after, feats).after == edit.after
    added = "".join(i.text for i in edit.insertions)
    if crlf:
        assert "\n" not in added.replace("\r\n", "")
    else:
        assert "\r" not in added
    assert ('"' if quote == "'" else "'") not in added
    if not semi:
        assert ";" not in added
    shown = unit if shape in ("multi", "no-features") else "  "
    for line in added.replace("\r\n", "\n").split("\n"):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        assert indent == shown * (len(indent) // len(shown)), (unit, line)


def test_bare_cr_line_endings_are_refused():
    assert refused(NEXT_APP.replace("\n", "\r")) == (
        f"packages/app/src/App.tsx uses bare CR line endings, which this editor does not splice into; {BY_HAND}"
    )

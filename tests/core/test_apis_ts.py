"""apis_ts: wiring spectrocloud into a legacy app's packages/app/src/apis.ts.

Every test asserts the exact output (or the exact refusal), that removing the insertions gives the input
back byte for byte, and that a second run changes nothing. The fixtures are written here after the
shapes of real apps' apis.ts (create-app's legacy template, apps with their own Kubernetes auth
providers, prettier-less apps), not copied from them.
"""

from __future__ import annotations

import pytest

from wizard.core import apis_ts
from wizard.core.apis_ts import ApisWiring, oidc_providers, read_apis, wire_spectrocloud, wires_spectrocloud
from wizard.core.tsedit import TsEdit, unsplice
from wizard.core.tsparse import parse

MARK = "// SpectroCloud (added by spectro-wizard)"

# ---------------------------------------------------------------------------------------------
# fixtures

# the shape of create-app's legacy template (two factories' worth of imports, one custom factory,
# ScmAuth's default factory, prettier's style)
LEGACY = """\
import {
  ScmIntegrationsApi,
  scmIntegrationsApiRef,
  ScmAuth,
} from '@backstage/integration-react';
import {
  AnyApiFactory,
  configApiRef,
  createApiFactory,
} from '@backstage/core-plugin-api';

export const apis: AnyApiFactory[] = [
  createApiFactory({
    api: scmIntegrationsApiRef,
    deps: { configApi: configApiRef },
    factory: ({ configApi }) => ScmIntegrationsApi.fromConfig(configApi),
  }),
  ScmAuth.createDefaultApiFactory(),
];
"""

REF_BLOCK = f"""\
{MARK}
export const spectroCloudAuthApiRef = createApiRef<
  OAuthApi & OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi
>({{ id: 'auth.spectrocloud' }});

"""

FACTORIES = f"""\
  {MARK}
  createApiFactory({{
    api: spectroCloudAuthApiRef,
    deps: {{
      configApi: configApiRef,
      discoveryApi: discoveryApiRef,
      oauthRequestApi: oauthRequestApiRef,
    }},
    factory: ({{ configApi, discoveryApi, oauthRequestApi }}) =>
      OAuth2.create({{
        configApi,
        discoveryApi,
        oauthRequestApi,
        provider: {{ id: 'spectrocloud', title: 'SpectroCloud', icon: () => null }},
        environment: configApi.getOptionalString('auth.environment'),
        defaultScopes: ['openid', 'profile', 'email'],
        popupOptions: {{ size: {{ fullscreen: true }} }},
      }}),
  }}),
  createApiFactory({{
    api: kubernetesAuthProvidersApiRef,
    deps: {{
      gitlabAuthApi: gitlabAuthApiRef,
      googleAuthApi: googleAuthApiRef,
      microsoftAuthApi: microsoftAuthApiRef,
      oktaAuthApi: oktaAuthApiRef,
      oneloginAuthApi: oneloginAuthApiRef,
      spectroCloudAuthApi: spectroCloudAuthApiRef,
    }},
    factory: ({{
      gitlabAuthApi,
      googleAuthApi,
      microsoftAuthApi,
      oktaAuthApi,
      oneloginAuthApi,
      spectroCloudAuthApi,
    }}) =>
      new KubernetesAuthProviders({{
        microsoftAuthApi,
        googleAuthApi,
        oidcProviders: {{
          gitlab: gitlabAuthApi,
          google: googleAuthApi,
          microsoft: microsoftAuthApi,
          okta: oktaAuthApi,
          onelogin: oneloginAuthApi,
          spectrocloud: spectroCloudAuthApi,
        }},
      }}),
  }}),
"""

NEW_IMPORTS = """\
import { OAuth2 } from '@backstage/core-app-api';
import {
  KubernetesAuthProviders,
  kubernetesAuthProvidersApiRef,
} from '@backstage/plugin-kubernetes-react';
"""

CORE_NAMES = """\
  createApiRef,
  discoveryApiRef,
  oauthRequestApiRef,
  gitlabAuthApiRef,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  oneloginAuthApiRef,
  OAuthApi,
  OpenIdConnectApi,
  ProfileInfoApi,
  BackstageIdentityApi,
  SessionApi,
"""

LEGACY_WIRED = (
    """\
import {
  ScmIntegrationsApi,
  scmIntegrationsApiRef,
  ScmAuth,
} from '@backstage/integration-react';
import {
  AnyApiFactory,
  configApiRef,
  createApiFactory,
"""
    + CORE_NAMES
    + "} from '@backstage/core-plugin-api';\n"
    + NEW_IMPORTS
    + "\n"
    + REF_BLOCK
    + """\
export const apis: AnyApiFactory[] = [
  createApiFactory({
    api: scmIntegrationsApiRef,
    deps: { configApi: configApiRef },
    factory: ({ configApi }) => ScmIntegrationsApi.fromConfig(configApi),
  }),
  ScmAuth.createDefaultApiFactory(),
"""
    + FACTORIES
    + "];\n"
)


def wired(src: str, rel: str = "packages/app/src/apis.ts") -> TsEdit:
    """The edit, checked: it applies, splices only, is idempotent, and the reader sees it wired."""
    edit = wire_spectrocloud(src, rel)
    assert edit.manual is None, edit.manual
    assert edit.after != src and edit.insertions
    assert unsplice(edit.after, edit.insertions) == src  # nothing but the insertions changed
    assert not parse(edit.after).errors()
    assert wires_spectrocloud(edit.after, rel)
    again = wire_spectrocloud(edit.after, rel)
    assert again.after == edit.after and not again.changed and again.manual is None and again.added == []
    return edit


def refused(src: str) -> TsEdit:
    edit = wire_spectrocloud(src)
    assert edit.manual is not None and edit.after == src and edit.insertions == [] and edit.added == []
    assert "\n" not in edit.manual and edit.manual.startswith("packages/app/src/apis.ts ")
    assert edit.manual.endswith(" by hand")
    assert edit.by_hand
    return edit


# ---------------------------------------------------------------------------------------------
# the legacy template


def test_legacy_template_gets_the_ref_both_factories_and_the_imports():
    edit = wired(LEGACY)
    assert edit.after == LEGACY_WIRED
    assert edit.added == [
        "spectroCloudAuthApiRef (auth.spectrocloud)",
        "createApiFactory for spectroCloudAuthApiRef",
        "createApiFactory for kubernetesAuthProvidersApiRef with spectrocloud",
        "imports: createApiRef, discoveryApiRef, oauthRequestApiRef, gitlabAuthApiRef, googleAuthApiRef, "
        "microsoftAuthApiRef, oktaAuthApiRef, oneloginAuthApiRef, OAuthApi, OpenIdConnectApi, ProfileInfoApi, "
        "BackstageIdentityApi, SessionApi, OAuth2, KubernetesAuthProviders, kubernetesAuthProvidersApiRef",
    ]


def test_wired_file_changes_nothing_and_lists_what_is_present():
    edit = wire_spectrocloud(LEGACY_WIRED)
    assert edit.after == LEGACY_WIRED and edit.manual is None and edit.added == []
    assert edit.present == [
        "spectroCloudAuthApiRef (auth.spectrocloud)",
        "createApiFactory for spectroCloudAuthApiRef",
        "spectrocloud in the existing kubernetesAuthProvidersApiRef factory",
    ]


def test_crlf_file_stays_crlf():
    src = LEGACY.replace("\n", "\r\n")
    edit = wired(src)
    assert edit.after == LEGACY_WIRED.replace("\n", "\r\n")


def test_file_without_final_newline_keeps_it_missing():
    src = LEGACY.rstrip("\n")
    assert wired(src).after == LEGACY_WIRED.rstrip("\n")


def test_non_ascii_comments_before_every_edit_point():
    src = (
        "// APIs der App — Überblick ☃ 🎉\n"
        + LEGACY.replace("} from '@backstage/core-plugin-api';\n",
                         "} from '@backstage/core-plugin-api'; // «core» 日本語\n")
                .replace("  ScmAuth.createDefaultApiFactory(),\n",
                         "  // GitHub/GitLab — naïve café\n  ScmAuth.createDefaultApiFactory(),\n")
    )
    edit = wired(src)
    assert edit.after == (
        "// APIs der App — Überblick ☃ 🎉\n"
        + LEGACY_WIRED.replace("} from '@backstage/core-plugin-api';\n",
                               "} from '@backstage/core-plugin-api'; // «core» 日本語\n")
                      .replace("  ScmAuth.createDefaultApiFactory(),\n",
                               "  // GitHub/GitLab — naïve café\n  ScmAuth.createDefaultApiFactory(),\n")
    )


# ---------------------------------------------------------------------------------------------
# other styles


DOUBLE_NO_SEMI_4 = """\
import { AnyApiFactory, configApiRef, createApiFactory } from "@backstage/core-plugin-api"
import { ScmAuth, ScmIntegrationsApi, scmIntegrationsApiRef } from "@backstage/integration-react"

export const apis: AnyApiFactory[] = [
    createApiFactory({
        api: scmIntegrationsApiRef,
        deps: { configApi: configApiRef },
        factory: ({ configApi }) => ScmIntegrationsApi.fromConfig(configApi)
    }),
    ScmAuth.createDefaultApiFactory()
]
"""


def test_double_quotes_no_semicolons_four_spaces_no_trailing_commas():
    edit = wired(DOUBLE_NO_SEMI_4)
    assert edit.after == """\
import { AnyApiFactory, configApiRef, createApiFactory, createApiRef, discoveryApiRef, oauthRequestApiRef, \
gitlabAuthApiRef, googleAuthApiRef, microsoftAuthApiRef, oktaAuthApiRef, oneloginAuthApiRef, OAuthApi, \
OpenIdConnectApi, ProfileInfoApi, BackstageIdentityApi, SessionApi } from "@backstage/core-plugin-api"
import { ScmAuth, ScmIntegrationsApi, scmIntegrationsApiRef } from "@backstage/integration-react"
import { OAuth2 } from "@backstage/core-app-api"
import {
    KubernetesAuthProviders,
    kubernetesAuthProvidersApiRef
} from "@backstage/plugin-kubernetes-react"

// SpectroCloud (added by spectro-wizard)
export const spectroCloudAuthApiRef = createApiRef<
    OAuthApi & OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi
>({ id: "auth.spectrocloud" })

export const apis: AnyApiFactory[] = [
    createApiFactory({
        api: scmIntegrationsApiRef,
        deps: { configApi: configApiRef },
        factory: ({ configApi }) => ScmIntegrationsApi.fromConfig(configApi)
    }),
    ScmAuth.createDefaultApiFactory(),
    // SpectroCloud (added by spectro-wizard)
    createApiFactory({
        api: spectroCloudAuthApiRef,
        deps: {
            configApi: configApiRef,
            discoveryApi: discoveryApiRef,
            oauthRequestApi: oauthRequestApiRef
        },
        factory: ({ configApi, discoveryApi, oauthRequestApi }) =>
            OAuth2.create({
                configApi,
                discoveryApi,
                oauthRequestApi,
                provider: { id: "spectrocloud", title: "SpectroCloud", icon: () => null },
                environment: configApi.getOptionalString("auth.environment"),
                defaultScopes: ["openid", "profile", "email"],
                popupOptions: { size: { fullscreen: true } }
            })
    }),
    createApiFactory({
        api: kubernetesAuthProvidersApiRef,
        deps: {
            gitlabAuthApi: gitlabAuthApiRef,
            googleAuthApi: googleAuthApiRef,
            microsoftAuthApi: microsoftAuthApiRef,
            oktaAuthApi: oktaAuthApiRef,
            oneloginAuthApi: oneloginAuthApiRef,
            spectroCloudAuthApi: spectroCloudAuthApiRef
        },
        factory: ({
            gitlabAuthApi,
            googleAuthApi,
            microsoftAuthApi,
            oktaAuthApi,
            oneloginAuthApi,
            spectroCloudAuthApi
        }) =>
            new KubernetesAuthProviders({
                microsoftAuthApi,
                googleAuthApi,
                oidcProviders: {
                    gitlab: gitlabAuthApi,
                    google: googleAuthApi,
                    microsoft: microsoftAuthApi,
                    okta: oktaAuthApi,
                    onelogin: oneloginAuthApi,
                    spectrocloud: spectroCloudAuthApi
                }
            })
    })
]
"""


def test_tabs():
    src = (
        "import {\n\tAnyApiFactory,\n\tcreateApiFactory,\n} from '@backstage/core-plugin-api';\n"
        "import { ScmAuth } from '@backstage/integration-react';\n\n"
        "export const apis: AnyApiFactory[] = [\n\tScmAuth.createDefaultApiFactory(),\n];\n"
    )
    edit = wired(src)
    tab = lambda s: "\n".join(  # noqa: E731 - the two-space blocks above, tab-indented
        "\t" * ((len(line) - len(line.lstrip(" "))) // 2) + line.lstrip(" ") for line in s.split("\n"))
    assert edit.after == (
        "import {\n\tAnyApiFactory,\n\tcreateApiFactory,\n"
        + tab("  createApiRef,\n  configApiRef,\n" + CORE_NAMES.replace("  createApiRef,\n", ""))
        + "} from '@backstage/core-plugin-api';\n"
        "import { ScmAuth } from '@backstage/integration-react';\n"
        + tab(NEW_IMPORTS)
        + "\n"
        + tab(REF_BLOCK)
        + "export const apis: AnyApiFactory[] = [\n\tScmAuth.createDefaultApiFactory(),\n"
        + tab(FACTORIES)
        + "];\n"
    )
    assert "  " not in edit.after  # not one space-indented line


# ---------------------------------------------------------------------------------------------
# array shapes

HEAD = (
    "import { AnyApiFactory, createApiFactory, configApiRef, discoveryApiRef, oauthRequestApiRef, "
    "gitlabAuthApiRef, googleAuthApiRef, microsoftAuthApiRef, oktaAuthApiRef, oneloginAuthApiRef, "
    "createApiRef, type OAuthApi, type OpenIdConnectApi, type ProfileInfoApi, type BackstageIdentityApi, "
    "type SessionApi } from '@backstage/core-plugin-api';\n"
    "import { OAuth2 } from '@backstage/core-app-api';\n"
    "import { KubernetesAuthProviders, kubernetesAuthProvidersApiRef } from '@backstage/plugin-kubernetes-react';\n"
    "\n"
)


def test_empty_array_is_opened_up():
    src = HEAD + "export const apis: AnyApiFactory[] = [];\n"
    assert wired(src).after == HEAD + REF_BLOCK + "export const apis: AnyApiFactory[] = [\n" + FACTORIES + "];\n"


def test_one_line_array():
    src = HEAD + "export const apis: AnyApiFactory[] = [ScmAuth.createDefaultApiFactory()];\n"
    assert wired(src).after == (
        HEAD + REF_BLOCK + "export const apis: AnyApiFactory[] = [ScmAuth.createDefaultApiFactory(),\n"
        + FACTORIES + "];\n"
    )


# a multi-line list with trailing commas: the file's style has them, whatever one array does
HEAD_ML = HEAD + "const trailing = {\n  commas: true,\n};\n\n"


def test_array_without_trailing_comma_gets_one_after_its_last_item_and_none_after_ours():
    src = HEAD_ML + "export const apis: AnyApiFactory[] = [\n  ScmAuth.createDefaultApiFactory()\n];\n"
    edit = wired(src)
    assert edit.after == (
        HEAD_ML + REF_BLOCK + "export const apis: AnyApiFactory[] = [\n  ScmAuth.createDefaultApiFactory(),\n"
        + FACTORIES[:-2] + "\n];\n"
    )


def test_comments_inside_the_array_stay_where_they_are():
    body = (
        "export const apis: AnyApiFactory[] = [\n"
        "  // SCM auth for GitHub and GitLab\n"
        "  ScmAuth.createDefaultApiFactory(), // the default one\n"
        "  /* createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "  }), */\n"
        "];\n"
    )
    assert wired(HEAD + body).after == HEAD + REF_BLOCK + body.replace("];\n", FACTORIES + "];\n")


def test_comment_after_a_last_item_without_trailing_comma():
    src = HEAD_ML + "export const apis: AnyApiFactory[] = [\n  ScmAuth.createDefaultApiFactory() // scm\n];\n"
    assert wired(src).after == (
        HEAD_ML + REF_BLOCK + "export const apis: AnyApiFactory[] = [\n  ScmAuth.createDefaultApiFactory(), // scm\n"
        + FACTORIES[:-2] + "\n];\n"
    )


def test_satisfies_instead_of_a_type_annotation():
    src = HEAD + "export const apis = [\n  ScmAuth.createDefaultApiFactory(),\n] satisfies AnyApiFactory[];\n"
    assert wired(src).after == HEAD + REF_BLOCK + src[len(HEAD):].replace("] satisfies", FACTORIES + "] satisfies")


def test_jsdoc_above_the_array_stays_attached_to_it():
    src = HEAD + "/**\n * The app's APIs.\n */\nexport const apis: AnyApiFactory[] = [];\n"
    assert wired(src).after == (
        HEAD + REF_BLOCK + "/**\n * The app's APIs.\n */\nexport const apis: AnyApiFactory[] = [\n" + FACTORIES + "];\n"
    )


def test_other_code_right_above_the_array_gets_a_blank_line_before_the_ref():
    src = HEAD + "const x = 1;\nexport const apis: AnyApiFactory[] = [];\n"
    assert wired(src).after == (
        HEAD + "const x = 1;\n\n" + REF_BLOCK + "export const apis: AnyApiFactory[] = [\n" + FACTORIES + "];\n"
    )


def test_all_imports_present_adds_no_import():
    edit = wired(HEAD + "export const apis: AnyApiFactory[] = [];\n")
    assert not any(a.startswith("imports") for a in edit.added)


# ---------------------------------------------------------------------------------------------
# imports


def test_type_only_import_declaration_receives_the_types():
    src = (
        "import { AnyApiFactory, createApiFactory } from '@backstage/core-plugin-api';\n"
        "import type { OAuthApi, SessionApi } from '@backstage/core-plugin-api';\n"
        "\n"
        "export const apis: AnyApiFactory[] = [];\n"
    )
    edit = wired(src)
    assert edit.after.startswith(
        "import { AnyApiFactory, createApiFactory, createApiRef, configApiRef, discoveryApiRef, oauthRequestApiRef, "
        "gitlabAuthApiRef, googleAuthApiRef, microsoftAuthApiRef, oktaAuthApiRef, oneloginAuthApiRef } "
        "from '@backstage/core-plugin-api';\n"
        "import type { OAuthApi, SessionApi, OpenIdConnectApi, ProfileInfoApi, BackstageIdentityApi } "
        "from '@backstage/core-plugin-api';\n"
        + NEW_IMPORTS
        + "\n"
        + REF_BLOCK
    )


def test_inline_type_style_is_followed():
    src = (
        "import {\n  type AnyApiFactory,\n  createApiFactory,\n} from '@backstage/core-plugin-api';\n"
        "\n"
        "export const apis: AnyApiFactory[] = [];\n"
    )
    edit = wired(src)
    assert edit.after.startswith(
        "import {\n  type AnyApiFactory,\n  createApiFactory,\n  createApiRef,\n  configApiRef,\n"
        "  discoveryApiRef,\n  oauthRequestApiRef,\n  gitlabAuthApiRef,\n  googleAuthApiRef,\n"
        "  microsoftAuthApiRef,\n  oktaAuthApiRef,\n  oneloginAuthApiRef,\n  type OAuthApi,\n"
        "  type OpenIdConnectApi,\n  type ProfileInfoApi,\n  type BackstageIdentityApi,\n  type SessionApi,\n"
        "} from '@backstage/core-plugin-api';\n" + NEW_IMPORTS + "\n" + REF_BLOCK
    )


def test_names_imported_from_elsewhere_are_not_imported_again():
    # kubernetesAuthProvidersApiRef re-exported by @backstage/plugin-kubernetes, the ref from the auth plugin
    src = (
        "import { AnyApiFactory } from '@backstage/core-plugin-api';\n"
        "import { kubernetesAuthProvidersApiRef, KubernetesAuthProviders } from '@backstage/plugin-kubernetes';\n"
        "import { spectroCloudAuthApiRef } from '@terasky/backstage-plugin-spectrocloud-auth';\n"
        "\n"
        "export const apis: AnyApiFactory[] = [];\n"
    )
    edit = wired(src)
    assert "plugin-kubernetes-react" not in edit.after
    assert "export const spectroCloudAuthApiRef" not in edit.after
    assert edit.after == (
        "import { AnyApiFactory, createApiFactory, configApiRef, discoveryApiRef, oauthRequestApiRef, "
        "gitlabAuthApiRef, googleAuthApiRef, microsoftAuthApiRef, oktaAuthApiRef, oneloginAuthApiRef } "
        "from '@backstage/core-plugin-api';\n"
        "import { kubernetesAuthProvidersApiRef, KubernetesAuthProviders } from '@backstage/plugin-kubernetes';\n"
        "import { spectroCloudAuthApiRef } from '@terasky/backstage-plugin-spectrocloud-auth';\n"
        "import { OAuth2 } from '@backstage/core-app-api';\n"
        "\n"
        "export const apis: AnyApiFactory[] = [\n" + FACTORIES + "];\n"
    )


# ---------------------------------------------------------------------------------------------
# an app with its own kubernetesAuthProviders factory

OWN_PROVIDERS = """\
import {
  AnyApiFactory,
  createApiFactory,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
} from '@backstage/core-plugin-api';
import {
  KubernetesAuthProviders,
  kubernetesAuthProvidersApiRef,
} from '@backstage/plugin-kubernetes-react';

export const apis: AnyApiFactory[] = [
  createApiFactory({
    api: kubernetesAuthProvidersApiRef,
    deps: {
      googleAuthApi: googleAuthApiRef,
      microsoftAuthApi: microsoftAuthApiRef,
      oktaAuthApi: oktaAuthApiRef,
    },
    factory: ({ googleAuthApi, microsoftAuthApi, oktaAuthApi }) => {
      const oidcProviders = undefined;
      return new KubernetesAuthProviders({
        googleAuthApi,
        microsoftAuthApi,
        oidcProviders: {
          okta: oktaAuthApi,
          'my-idp': googleAuthApi,
        },
      });
    },
  }),
];
"""


def test_existing_providers_factory_gets_spectrocloud_never_a_second_factory():
    assert read_apis(OWN_PROVIDERS) == ApisWiring(True, False, False, True, ("okta", "my-idp"))
    assert oidc_providers(OWN_PROVIDERS) == ["okta", "my-idp"]
    edit = wired(OWN_PROVIDERS)
    assert edit.after == """\
import {
  AnyApiFactory,
  createApiFactory,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  createApiRef,
  configApiRef,
  discoveryApiRef,
  oauthRequestApiRef,
  OAuthApi,
  OpenIdConnectApi,
  ProfileInfoApi,
  BackstageIdentityApi,
  SessionApi,
} from '@backstage/core-plugin-api';
import {
  KubernetesAuthProviders,
  kubernetesAuthProvidersApiRef,
} from '@backstage/plugin-kubernetes-react';
import { OAuth2 } from '@backstage/core-app-api';

""" + REF_BLOCK + """\
export const apis: AnyApiFactory[] = [
  createApiFactory({
    api: kubernetesAuthProvidersApiRef,
    deps: {
      googleAuthApi: googleAuthApiRef,
      microsoftAuthApi: microsoftAuthApiRef,
      oktaAuthApi: oktaAuthApiRef,
      spectroCloudAuthApi: spectroCloudAuthApiRef,
    },
    factory: ({ googleAuthApi, microsoftAuthApi, oktaAuthApi, spectroCloudAuthApi }) => {
      const oidcProviders = undefined;
      return new KubernetesAuthProviders({
        googleAuthApi,
        microsoftAuthApi,
        oidcProviders: {
          okta: oktaAuthApi,
          'my-idp': googleAuthApi,
          spectrocloud: spectroCloudAuthApi,
        },
      });
    },
  }),
""" + FACTORIES.split("  createApiFactory({\n    api: kubernetesAuthProvidersApiRef")[0] + "];\n"
    assert edit.after.count("api: kubernetesAuthProvidersApiRef") == 1
    assert "spectrocloud in the existing kubernetesAuthProvidersApiRef factory" in edit.added
    assert oidc_providers(edit.after) == ["okta", "my-idp", "spectrocloud"]


def test_existing_factory_taking_deps_as_one_parameter():
    src = HEAD + (
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: { googleAuthApi: googleAuthApiRef },\n"
        "    factory: deps => new KubernetesAuthProviders({ googleAuthApi: deps.googleAuthApi, oidcProviders: {} }),\n"
        "  }),\n"
        "];\n"
    )
    edit = wired(src)
    assert edit.after == HEAD + REF_BLOCK + (
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: { googleAuthApi: googleAuthApiRef, spectroCloudAuthApi: spectroCloudAuthApiRef },\n"
        "    factory: deps => new KubernetesAuthProviders({ googleAuthApi: deps.googleAuthApi, "
        "oidcProviders: { spectrocloud: deps.spectroCloudAuthApi } }),\n"
        "  }),\n"
    ) + FACTORIES.split("  createApiFactory({\n    api: kubernetesAuthProvidersApiRef")[0] + "];\n"


def test_existing_factory_without_oidc_providers_gets_the_key():
    src = HEAD + (
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: { googleAuthApi: googleAuthApiRef },\n"
        "    factory: ({ googleAuthApi }) => new KubernetesAuthProviders({ googleAuthApi }),\n"
        "  }),\n"
        "];\n"
    )
    assert read_apis(src).oidc_providers == ()
    edit = wired(src)
    assert (
        "    deps: { googleAuthApi: googleAuthApiRef, spectroCloudAuthApi: spectroCloudAuthApiRef },\n"
        "    factory: ({ googleAuthApi, spectroCloudAuthApi }) => new KubernetesAuthProviders({ googleAuthApi, "
        "oidcProviders: { spectrocloud: spectroCloudAuthApi } }),\n"
    ) in edit.after


def test_existing_factory_already_wired_under_another_dep_name():
    src = HEAD + (
        "export const spectroCloudAuthApiRef = createApiRef<OAuthApi>({ id: 'auth.spectrocloud' });\n"
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: { sc: spectroCloudAuthApiRef },\n"
        "    factory: ({ sc: scApi }) => new KubernetesAuthProviders({ oidcProviders: { } }),\n"
        "  }),\n"
        "];\n"
    )
    edit = wired(src)
    assert "    factory: ({ sc: scApi }) => new KubernetesAuthProviders({ oidcProviders: { spectrocloud: scApi } }),\n" \
        in edit.after
    assert "deps: { sc: spectroCloudAuthApiRef },\n" in edit.after


def test_fully_wired_own_factory_changes_nothing():
    edit = wired(OWN_PROVIDERS)
    again = wire_spectrocloud(edit.after)
    assert again.after == edit.after and again.added == []


# ---------------------------------------------------------------------------------------------
# refusals


def test_no_apis_array_is_refused_with_the_code_to_add():
    src = "import { createApp } from '@backstage/app-defaults';\n\nexport const app = createApp({});\n"
    edit = refused(src)
    assert edit.manual.startswith(
        "packages/app/src/apis.ts does not declare an `apis` array at its top level; add "
        "`export const spectroCloudAuthApiRef = createApiRef<OAuthApi & OpenIdConnectApi & ProfileInfoApi & "
        "BackstageIdentityApi & SessionApi>({ id: 'auth.spectrocloud' });` above the `apis` array, "
        "`createApiFactory({ api: spectroCloudAuthApiRef, deps: { configApi: configApiRef, discoveryApi: "
        "discoveryApiRef, oauthRequestApi: oauthRequestApiRef }, factory: ({ configApi, discoveryApi, "
        "oauthRequestApi }) => OAuth2.create({ configApi, discoveryApi, oauthRequestApi, provider: { id: "
        "'spectrocloud', title: 'SpectroCloud', icon: () => null }, environment: "
        "configApi.getOptionalString('auth.environment'), defaultScopes: ['openid', 'profile', 'email'], "
        "popupOptions: { size: { fullscreen: true } } }) })` and `createApiFactory({ api: "
        "kubernetesAuthProvidersApiRef, deps: { gitlabAuthApi: gitlabAuthApiRef, googleAuthApi: googleAuthApiRef, "
        "microsoftAuthApi: microsoftAuthApiRef, oktaAuthApi: oktaAuthApiRef, oneloginAuthApi: oneloginAuthApiRef, "
        "spectroCloudAuthApi: spectroCloudAuthApiRef }, factory: ({ gitlabAuthApi, googleAuthApi, "
        "microsoftAuthApi, oktaAuthApi, oneloginAuthApi, spectroCloudAuthApi }) => new KubernetesAuthProviders({ "
        "microsoftAuthApi, googleAuthApi, oidcProviders: { gitlab: gitlabAuthApi, google: googleAuthApi, "
        "microsoft: microsoftAuthApi, okta: oktaAuthApi, onelogin: oneloginAuthApi, spectrocloud: "
        "spectroCloudAuthApi } }) })` to the array of API factories given to createApp, "
    )
    assert edit.manual.endswith(
        "`import { OAuth2 } from '@backstage/core-app-api';` and "
        "`import { KubernetesAuthProviders, kubernetesAuthProvidersApiRef } from "
        "'@backstage/plugin-kubernetes-react';` by hand"
    )
    # the code laid out, for a screen to show
    assert edit.by_hand.startswith("import {\n  createApiRef,\n")
    assert "\n\nexport const spectroCloudAuthApiRef = createApiRef<\n" in edit.by_hand
    assert edit.by_hand.endswith("      },\n    }),\n}),")


def test_spread_array_is_refused():
    src = HEAD + "import { defaultApis } from './defaults';\n\nexport const apis: AnyApiFactory[] = [...defaultApis];\n"
    edit = refused(src)
    assert edit.manual.startswith(
        "packages/app/src/apis.ts builds its `apis` array with a spread (line 7), which may already register "
        "kubernetesAuthProvidersApiRef (the first factory for a ref wins); add "
        "`export const spectroCloudAuthApiRef = createApiRef<"
    )
    assert "`import" not in edit.manual  # every name is imported already


def test_apis_not_an_array_literal_is_refused():
    src = HEAD + "export const apis: AnyApiFactory[] = buildApis();\n"
    assert refused(src).manual.startswith(
        "packages/app/src/apis.ts declares `apis` (line 5) as something other than an array literal; add "
    )


@pytest.mark.parametrize(
    "factory, why",
    [
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, "
         "factory: () => new KubernetesAuthProviders({ oidcProviders: providers }) })",
         "its oidcProviders are built elsewhere"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, "
         "factory: ([deps]) => new KubernetesAuthProviders({}) })",
         "its factory does not take its deps as a parameter"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, "
         "factory: ({}) => new KubernetesAuthProviders({ oidcProviders: providers }) })",
         "its oidcProviders are built elsewhere"),
        ("createApiFactory({ ...options, api: kubernetesAuthProvidersApiRef })",
         "its options are spread from elsewhere"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: sharedDeps, factory: makeProviders })",
         "its deps are not an object literal"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, factory: makeProviders })",
         "its factory is not a function written there"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, factory: ({ ...all }) => "
         "new KubernetesAuthProviders({ oidcProviders: {} }) })",
         "its factory's parameter ends with a rest element"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, factory: ({}) => makeProviders() })",
         "its factory does not build one `new KubernetesAuthProviders(...)`"),
        ("createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: { spectroCloudAuthApi: otherRef }, "
         "factory: ({}) => new KubernetesAuthProviders({ oidcProviders: {} }) })",
         "its deps already use the name spectroCloudAuthApi for something else"),
    ],
)
def test_providers_factory_that_cannot_be_edited_safely_is_refused(factory, why):
    src = HEAD + f"export const apis: AnyApiFactory[] = [\n  {factory},\n];\n"
    edit = refused(src)
    assert edit.manual.startswith(
        "packages/app/src/apis.ts registers kubernetesAuthProvidersApiRef (line 6) in a factory spectro-wizard "
        f"cannot edit safely: {why}; add `export const spectroCloudAuthApiRef = "
    )
    assert edit.manual.endswith(
        "to the array of API factories given to createApp and `spectroCloudAuthApi: spectroCloudAuthApiRef` to the "
        "deps of its kubernetesAuthProvidersApiRef factory, `spectroCloudAuthApi` to that factory's parameter and "
        "`spectrocloud: spectroCloudAuthApi` to its oidcProviders by hand"
    )
    assert "api: kubernetesAuthProvidersApiRef" not in edit.manual  # never a second factory


def test_two_providers_factories_are_refused():
    f = "createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, factory: ({}) => new KubernetesAuthProviders({}) })"
    src = HEAD + f"export const apis: AnyApiFactory[] = [\n  {f},\n  {f},\n];\n"
    assert refused(src).manual.startswith(
        "packages/app/src/apis.ts registers kubernetesAuthProvidersApiRef more than once (lines 6, 7); add "
    )


def test_providers_ref_used_outside_the_array_is_refused():
    src = HEAD + (
        "const providersFactory = createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, "
        "factory: () => new KubernetesAuthProviders({}) });\n"
        "export const apis: AnyApiFactory[] = [providersFactory];\n"
    )
    assert refused(src).manual.startswith(
        "packages/app/src/apis.ts uses kubernetesAuthProvidersApiRef at line 5 outside a "
        "`createApiFactory({ api: kubernetesAuthProvidersApiRef, ... })` of the `apis` array; add "
    )


def test_ref_declared_below_the_array_is_refused():
    src = HEAD + (
        "export const apis: AnyApiFactory[] = [];\n"
        "export const spectroCloudAuthApiRef = createApiRef<OAuthApi>({ id: 'auth.spectrocloud' });\n"
    )
    assert refused(src).manual.startswith(
        "packages/app/src/apis.ts declares spectroCloudAuthApiRef (line 6) below the `apis` array, which is built "
        "before it exists; add "
    )


def test_unparseable_array_is_refused():
    src = HEAD + "export const apis: AnyApiFactory[] = [\n  createApiFactory({ api: x: y }),\n];\n"
    assert refused(src).manual.startswith("packages/app/src/apis.ts could not be parsed around its `apis` array (line 5)")


def test_refusal_follows_the_file_style():
    src = 'import { AnyApiFactory } from "@backstage/core-plugin-api"\n\nexport const apis = makeApis()\n'
    edit = refused(src)
    assert '({ id: "auth.spectrocloud" })` above' in edit.manual
    assert '`import { OAuth2 } from "@backstage/core-app-api"`' in edit.manual


# ---------------------------------------------------------------------------------------------
# reading


def test_reader_on_the_plain_template():
    assert read_apis(LEGACY) == ApisWiring(True, False, False, False, None)
    assert not wires_spectrocloud(LEGACY)
    assert oidc_providers(LEGACY) is None


def test_reader_on_a_wired_file():
    assert read_apis(LEGACY_WIRED) == ApisWiring(
        True, True, True, True, ("gitlab", "google", "microsoft", "okta", "onelogin", "spectrocloud")
    )
    assert read_apis(LEGACY_WIRED).wired


def test_reader_ignores_commented_out_wiring():
    src = LEGACY.replace("  ScmAuth.createDefaultApiFactory(),\n", "  ScmAuth.createDefaultApiFactory(),\n  /*\n"
                         + FACTORIES + "  */\n")
    assert read_apis(src) == ApisWiring(True, False, False, False, None)


def test_reader_without_an_array():
    assert read_apis("export const apis = [...base];\n") == ApisWiring(False, False, False, False, None)


def test_reader_of_a_spread_oidc_providers_object():
    src = HEAD + (
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({ api: kubernetesAuthProvidersApiRef, deps: {}, "
        "factory: ({}) => new KubernetesAuthProviders({ oidcProviders: { ...base, okta: x } }) }),\n"
        "];\n"
    )
    assert oidc_providers(src) is None


def test_packages_the_added_code_imports():
    assert apis_ts.PACKAGES == ("@backstage/core-plugin-api", "@backstage/core-app-api",
                                "@backstage/plugin-kubernetes-react")


def test_own_factory_with_a_spectrocloud_provider_of_its_own_is_left_alone():
    src = HEAD + (
        "import { spectroCloudAuthApiRef } from './auth';\n"
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: { sc: spectroCloudAuthApiRef, spectroCloudAuthApi: otherRef },\n"
        "    factory: ({ sc }) => new KubernetesAuthProviders({ oidcProviders: { spectrocloud: sc } }),\n"
        "  }),\n"
        "];\n"
    )
    edit = wired(src)
    assert edit.added == ["createApiFactory for spectroCloudAuthApiRef"]
    assert edit.present == ["spectroCloudAuthApiRef (auth.spectrocloud)",
                            "spectrocloud in the existing kubernetesAuthProvidersApiRef factory"]
    assert edit.after == src.replace("  }),\n];\n", "  }),\n" + FACTORIES.split(
        "  createApiFactory({\n    api: kubernetesAuthProvidersApiRef")[0] + "];\n")


def test_file_without_imports_gets_them_above_the_ref_and_a_bom_stays_first():
    src = "\ufeff/* APIs */\nexport const apis = [];\n"
    edit = wired(src)
    assert edit.after == (
        "\ufeff"
        "import {\n  createApiRef,\n  createApiFactory,\n  configApiRef,\n"
        + CORE_NAMES.replace("  createApiRef,\n", "")
        + "} from '@backstage/core-plugin-api';\n"
        + NEW_IMPORTS
        + "\n"
        + REF_BLOCK
        + "/* APIs */\nexport const apis = [\n" + FACTORIES + "];\n"
    )


# ---------------------------------------------------------------------------------------------
# property: whatever the style and the comments around, only insertions, in the file's style

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JUNK = st.lists(st.sampled_from(["", "// a comment", "/* block */", "// é ☃ 🎉 日本語", "/**\n * doc\n */",
                                 "// createApiFactory({ api: kubernetesAuthProvidersApiRef })"]), max_size=3)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=JUNK, between=JUNK, inside=JUNK, tail=JUNK,
    quote=st.sampled_from(["'", '"']), semi=st.booleans(), unit=st.sampled_from(["  ", "    ", "\t"]),
    trailing=st.booleans(), crlf=st.booleans(), final_newline=st.booleans(),
    n_items=st.integers(min_value=0, max_value=3), multi_line_import=st.booleans(),
)
def test_property_only_insertions_in_the_file_style(head, between, inside, tail, quote, semi, unit, trailing, crlf,
                                                     final_newline, n_items, multi_line_import):
    q, s, tc = quote, ";" if semi else "", "," if trailing else ""
    lines = [*head]
    if multi_line_import:
        lines += ["import {", f"{unit}AnyApiFactory,", f"{unit}createApiFactory{tc}", f"}} from {q}@backstage/core-plugin-api{q}{s}"]
    else:
        lines.append(f"import {{ AnyApiFactory, createApiFactory }} from {q}@backstage/core-plugin-api{q}{s}")
    lines += [*between, f"import {{ ScmAuth }} from {q}@backstage/integration-react{q}{s}", ""]
    lines.append("export const apis: AnyApiFactory[] = [")
    for k in range(n_items):
        lines += [unit + j for j in inside]
        last = k == n_items - 1
        lines.append(f"{unit}ScmAuth.createDefaultApiFactory(){tc if last else ','}")
    lines += [f"]{s}", *tail]
    nl = "\r\n" if crlf else "\n"
    src = nl.join("\n".join(lines).split("\n")) + (nl if final_newline else "")
    edit = wire_spectrocloud(src)
    assert edit.manual is None, edit.manual
    assert unsplice(edit.after, edit.insertions) == src
    assert wires_spectrocloud(edit.after)
    assert not parse(edit.after).errors()
    assert wire_spectrocloud(edit.after).after == edit.after
    added = "".join(i.text for i in edit.insertions)
    if crlf:
        assert "\n" not in added.replace("\r\n", "")
    else:
        assert "\r" not in added
    other = '"' if quote == "'" else "'"
    assert other not in added
    shown = unit if n_items or multi_line_import else "  "  # a file that indents nothing: two spaces
    for line in added.replace("\r\n", "\n").split("\n"):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        assert indent == shown * (len(indent) // len(shown)), (unit, line)
        if not semi:
            assert not line.rstrip().endswith(";"), line


def test_bare_cr_line_endings_are_refused():
    edit = refused(LEGACY.replace("\n", "\r"))
    assert edit.manual.startswith(
        "packages/app/src/apis.ts uses bare CR line endings, which this editor does not splice into; add ")


def test_a_server_side_only_providers_factory_gets_spectrocloud_and_its_parameter():
    """A real shape (7K-Hiroba/7k-backstage): `factory: () => new KubernetesAuthProviders({} as any)`, and a
    KubernetesBackendClient that depends on the providers API (a use, not a second registration)."""
    src = HEAD + (
        "export const apis: AnyApiFactory[] = [\n"
        "  createApiFactory({\n"
        "    api: kubernetesAuthProvidersApiRef,\n"
        "    deps: {},\n"
        "    factory: () => new KubernetesAuthProviders({} as any),\n"
        "  }),\n"
        "  createApiFactory({\n"
        "    api: kubernetesApiRef,\n"
        "    deps: { discoveryApi: discoveryApiRef, kubernetesAuthProvidersApi: kubernetesAuthProvidersApiRef },\n"
        "    factory: ({ discoveryApi, kubernetesAuthProvidersApi }) => "
        "new KubernetesBackendClient({ discoveryApi, kubernetesAuthProvidersApi }),\n"
        "  }),\n"
        "];\n")
    edit = wired(src)
    assert "    deps: { spectroCloudAuthApi: spectroCloudAuthApiRef },\n" in edit.after
    assert ("    factory: ({ spectroCloudAuthApi }) => new KubernetesAuthProviders("
            "{ oidcProviders: { spectrocloud: spectroCloudAuthApi } } as any),\n") in edit.after
    assert edit.after.count("api: kubernetesAuthProvidersApiRef") == 1

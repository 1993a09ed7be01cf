"""backend_index: add `backend.add(import('PKG'));` lines to packages/backend/src/index.ts.

Every edit must add exactly the requested lines before `backend.start()` and leave every other byte alone.
The create-app file is embedded below: tests never read /work/shared.
"""

from __future__ import annotations

import difflib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.backend_index import (
    BLOCK_COMMENT,
    Addition,
    IndexEdit,
    add_modules,
    additions,
    backend_var,
)

AUTH = "@terasky/backstage-plugin-spectrocloud-auth-backend"
MODULE = "@terasky/backstage-plugin-spectrocloud-kubernetes-auth-module"
K8S = "@backstage/plugin-kubernetes-backend"

# packages/backend/src/index.ts as written by @backstage/create-app (copied verbatim)
CREATE_APP_INDEX = """\
/*
 * Hi!
 *
 * Note that this is an EXAMPLE Backstage backend. Please check the README.
 *
 * Happy hacking!
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// See https://backstage.io/docs/permissions/getting-started for how to create your own permission policy
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
"""


def inserted_lines(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` was removed or changed."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), (tag, a[i1:i2], b[j1:j2])
        if tag == "insert":
            out += b[j1:j2]
    return out


def check_splice(edit: IndexEdit) -> None:
    """Removing the inserted text from `after` gives `before` byte for byte."""
    assert edit.inserted
    assert edit.after[edit.offset: edit.offset + len(edit.inserted)] == edit.inserted
    assert edit.after[: edit.offset] + edit.after[edit.offset + len(edit.inserted):] == edit.before


# ---------------------------------------------------------------------------------------------
# reading


def test_backend_var_and_additions_of_the_create_app_file():
    assert backend_var(CREATE_APP_INDEX) == "backend"
    adds = additions(CREATE_APP_INDEX)
    assert len(adds) == 22
    assert adds[0] == Addition("@backstage/plugin-app-backend", "@backstage/plugin-app-backend", 13)
    # the multi-line form with a trailing comma is found, on the line of the `backend.add` token
    assert Addition(
        "@backstage/plugin-catalog-backend-module-scaffolder-entity-model",
        "@backstage/plugin-catalog-backend-module-scaffolder-entity-model",
        34,
    ) in adds
    assert K8S in [a.package for a in adds]


def test_additions_accepts_every_quote_style_whitespace_and_subpaths():
    src = (
        "const backend = createBackend();\n"
        'backend.add(import("a-pkg"));\n'
        "backend.add(import(`b-pkg`));\n"
        "backend . add (\n\n  import (\n    '@s/c-pkg/alpha' ,\n  ) ,\n);\n"
        "backend.start();\n"
    )
    adds = additions(src)
    assert [(a.package, a.specifier, a.line) for a in adds] == [
        ("a-pkg", "a-pkg", 2),
        ("b-pkg", "b-pkg", 3),
        ("@s/c-pkg", "@s/c-pkg/alpha", 4),
    ]


def test_commented_out_and_quoted_additions_do_not_count():
    src = (
        "const backend = createBackend();\n"
        f"// backend.add(import('{AUTH}'));\n"
        "/* backend.add(import('x-pkg'));\n"
        "   backend.add(import('y-pkg')); */\n"
        "const s = \"backend.add(import('z-pkg'))\";\n"
        "backend.add(import('real-pkg'));\n"
        "backend.start();\n"
    )
    assert [a.package for a in additions(src)] == ["real-pkg"]


def test_template_specifier_with_substitution_is_not_an_addition():
    src = "const backend = createBackend();\nbackend.add(import(`${x}-pkg`));\nbackend.start();\n"
    assert additions(src) == []


def test_backend_var_ignores_comments_and_other_names():
    assert backend_var("// const backend = createBackend();\n") is None
    assert backend_var("/* const b = createBackend(); */ const app = createBackend({});\n") == "app"
    assert backend_var("let be: Backend = createBackend();\n") == "be"
    assert backend_var("const backend = makeBackend();\n") is None
    assert backend_var("const s = 'const x = createBackend()';\n") is None


# ---------------------------------------------------------------------------------------------
# the create-app file


def test_create_app_file_gets_one_block_before_start_and_nothing_else_changes():
    edit = add_modules(CREATE_APP_INDEX, [AUTH])
    assert edit.manual is None
    assert edit.added == [AUTH]
    assert edit.present == []
    check_splice(edit)
    line = f"backend.add(import('{AUTH}'));\n"
    assert edit.after.count(line) == 1
    assert inserted_lines(edit.before, edit.after) == [f"{BLOCK_COMMENT}\n", line, "\n"]
    # create-app's own blank line before backend.start() is reused, one new blank separates start()
    assert edit.after.endswith(
        "backend.add(import('@backstage/plugin-mcp-actions-backend'));\n"
        "\n"
        f"{BLOCK_COMMENT}\n"
        f"{line}"
        "\n"
        "backend.start();\n"
    )
    assert edit.after.index(line) < edit.after.index("backend.start();")
    assert AUTH in [a.package for a in additions(edit.after)]


def test_second_call_is_a_no_op():
    first = add_modules(CREATE_APP_INDEX, [AUTH, MODULE])
    second = add_modules(first.after, [AUTH, MODULE])
    assert second.after == second.before == first.after
    assert second.added == []
    assert second.present == [AUTH, MODULE]
    assert second.manual is None


def test_already_present_package_is_listed_not_added():
    edit = add_modules(CREATE_APP_INDEX, [K8S, AUTH])
    assert edit.present == [K8S]
    assert edit.added == [AUTH]
    assert K8S not in "".join(inserted_lines(edit.before, edit.after))


def test_everything_present_changes_nothing():
    edit = add_modules(CREATE_APP_INDEX, [K8S, "@backstage/plugin-catalog-backend-module-scaffolder-entity-model"])
    assert edit.after == edit.before
    assert edit.added == []
    assert len(edit.present) == 2
    assert edit.manual is None


def test_alpha_subpath_counts_as_the_package():
    src = (
        "const backend = createBackend();\n"
        f"backend.add(import('{AUTH}/alpha'));\n"
        "backend.start();\n"
    )
    edit = add_modules(src, [AUTH])
    assert edit.after == src
    assert edit.present == [AUTH]


def test_multi_line_and_double_quoted_forms_are_present():
    src = (
        "const backend = createBackend();\n"
        "backend.add(\n"
        f"  import('{AUTH}'),\n"
        ");\n"
        f'backend.add(import("{MODULE}"));\n'
        "backend.start();\n"
    )
    edit = add_modules(src, [AUTH, MODULE])
    assert edit.after == src
    assert edit.present == [AUTH, MODULE]
    assert edit.added == []


@pytest.mark.parametrize(
    "comment",
    [
        f"// backend.add(import('{AUTH}'));\n",
        f"/* backend.add(import('{AUTH}')); */\n",
        f"/*\nbackend.add(\n  import('{AUTH}'),\n);\n*/\n",
    ],
)
def test_commented_out_add_does_not_count_and_the_comment_stays(comment):
    src = f"const backend = createBackend();\n\n{comment}\nbackend.start();\n"
    edit = add_modules(src, [AUTH])
    assert edit.added == [AUTH]
    assert edit.present == []
    check_splice(edit)
    assert comment in edit.after
    assert [a.package for a in additions(edit.after)] == [AUTH]


# ---------------------------------------------------------------------------------------------
# style


def test_crlf_file_stays_crlf_everywhere():
    src = CREATE_APP_INDEX.replace("\n", "\r\n")
    edit = add_modules(src, [AUTH, MODULE])
    check_splice(edit)
    assert "\n" not in edit.after.replace("\r\n", "")
    assert edit.inserted == (
        f"{BLOCK_COMMENT}\r\n"
        f"backend.add(import('{AUTH}'));\r\n"
        f"backend.add(import('{MODULE}'));\r\n"
        "\r\n"
    )
    assert edit.after.endswith("\r\n\r\nbackend.start();\r\n")


def test_file_without_final_newline_keeps_it_missing():
    src = CREATE_APP_INDEX.rstrip("\n")
    assert src.endswith("backend.start();")
    edit = add_modules(src, [AUTH])
    check_splice(edit)
    assert edit.after.endswith(f"backend.add(import('{AUTH}'));\n\nbackend.start();")


def test_no_blank_line_before_start_gets_one_blank_separator():
    src = "const backend = createBackend();\nbackend.add(import('a-pkg'));\nbackend.start();\n"
    edit = add_modules(src, [AUTH])
    assert edit.after == (
        "const backend = createBackend();\n"
        "backend.add(import('a-pkg'));\n"
        "\n"
        f"{BLOCK_COMMENT}\n"
        f"backend.add(import('{AUTH}'));\n"
        "\n"
        "backend.start();\n"
    )


def test_tab_indented_start_inside_a_function():
    src = (
        "import { createBackend } from '@backstage/backend-defaults';\n"
        "\n"
        "async function main() {\n"
        "\tconst backend = createBackend();\n"
        "\tbackend.add(import('a-pkg'));\n"
        "\tawait backend.start();\n"
        "}\n"
        "\n"
        "main();\n"
    )
    edit = add_modules(src, [AUTH])
    check_splice(edit)
    assert edit.after == (
        "import { createBackend } from '@backstage/backend-defaults';\n"
        "\n"
        "async function main() {\n"
        "\tconst backend = createBackend();\n"
        "\tbackend.add(import('a-pkg'));\n"
        "\n"
        f"\t{BLOCK_COMMENT}\n"
        f"\tbackend.add(import('{AUTH}'));\n"
        "\n"
        "\tawait backend.start();\n"
        "}\n"
        "\n"
        "main();\n"
    )


def test_space_indented_start_uses_its_own_indentation():
    src = "function main() {\n    const backend = createBackend();\n\n    backend.start();\n}\n"
    edit = add_modules(src, [AUTH])
    assert inserted_lines(src, edit.after) == [
        f"    {BLOCK_COMMENT}\n",
        f"    backend.add(import('{AUTH}'));\n",
        "\n",
    ]


def test_different_variable_name():
    src = "const app = createBackend();\napp.add(import('a-pkg'));\n\napp.start();\n"
    edit = add_modules(src, [AUTH, "a-pkg"])
    assert edit.present == ["a-pkg"]
    assert edit.added == [AUTH]
    assert f"app.add(import('{AUTH}'));\n\napp.start();\n" in edit.after
    assert "backend." not in edit.after
    assert [a.package for a in additions(edit.after)] == ["a-pkg", AUTH]


def test_two_packages_in_one_call_share_one_block():
    edit = add_modules(CREATE_APP_INDEX, [AUTH, MODULE, AUTH])
    assert edit.added == [AUTH, MODULE]
    assert inserted_lines(edit.before, edit.after) == [
        f"{BLOCK_COMMENT}\n",
        f"backend.add(import('{AUTH}'));\n",
        f"backend.add(import('{MODULE}'));\n",
        "\n",
    ]
    assert edit.after.count(BLOCK_COMMENT) == 1


def test_quote_style_follows_the_majority_of_import_specifiers():
    src = (
        "const backend = createBackend();\n"
        'backend.add(import("a-pkg"));\n'
        'backend.add(import("b-pkg"));\n'
        "backend.add(import('c-pkg'));\n"
        "// backend.add(import('d')); backend.add(import('e')); backend.add(import('f'));\n"
        "backend.start();\n"
    )
    edit = add_modules(src, [AUTH])
    assert f'backend.add(import("{AUTH}"));\n' in edit.inserted


def test_no_semicolon_style_follows_start():
    src = "const backend = createBackend()\nbackend.add(import('a-pkg'))\n\nbackend.start()\n"
    edit = add_modules(src, [AUTH])
    assert edit.inserted == f"{BLOCK_COMMENT}\nbackend.add(import('{AUTH}'))\n\n"
    check_splice(edit)


def test_chained_start_statement_ending_with_semicolon():
    src = (
        "const backend = createBackend();\n"
        "backend.start().catch(err => {\n"
        "  console.error(err);\n"
        "});\n"
    )
    edit = add_modules(src, [AUTH])
    assert edit.manual is None
    assert f"backend.add(import('{AUTH}'));\n\nbackend.start().catch" in edit.after


def test_start_mentioned_in_a_comment_as_well_as_called():
    src = (
        "const backend = createBackend();\n"
        "// backend.start() must come last\n"
        "backend.start();\n"
    )
    edit = add_modules(src, [AUTH])
    assert edit.manual is None
    assert edit.after.endswith(f"{BLOCK_COMMENT}\nbackend.add(import('{AUTH}'));\n\nbackend.start();\n")
    assert "// backend.start() must come last\n\n" in edit.after


# ---------------------------------------------------------------------------------------------
# manual


LEGACY_INDEX = """\
import Router from 'express-promise-router';
import {
  createServiceBuilder,
  loadBackendConfig,
  getRootLogger,
  useHotMemoize,
  notFoundHandler,
  CacheManager,
  DatabaseManager,
  ServerTokenManager,
} from '@backstage/backend-common';
import { Config } from '@backstage/config';
import app from './plugins/app';

async function main() {
  const config = await loadBackendConfig({ argv: process.argv, logger: getRootLogger() });
  const apiRouter = Router();
  apiRouter.use(notFoundHandler());
  const service = createServiceBuilder(module).loadConfig(config).addRouter('/api', apiRouter);
  await service.start().catch(err => {
    console.log(err);
    process.exit(1);
  });
}

module.hot?.accept();
main().catch(error => {
  console.error('Backend failed to start up', error);
  process.exit(1);
});
"""


def assert_manual(edit: IndexEdit, *needles: str) -> None:
    assert edit.manual is not None
    assert edit.after == edit.before
    assert edit.added == []
    assert edit.inserted == ""
    assert edit.manual.count(". ") == 0 and "\n" not in edit.manual  # one sentence
    for needle in needles:
        assert needle in edit.manual, (needle, edit.manual)


def test_legacy_backend_is_manual_with_the_line_to_add():
    edit = add_modules(LEGACY_INDEX, [AUTH])
    assert_manual(edit)
    assert edit.manual == (
        "packages/backend/src/index.ts does not create its backend with createBackend(); "
        f"add `backend.add(import('{AUTH}'));` before `backend.start();` by hand"
    )


def test_manual_sentence_names_rel_and_every_line():
    edit = add_modules(LEGACY_INDEX, [AUTH, MODULE], rel="apps/api/src/index.ts")
    assert_manual(
        edit,
        "apps/api/src/index.ts ",
        f"`backend.add(import('{AUTH}'));` and `backend.add(import('{MODULE}'));`",
    )


def test_two_start_calls_are_manual():
    src = (
        "const backend = createBackend();\n"
        "backend.add(import('a-pkg'));\n"
        "if (process.env.A) {\n"
        "  backend.start();\n"
        "} else {\n"
        "  backend.start();\n"
        "}\n"
    )
    assert_manual(add_modules(src, [AUTH]), "more than once", "lines 4 and 6", f"`backend.add(import('{AUTH}'));`")


def test_no_start_call_is_manual():
    src = "const app = createBackend();\napp.add(import('a-pkg'));\n"
    assert_manual(add_modules(src, [AUTH]), "never calls `app.start()`", f"`app.add(import('{AUTH}'));`")


def test_start_only_inside_a_comment_is_manual():
    src = "const backend = createBackend();\nbackend.add(import('a-pkg'));\n\n// backend.start();\n"
    assert_manual(add_modules(src, [AUTH]), "only inside a comment", "line 4")
    src = "const backend = createBackend();\n/*\nbackend.start();\n*/\n"
    assert_manual(add_modules(src, [AUTH]), "only inside a comment", "line 3")


def test_commented_create_backend_is_manual():
    src = "// const backend = createBackend();\nbackend.start();\n"
    assert_manual(add_modules(src, [AUTH]), "does not create its backend with createBackend()")


def test_unbound_create_backend_is_manual():
    assert_manual(add_modules("createBackend().start();\n", [AUTH]), "without binding it")


def test_two_create_backend_calls_are_manual():
    src = "const a = createBackend();\nconst b = createBackend();\na.start();\nb.start();\n"
    assert_manual(add_modules(src, [AUTH]), "createBackend() more than once")


def test_start_sharing_a_line_with_other_code_is_manual():
    src = "const backend = createBackend();\nfoo(); backend.start();\n"
    assert_manual(add_modules(src, [AUTH]), "line 2", "before `backend.start();`")


def test_start_continuing_an_expression_is_manual():
    src = "const backend = createBackend();\nconst p =\n  backend.start();\n"
    assert_manual(add_modules(src, [AUTH]), "line 3")
    src = "const backend = createBackend();\nrun(\n  backend.start(),\n);\n"
    assert_manual(add_modules(src, [AUTH]), "line 3")


def test_start_inside_a_string_is_not_a_start_call():
    src = "const backend = createBackend();\nlog('backend.start();');\n"
    assert_manual(add_modules(src, [AUTH]), "never calls")


def test_nothing_to_add_is_never_manual_even_for_odd_files():
    src = f"const backend = createBackend();\nbackend.add(import('{AUTH}'));\n"
    edit = add_modules(src, [AUTH])
    assert edit.manual is None and edit.after == src and edit.present == [AUTH]


def test_bad_package_name_is_rejected():
    with pytest.raises(ValueError):
        add_modules(CREATE_APP_INDEX, ["x'); evil(); ('"])


# ---------------------------------------------------------------------------------------------
# property: bytes outside the inserted lines never change

JUNK_LINES = st.sampled_from(
    [
        "",
        "   ",
        "\t",
        "// a comment",
        "// backend.start();",
        f"// backend.add(import('{AUTH}'));",
        "/* block */",
        "/* multi",
        "/** doc */ ",
        "backend.add(import('@backstage/plugin-proxy-backend'));",
        "backend.add(\n  import(\"@backstage/plugin-app-backend\"),\n);",
        "const s = 'backend.start()';",
    ]
)


def _junk(lines: list[str]) -> str:
    # keep block comments balanced: "/* multi" is always closed by the line that follows it
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line == "/* multi":
            out.append(" * line backend.start() */")
    return "".join(x + "\n" for x in out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.lists(JUNK_LINES, max_size=6),
    middle=st.lists(JUNK_LINES, max_size=6),
    tail=st.lists(JUNK_LINES, max_size=6),
    indent=st.sampled_from(["", "  ", "\t"]),
    crlf=st.booleans(),
    final_newline=st.booleans(),
    pkgs=st.lists(st.sampled_from([AUTH, MODULE, K8S]), min_size=1, max_size=3),
)
def test_property_only_inserted_lines_change(head, middle, tail, indent, crlf, final_newline, pkgs):
    src = (
        _junk(head)
        + f"{indent}const backend = createBackend();\n"
        + _junk(middle)
        + f"{indent}backend.start();\n"
        + _junk(tail)
    )
    if not final_newline:
        src = src.rstrip("\n")
    if crlf:
        src = src.replace("\n", "\r\n")
    edit = add_modules(src, pkgs)
    assert edit.manual is None
    got = {a.package for a in additions(edit.after)}
    assert set(pkgs) <= got
    if not edit.added:
        assert edit.after == src
        return
    check_splice(edit)
    nl = "\r\n" if crlf else "\n"
    if crlf:
        assert "\n" not in edit.after.replace("\r\n", "")
    shapes = []
    for q in ("'", '"'):  # the quote follows the file's majority; the junk may tip it either way
        adds = [f"{indent}backend.add(import({q}{p}{q}));{nl}" for p in edit.added]
        body = "".join([f"{indent}{BLOCK_COMMENT}{nl}", *adds])
        shapes += [body + nl, nl + body + nl]
    assert edit.inserted in shapes
    assert edit.inserted.endswith(nl + nl)  # one blank line before start()
    # exactly one blank line between the code before and the block: reuse a blank line already there
    pre_lines = edit.after[: edit.offset].split(nl)[:-1]
    prev_is_blank = not pre_lines or pre_lines[-1].strip() == ""
    assert edit.inserted.startswith(nl) is not prev_is_blank
    assert edit.after[edit.offset + len(edit.inserted):].lstrip(" \t").startswith("backend.start();")
    # second call: no-op
    again = add_modules(edit.after, pkgs)
    assert again.after == edit.after and again.added == []

"""backend_index on the parser: the shapes real backends' index.ts take beyond create-app's.

Each test asserts the exact output (or the exact refusal), that only the inserted block changed, and
that a second run adds nothing. The fixtures are written here after shapes seen in public Backstage
apps (an IIFE, `main()`, `.catch`, `void`, a brace-less `if`), not copied from them.
"""

from __future__ import annotations

import pytest

from wizard.core.backend_index import BLOCK_COMMENT, IndexEdit, add_modules, additions

AUTH = "@terasky/backstage-plugin-spectrocloud-auth-backend"
ADD = f"backend.add(import('{AUTH}'));"


def edited(src: str, pkgs: list[str] | None = None) -> IndexEdit:
    edit = add_modules(src, pkgs or [AUTH])
    assert edit.manual is None, edit.manual
    assert edit.after[: edit.offset] + edit.after[edit.offset + len(edit.inserted):] == src
    again = add_modules(edit.after, pkgs or [AUTH])
    assert again.after == edit.after and again.added == [] and again.manual is None
    assert AUTH in [a.package for a in additions(edit.after)]
    return edit


def refused(src: str) -> str:
    edit = add_modules(src, [AUTH])
    assert edit.manual is not None and edit.after == src and edit.inserted == ""
    assert "\n" not in edit.manual and ". " not in edit.manual
    return edit.manual


def test_braceless_if_body_gets_the_block_before_the_whole_if():
    src = "const backend = createBackend();\n\nif (process.env.START)\n  backend.start();\n"
    assert edited(src).after == (
        "const backend = createBackend();\n"
        "\n"
        f"{BLOCK_COMMENT}\n"
        f"{ADD}\n"
        "\n"
        "if (process.env.START)\n"
        "  backend.start();\n"
    )


def test_braceless_else_if_chain_gets_the_block_before_the_first_if():
    src = (
        "const backend = createBackend();\n"
        "if (process.env.DRY_RUN) {\n"
        "  console.log('dry run');\n"
        "} else if (process.env.START)\n"
        "  backend.start();\n"
        "else\n"
        "  console.log('not started');\n"
    )
    edit = edited(src)
    assert edit.after == src.replace(
        "if (process.env.DRY_RUN)", f"\n{BLOCK_COMMENT}\n{ADD}\n\nif (process.env.DRY_RUN)", 1
    )


def test_braceless_else_on_one_line():
    src = "const backend = createBackend();\nif (dry) report();\nelse backend.start();\n"
    assert edited(src).after == (
        "const backend = createBackend();\n\n"
        f"{BLOCK_COMMENT}\n{ADD}\n\n"
        "if (dry) report();\nelse backend.start();\n"
    )


def test_braced_if_keeps_the_block_inside_with_the_block_indent():
    src = "const backend = createBackend();\nif (x) {\n    backend.start();\n}\n"
    assert edited(src).after == (
        "const backend = createBackend();\n"
        "if (x) {\n"
        f"    {BLOCK_COMMENT}\n"
        f"    {ADD}\n"
        "\n"
        "    backend.start();\n"
        "}\n"
    )


def test_braceless_loop_body_is_refused_with_the_line():
    src = "const backend = createBackend();\nwhile (retry()) backend.start();\n"
    assert refused(src) == (
        "packages/backend/src/index.ts has `backend.start()` at line 2 as the body of a statement without braces; "
        f"add `{ADD}` before `backend.start();` (line 2) by hand"
    )


def test_iife_with_await_and_catch():
    src = (
        "import { createBackend } from '@backstage/backend-defaults';\n"
        "\n"
        "(async () => {\n"
        "  const backend = createBackend();\n"
        "  backend.add(import('@backstage/plugin-app-backend'));\n"
        "  await backend.start().catch(error => {\n"
        "    console.error(error);\n"
        "    process.exit(1);\n"
        "  });\n"
        "})();\n"
    )
    assert edited(src).after == (
        "import { createBackend } from '@backstage/backend-defaults';\n"
        "\n"
        "(async () => {\n"
        "  const backend = createBackend();\n"
        "  backend.add(import('@backstage/plugin-app-backend'));\n"
        "\n"
        f"  {BLOCK_COMMENT}\n"
        f"  {ADD}\n"
        "\n"
        "  await backend.start().catch(error => {\n"
        "    console.error(error);\n"
        "    process.exit(1);\n"
        "  });\n"
        "})();\n"
    )


def test_main_function_called_with_catch():
    src = (
        "async function main() {\n"
        "  const backend = createBackend();\n"
        "  await backend.start();\n"
        "}\n"
        "\n"
        "main().catch(err => {\n"
        "  console.error(err);\n"
        "  process.exit(1);\n"
        "});\n"
    )
    edit = edited(src)
    assert edit.inserted == f"\n  {BLOCK_COMMENT}\n  {ADD}\n\n"
    assert edit.after.startswith("async function main() {\n  const backend = createBackend();\n\n")


def test_start_first_in_its_block_gets_no_blank_line_after_the_brace():
    src = "const backend = createBackend();\nexport async function run() {\n  await backend.start();\n}\n"
    assert edited(src).after == (
        "const backend = createBackend();\n"
        "export async function run() {\n"
        f"  {BLOCK_COMMENT}\n"
        f"  {ADD}\n"
        "\n"
        "  await backend.start();\n"
        "}\n"
    )


def test_void_start():
    src = "const backend = createBackend()\nbackend.add(import('a-pkg'))\n\nvoid backend.start()\n"
    edit = edited(src)
    assert edit.inserted == f"{BLOCK_COMMENT}\nbackend.add(import('{AUTH}'))\n\n"


def test_chained_then_catch_over_several_lines_without_semicolons():
    src = (
        "const backend = createBackend()\n"
        "\n"
        "backend\n"
        "  .start()\n"
        "  .then(() => console.log('up'))\n"
        "  .catch(() => process.exit(1))\n"
    )
    edit = edited(src)
    assert edit.inserted == f"{BLOCK_COMMENT}\nbackend.add(import('{AUTH}'))\n\n"
    assert edit.after.endswith(f"backend.add(import('{AUTH}'))\n\nbackend\n  .start()\n"
                               "  .then(() => console.log('up'))\n  .catch(() => process.exit(1))\n")


def test_start_inside_a_switch_case():
    src = (
        "const backend = createBackend();\n"
        "switch (process.env.MODE) {\n"
        "  case 'serve':\n"
        "    backend.start();\n"
        "    break;\n"
        "}\n"
    )
    edit = edited(src)
    assert edit.inserted == f"    {BLOCK_COMMENT}\n    {ADD}\n\n"
    assert "  case 'serve':\n    // SpectroCloud" in edit.after


def test_double_quotes_from_the_static_import_when_there_is_no_dynamic_one():
    src = 'import { createBackend } from "@backstage/backend-defaults";\nconst backend = createBackend();\nbackend.start();\n'
    assert f'backend.add(import("{AUTH}"));' in edited(src).inserted


@pytest.mark.parametrize("comment", ["// é ü ☃ 🎉 日本語\n", "/* naïve café — “quoted” */\n"])
def test_non_ascii_before_the_edit_point(comment):
    src = comment + "const backend = createBackend();\nbackend.add(import('a-pkg'));\n\nbackend.start();\n"
    edit = edited(src)
    assert edit.after == src.replace("\nbackend.start();", f"\n{BLOCK_COMMENT}\n{ADD}\n\nbackend.start();")


def test_crlf_inside_a_function_with_tabs():
    src = "async function main() {\r\n\tconst backend = createBackend();\r\n\r\n\tawait backend.start();\r\n}\r\nmain();\r\n"
    edit = edited(src)
    assert edit.inserted == f"\t{BLOCK_COMMENT}\r\n\t{ADD}\r\n\r\n"


def test_start_as_an_arrow_function_body_is_refused():
    src = "const backend = createBackend();\nexport const run = () => backend.start();\n"
    assert "line 2 after other code on the same line" in refused(src)


def test_start_assigned_over_two_lines_is_refused_naming_both_lines():
    src = "const backend = createBackend();\nconst started =\n  backend.start();\n"
    assert "at line 3 inside a statement that begins on line 2" in refused(src)


def test_unparseable_file_without_start_is_refused_as_unparseable():
    src = "const backend = createBackend();\nbackend.start(\n"
    assert "could not be parsed (line" in refused(src)


def test_unrelated_parse_error_elsewhere_does_not_block_the_edit():
    src = "const backend = createBackend();\n\nbackend.start();\n\nfunction broken( {\n"
    edit = add_modules(src, [AUTH])
    assert edit.manual is None
    assert edit.after == src.replace("\nbackend.start();", f"\n{BLOCK_COMMENT}\n{ADD}\n\nbackend.start();")


def test_start_inside_an_error_region_is_refused():
    src = "const backend = createBackend();\nif (x {\n  backend.start();\n}\n"
    edit = add_modules(src, [AUTH])
    assert edit.manual is not None and edit.after == src


def test_this_backend_start_is_not_the_backend():
    src = "const backend = createBackend();\nclass A { run() { this.backend.start(); } }\n"
    assert "never calls `backend.start()`" in refused(src)


def test_add_with_two_arguments_or_a_then_is_not_an_addition():
    src = (
        "const backend = createBackend();\n"
        f"backend.add(import('{AUTH}'), extra);\n"
        f"backend.add(import('{AUTH}').then(m => m.default));\n"
        "backend.start();\n"
    )
    assert additions(src) == []


def test_generic_and_cast_binding():
    src = "const backend = createBackend() as Backend;\nbackend.start();\n"
    assert edited(src).added == [AUTH]

"""tsparse: tree-sitter glue (positions as str offsets, comments skipped) and tsedit's splicing and style.

Every position is checked against the text it should cut out, in files with non-ASCII characters
before it: tree-sitter counts UTF-8 bytes, Python strings count code points.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from wizard.core import tsedit, tsparse
from wizard.core.tsedit import Insertion, Style, Wanted
from wizard.core.tsparse import parse

# ---------------------------------------------------------------------------------------------
# parsing and positions


@pytest.mark.parametrize("prefix", ["", "// é\n", "/* ☃ snow */\n", "// 🎉 party (4 bytes in UTF-8)\n", "// 日本語\r\n"])
def test_positions_are_str_offsets_after_non_ascii(prefix):
    src = prefix + "const backend = createBackend();\nbackend.start();\n"
    doc = parse(src)
    (call,) = tsparse.calls(doc, "backend.start")
    assert doc.slice(call) == "backend.start()"
    assert src[doc.start(call): doc.end(call)] == "backend.start()"
    assert doc.line(call) == prefix.count("\n") + 3 - 1


def test_position_at_end_of_non_ascii_file():
    src = "const s = 'ü';"
    doc = parse(src)
    assert doc.end(doc.root) == len(src)
    assert doc.slice(tsparse.toplevel(doc)[0]) == src


def test_comments_are_skipped_by_walk_but_listed():
    src = "// backend.start();\n/* createBackend() */\nfoo();\n"
    doc = parse(src)
    assert tsparse.calls(doc, "backend.start") == []
    assert tsparse.calls(doc, "createBackend") == []
    assert [doc.slice(c) for c in doc.comments()] == ["// backend.start();", "/* createBackend() */"]


def test_strings_are_not_code():
    doc = parse("log('backend.start()'); const t = `createBackend()`;\n")
    assert tsparse.calls(doc, "backend.start") == [] and tsparse.calls(doc, "createBackend") == []


def test_errors_are_reported_and_located():
    doc = parse("const a = 1;\nfoo(\n")
    assert doc.errors()
    assert not parse("const a = 1;\n").errors()


def test_tsx_grammar_reads_jsx_and_ts_grammar_reads_casts():
    assert not parse("const a = <div className=\"x\">hi</div>;\n", tsx=True).errors()
    assert not parse("const a = <string>b;\n", tsx=False).errors()
    assert tsparse.is_tsx("packages/app/src/App.tsx") and not tsparse.is_tsx("packages/app/src/apis.ts")


def test_parse_is_cached():
    src = "const x = 1;\n"
    assert parse(src) is parse(src)
    assert parse(src, True) is not parse(src, False)


def test_imports_are_read_with_aliases_types_defaults_and_namespaces():
    src = (
        "import React from 'react';\n"
        "import * as ns from \"ns-mod\";\n"
        "import {\n  a,\n  b as c, // trailing comment\n  type D,\n} from '@x/y';\n"
        "import type { E } from '@x/y';\n"
        "import './side-effect';\n"
    )
    doc = parse(src)
    got = [(i.source, i.type_only, [(n.imported, n.local, n.type_only) for n in i.names]) for i in tsparse.imports(doc)]
    assert got == [
        ("react", False, [("default", "React", False)]),
        ("ns-mod", False, [("*", "ns", False)]),
        ("@x/y", False, [("a", "a", False), ("b", "c", False), ("D", "D", True)]),
        ("@x/y", True, [("E", "E", True)]),
        ("./side-effect", False, []),
    ]
    assert set(tsparse.declared_names(doc)) == {"React", "ns", "a", "c", "D", "E"}


def test_declared_names_and_toplevel_const():
    src = "export const apis: X[] = [];\nconst y = 1, z = 2;\nfunction f() { const inner = 1; }\nclass K {}\n"
    doc = parse(src)
    assert set(tsparse.declared_names(doc)) == {"apis", "y", "z", "f", "K"}
    stmt, decl = tsparse.toplevel_const(doc, "apis")
    assert stmt.type == "export_statement" and doc.slice(decl).startswith("apis")
    assert tsparse.toplevel_const(doc, "inner") is None


def test_properties_and_values():
    doc = parse("x({ api: a, 'deps': { c: d }, factory() {}, short, ...rest, [k]: 1 });\n")
    (call,) = tsparse.calls(doc, "x")
    obj = tsparse.arguments(call)[0]
    assert set(tsparse.properties(doc, obj)) == {"api", "deps", "factory", "short"}
    assert doc.slice(tsparse.prop_value(doc, obj, "api")) == "a"
    assert doc.slice(tsparse.prop_value(doc, obj, "short")) == "short"
    assert tsparse.has_spread(obj)


def test_string_value():
    doc = parse("f('a', \"b\", `c`, `${d}`, 1);\n")
    (call,) = tsparse.calls(doc, "f")
    assert [tsparse.string_value(doc, a) for a in tsparse.arguments(call)] == ["a", "b", "c", None, None]


def test_tree_sitter_is_not_imported_until_a_parse():
    code = (
        "import sys\n"
        "import wizard.core.tsparse, wizard.core.tsedit, wizard.core.backend_index\n"
        "import wizard.core.apis_ts, wizard.core.app_tsx\n"
        "assert not any(m.startswith('tree_sitter') for m in sys.modules), sorted(sys.modules)\n"
        "wizard.core.tsparse.parse('x;')\n"
        "assert 'tree_sitter' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_version_does_not_import_tree_sitter():
    code = (
        "import sys, contextlib, io\n"
        "from wizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--version'])\n    except SystemExit:\n        pass\n"
        "assert not any(m.startswith('tree_sitter') for m in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------------------------
# style


def test_style_of_prettier_defaults():
    src = "import { a } from '@x/y';\n\nexport const l = [\n  a,\n  b,\n];\n"
    assert tsedit.style_of(parse(src)) == Style("'", True, "  ", "\n", True)


def test_style_of_double_quotes_no_semicolons_four_spaces_no_trailing_commas_crlf():
    src = 'import { a } from "@x/y"\r\n\r\nexport const l = [\r\n    a,\r\n    b\r\n]\r\n'
    assert tsedit.style_of(parse(src)) == Style('"', False, "    ", "\r\n", False)


def test_style_of_tabs():
    src = "import { a } from '@x/y';\nfunction f() {\n\treturn [\n\t\ta,\n\t];\n}\n"
    assert tsedit.style_of(parse(src)).indent == "\t"


def test_restyle_changes_only_delimiters_semicolons_commas_and_indent():
    canonical = "import { a } from 'x';\nconst o = {\n  k: 'v',\n  n: [\n    1,\n  ],\n};\nf('it''s');\n".replace(
        "f('it''s');\n", "f(\"it's\");\n")
    got = tsedit.restyle(canonical, Style('"', False, "    ", "\r\n", False))
    assert got == (
        'import { a } from "x"\r\nconst o = {\r\n    k: "v",\r\n    n: [\r\n        1\r\n    ]\r\n}\r\nf("it\'s")\r\n'
    )
    assert tsedit.restyle(canonical, Style()) == canonical


def test_restyle_leaves_a_string_holding_the_other_quote_alone():
    assert tsedit.restyle("f('say \"hi\"');\n", Style(quote='"')) == "f('say \"hi\"');\n"


# ---------------------------------------------------------------------------------------------
# splicing and lists


def test_splice_and_unsplice():
    text = "abcdef"
    ins = [Insertion(3, "X"), Insertion(0, "<"), Insertion(6, ">"), Insertion(3, "Y")]
    after = tsedit.splice(text, ins)
    assert after == "<abcXYdef>"
    assert tsedit.unsplice(after, ins) == text


def _append(src: str, new: list[str], lines: bool = False, pad: str = " ") -> str:
    doc = parse(src)
    arr = next(n for n in doc.walk() if n.type in ("array", "object", "named_imports"))
    return tsedit.splice(src, tsedit.append_items(doc, arr, new, tsedit.style_of(doc), pad=pad, lines=lines))


@pytest.mark.parametrize(
    "src, expected",
    [
        ("x = [a, b];\n", "x = [a, b, c];\n"),
        ("x = [a, b,];\n", "x = [a, b, c,];\n"),
        ("x = [];\n", "x = [c];\n"),
        ("x = [\n  a,\n  b,\n];\n", "x = [\n  a,\n  b,\n  c,\n];\n"),
        ("x = [\n  a,\n  b\n];\n", "x = [\n  a,\n  b,\n  c\n];\n"),
        ("x = [\n  a,\n  b // last\n];\n", "x = [\n  a,\n  b, // last\n  c\n];\n"),
        ("x = [\n  a,\n  // b,\n];\n", "x = [\n  a,\n  // b,\n  c,\n];\n"),
        ("x = [\n\ta,\n];\n", "x = [\n\ta,\n\tc,\n];\n"),
    ],
)
def test_append_items_follows_the_layout(src, expected):
    assert _append(src, ["c"], pad="") == expected


def test_append_multi_line_items_to_a_one_line_and_an_empty_list():
    assert _append("x = [a];\n", ["f({\n  k: 1,\n})"], lines=True) == "x = [a,\n  f({\n    k: 1,\n  }),\n];\n"
    assert _append("x = [];\n", ["f({\n  k: 1,\n})"], lines=True) == "x = [\n  f({\n    k: 1,\n  }),\n];\n"


def test_append_to_an_object_keeps_its_brace_spacing():
    assert _append("o = { a };\n", ["b"]) == "o = { a, b };\n"
    assert _append("o = {};\n", ["b"]) == "o = { b };\n"


# ---------------------------------------------------------------------------------------------
# imports


def _imports(src: str, wanted: list[Wanted]) -> str:
    doc = parse(src)
    ins, _ = tsedit.add_imports(doc, tsedit.style_of(doc), wanted)
    return tsedit.splice(src, ins)


def test_names_join_an_existing_import_of_the_module():
    src = "import {\n  a,\n  b,\n} from '@x/y';\nimport z from 'z';\n\ncode();\n"
    assert _imports(src, [Wanted("c", "@x/y"), Wanted("a", "@x/y")]) == (
        "import {\n  a,\n  b,\n  c,\n} from '@x/y';\nimport z from 'z';\n\ncode();\n"
    )


def test_a_new_module_gets_a_declaration_after_the_last_import():
    src = "import { a } from \"@x/y\"\nimport z from \"z\"\n\ncode()\n"
    assert _imports(src, [Wanted("Q", "@q/q")]) == (
        "import { a } from \"@x/y\"\nimport z from \"z\"\nimport { Q } from \"@q/q\"\n\ncode()\n"
    )


def test_a_long_new_import_wraps_like_prettier():
    src = "import { a } from '@x/y';\n"
    got = _imports(src, [Wanted("KubernetesAuthProviders", "@backstage/plugin-kubernetes-react"),
                         Wanted("kubernetesAuthProvidersApiRef", "@backstage/plugin-kubernetes-react")])
    assert got == src + (
        "import {\n  KubernetesAuthProviders,\n  kubernetesAuthProvidersApiRef,\n} from '@backstage/plugin-kubernetes-react';\n"
    )


def test_type_names_follow_the_file_type_import_style():
    inline = "import { a, type B } from '@x/y';\n"
    assert _imports(inline, [Wanted("C", "@x/y", type_only=True)]) == "import { a, type B, type C } from '@x/y';\n"
    separate = "import { a } from '@x/y';\nimport type { B } from '@x/y';\n"
    assert _imports(separate, [Wanted("C", "@x/y", type_only=True)]) == (
        "import { a } from '@x/y';\nimport type { B, C } from '@x/y';\n"
    )
    # a value never goes into `import type`
    only_type = "import type { B } from '@x/y';\n"
    assert _imports(only_type, [Wanted("v", "@x/y")]) == only_type + "import { v } from '@x/y';\n"


def test_default_import_joins_a_named_import_or_stands_alone():
    assert _imports("import { b } from 'm';\n", [Wanted("d", "m", default=True)]) == "import d, { b } from 'm';\n"
    assert _imports("import x from 'x';\n", [Wanted("d", "m", default=True)]) == (
        "import x from 'x';\nimport d from 'm';\n"
    )


def test_import_added_at_the_end_of_a_file_without_final_newline():
    assert _imports("import x from 'x';", [Wanted("d", "m", default=True)]) == "import x from 'x';\nimport d from 'm';"


def test_no_imports_at_all_puts_the_declaration_above_the_first_statement():
    src = "/* header */\n\nexport const x = 1;\n"
    assert _imports(src, [Wanted("a", "m")]) == "/* header */\n\nimport { a } from 'm';\n\nexport const x = 1;\n"


def test_bound_names_are_not_imported_again():
    src = "import { a as b } from 'other';\nconst c = 1;\n"
    assert _imports(src, [Wanted("b", "m"), Wanted("c", "m")]) == src

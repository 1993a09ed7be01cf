"""A new-frontend-system app's `packages/app/src/App.tsx`: which frontend system it uses, adding features
to `createApp({ features: [...] })`, and the in-app module file the SpectroCloud feature lives in.

Which system: the module `createApp` is imported from says it (`@backstage/frontend-defaults` = new,
`@backstage/app-defaults` or `@backstage/core-app-api` = legacy, `@backstage/core` = pre-1.0), read
through the parser so an alias (`import { createApp as makeApp }`), a comment or an import spread over
lines changes nothing.

Adding a feature (e.g. `spectroCloudKubernetesModule` from './modules/spectrocloud', and
`kubernetesPlugin` from '@backstage/plugin-kubernetes/alpha' when the app does not discover packages):
the identifier goes at the end of the `features` array of the one `createApp(...)` call, with its import
after the last import, in the file's style. `createApp()` without options gets `{ features: [...] }`,
options without `features` get the key. Features held in a variable are followed when the variable is
a top-level array literal of the same file (that array is the one createApp gets, so appending there
is the same edit); anything else the editor cannot see into (a spread, an imported or computed list,
options spread from elsewhere) is refused with the exact lines to add: a feature installed twice or
not at all is worse than a line added by hand.

Pure text in, text out; every edit is spliced at parser positions (wizard.core.tsedit), parsed again
and checked (removing the insertions gives the input back, the features are now found, a second run
changes nothing) before it is returned.

Public: `frontend_system(src, rel) -> FrontendSystem`, `features(src, rel) -> list[str] | None`,
`has_feature(src, feature, rel) -> bool`, `add_features(src, features, rel) -> TsEdit`,
`module_file(app_src, app_rel) -> str`, `is_module_file(src) -> bool`, `SPECTROCLOUD_MODULE`,
`KUBERNETES_PLUGIN`, `MODULE_REL`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.core.resources import templates_dir
from wizard.core.tsedit import (
    Insertion,
    Style,
    TsEdit,
    Wanted,
    add_imports,
    append_items,
    import_text,
    indent_at,
    restyle,
    splice,
    style_of,
    unsplice,
)
from wizard.core.tsparse import (
    Doc,
    Node,
    arguments,
    call_name,
    calls,
    declared_names,
    head_identifier,
    imports,
    is_tsx,
    items,
    parse,
    properties,
    statement_of,
    toplevel_const,
    unwrap,
)

REL = "packages/app/src/App.tsx"
MODULE_REL = "packages/app/src/modules/spectrocloud/index.ts"
MODULE_TEMPLATE = "frontend/spectrocloud-module.ts"
MODULE_HEADER = "// Written by spectro-wizard"

NEW, LEGACY, PRE_1_0, UNKNOWN = "new", "legacy", "pre-1.0", "unknown"
# where createApp comes from -> the frontend system; `@backstage/frontend-app-api` held the new
# system's createApp before `@backstage/frontend-defaults` existed
SYSTEMS = {
    "@backstage/frontend-defaults": NEW,
    "@backstage/frontend-app-api": NEW,
    "@backstage/app-defaults": LEGACY,
    "@backstage/core-app-api": LEGACY,
    "@backstage/core": PRE_1_0,
}


@dataclass(frozen=True)
class Feature:
    """A frontend feature and the import that brings it."""

    name: str  # the identifier, e.g. 'spectroCloudKubernetesModule'
    source: str  # the module specifier, e.g. './modules/spectrocloud'
    default: bool = False  # a default export (`import kubernetesPlugin from '...'`)


SPECTROCLOUD_MODULE = Feature("spectroCloudKubernetesModule", "./modules/spectrocloud")
KUBERNETES_PLUGIN = Feature("kubernetesPlugin", "@backstage/plugin-kubernetes/alpha", default=True)


# ---- which frontend system ----------------------------------------------------------------------

@dataclass(frozen=True)
class FrontendSystem:
    system: str  # NEW | LEGACY | PRE_1_0 | UNKNOWN
    source: str | None  # the module createApp is imported from
    local: str | None  # the name createApp is called by in this file ('ns.createApp' for `import * as ns`)
    line: int | None  # the line of that import


def _system_of(source: str) -> str:
    for mod, system in SYSTEMS.items():
        if source == mod or source.startswith(mod + "/"):
            return system
    return UNKNOWN


def _frontend(doc: Doc) -> FrontendSystem:
    for imp in imports(doc):
        for name in imp.names:
            if name.imported == "createApp" and not name.type_only:
                return FrontendSystem(_system_of(imp.source), imp.source, name.local, doc.line(imp.node))
    for imp in imports(doc):  # `import * as defaults from '...'; defaults.createApp(...)`
        for name in imp.names:
            if name.imported == "*" and _system_of(imp.source) != UNKNOWN and calls(doc, f"{name.local}.createApp"):
                return FrontendSystem(_system_of(imp.source), imp.source, f"{name.local}.createApp", doc.line(imp.node))
    return FrontendSystem(UNKNOWN, None, None, None)


def frontend_system(src: str, rel: str = REL) -> FrontendSystem:
    """Which frontend system this App.tsx uses, from the module it imports createApp from."""
    return _frontend(parse(src, is_tsx(rel)))


# ---- reading features ---------------------------------------------------------------------------

def _norm(source: str) -> str:
    """'./modules/spectrocloud/index.ts' and './modules/spectrocloud' are the same module."""
    s = re.sub(r"\.(tsx?|jsx?)$", "", source)
    return re.sub(r"/index$", "", s)


def _local_of(doc: Doc, feature: Feature) -> str | None:
    """The name this file binds the feature to (an alias counts), if it imports it."""
    for imp in imports(doc):
        if _norm(imp.source) != _norm(feature.source) or imp.type_only:
            continue
        for n in imp.names:
            if (feature.default and n.imported == "default") or (not feature.default and n.imported == feature.name):
                if not n.type_only:
                    return n.local
    return None


@dataclass
class _Target:
    """Where features go: the array (None when it must be created) and what to create it in."""

    call: Node
    array: Node | None  # the features array literal
    obj: Node | None  # createApp's options object when it has no `features` key
    empty_call: bool  # `createApp()`: no options at all


def _target(doc: Doc, fs: FrontendSystem) -> _Target | str:
    if fs.system != NEW:
        if fs.source is None:
            return "does not import createApp"
        return f"imports createApp from {fs.source} (line {fs.line}), not from @backstage/frontend-defaults"
    found = calls(doc, fs.local or "createApp")
    if not found:
        return f"never calls {fs.local}()"
    if len(found) > 1:
        return f"calls {fs.local}() more than once (lines {', '.join(str(doc.line(c)) for c in found)})"
    call = found[0]
    line = doc.line(call)
    if doc.in_error(statement_of(call)):
        return f"could not be parsed around {fs.local}() (line {line})"
    args = arguments(call)
    if not args:
        return _Target(call, None, None, True)
    opts = unwrap(args[0])
    if len(args) != 1 or opts is None or opts.type != "object":
        return f"passes {fs.local}() options that are not an object literal (line {line})"
    props = items(opts)
    feat = properties(doc, opts).get("features")
    spreads = [p for p in props if p.type == "spread_element"]
    if feat is None:
        if spreads:
            return f"spreads {fs.local}()'s options from elsewhere (line {doc.line(spreads[0])}), which may hold features"
        return _Target(call, None, opts, False)
    if any(s.start_byte > feat.start_byte for s in spreads):
        return f"spreads options after `features` in {fs.local}() (line {doc.line(spreads[-1])}), which may replace them"
    value = feat if feat.type == "shorthand_property_identifier" else unwrap(feat.child_by_field_name("value"))
    if value is not None and value.type in ("identifier", "shorthand_property_identifier"):
        name = doc.slice(value)
        local = toplevel_const(doc, name)
        held = unwrap(local[1].child_by_field_name("value")) if local is not None else None
        decl = local[1].parent if local is not None else None
        kind = decl.child_by_field_name("kind") if decl is not None else None
        if local is None or held is None or held.type != "array" or kind is None or doc.slice(kind) != "const":
            return f"passes features to {fs.local}() from `{name}` (line {doc.line(value)}), not an array literal of this file"
        if local[0].start_byte > call.start_byte:
            return f"declares `{name}` (line {doc.line(local[0])}) after {fs.local}() uses it"
        value = held
    if value is None or value.type != "array":
        return f"passes features to {fs.local}() that are not an array literal (line {line})"
    spread = next((e for e in items(value) if e.type == "spread_element"), None)
    if spread is not None:
        return (f"builds {fs.local}()'s features with a spread (line {doc.line(spread)}), "
                "which may already hold them")
    if doc.in_error(value):
        return f"could not be parsed around {fs.local}()'s features (line {doc.line(value)})"
    return _Target(call, value, None, False)


def _feature_name(el: Node) -> Node | None:
    """The identifier a features element is made from: `x` for `x` and `x.withOverrides({...})`; None for
    a call of a function (`createFrontendModule({...})` makes a new feature, it is not one named so)."""
    n: Node | None = el
    while n is not None:
        if n.type == "call_expression":
            fn = n.child_by_field_name("function")
            if fn is None or fn.type == "identifier":
                return None
            n = fn
        elif n.type == "member_expression":
            n = n.child_by_field_name("object")
        else:
            return head_identifier(n)
    return None


def _listed(doc: Doc, array: Node | None) -> list[str]:
    """The names of the features an array lists (see `_feature_name`)."""
    out = []
    for el in items(array) if array is not None else []:
        head = _feature_name(el)
        if head is not None:
            out.append(doc.slice(head))
    return out


def features(src: str, rel: str = REL) -> list[str] | None:
    """The identifiers in the `features` of this App.tsx's createApp() ([] when it passes none), or None
    when the app is not on the new frontend system or its features cannot be read."""
    doc = parse(src, is_tsx(rel))
    target = _target(doc, _frontend(doc))
    if isinstance(target, str):
        return None
    return _listed(doc, target.array)


def has_feature(src: str, feature: Feature, rel: str = REL) -> bool:
    """Is `feature` imported (under any name) and in createApp's features?"""
    doc = parse(src, is_tsx(rel))
    target = _target(doc, _frontend(doc))
    local = _local_of(doc, feature)
    return not isinstance(target, str) and local is not None and local in _listed(doc, target.array)


# ---- adding features ----------------------------------------------------------------------------

def _by_hand(feats: list[Feature], style: Style, local: str) -> str:
    one = Style(style.quote, style.semi, style.indent, "\n", style.trailing_comma)
    names = ", ".join(f"`{f.name}`" for f in feats)
    decls = " and ".join(
        f"`{import_text([] if f.default else [f.name], f.source, one, f.name if f.default else None)}`" for f in feats
    )
    return f"add {names} to the features of {local}() and {decls} to the imports by hand"


def _compute(doc: Doc, feats: list[Feature], style: Style) -> tuple[list[Insertion], list[str], list[str]] | str:
    fs = _frontend(doc)
    target = _target(doc, fs)
    if isinstance(target, str):
        return target
    listed = _listed(doc, target.array)
    bound = declared_names(doc)
    names: list[str] = []
    wanted: list[Wanted] = []
    added: list[str] = []
    present: list[str] = []
    for f in feats:
        local = _local_of(doc, f)
        if local is None:
            if f.name in bound:
                return f"already binds `{f.name}` (line {doc.line(bound[f.name])}) to something else than {f.source}"
            local = f.name
            wanted.append(Wanted(f.name, f.source, default=f.default))
        if local in listed:
            present.append(f.name)
        else:
            names.append(local)
            added.append(f.name)
    if not names and not wanted:
        return [], [], present
    out: list[Insertion] = []
    nl, text = style.newline, doc.text
    if names:
        if target.array is not None:
            out += append_items(doc, target.array, names, style, pad="")
        elif target.obj is not None:
            out += append_items(doc, target.obj, [f"features: [{', '.join(names)}]"], style)
        else:
            args = target.call.child_by_field_name("arguments")
            assert args is not None  # the grammar gives every call_expression its arguments
            base = indent_at(text, doc.start(target.call))
            tc = "," if style.trailing_comma else ""
            out.append(Insertion(doc.start(args) + 1,
                                 f"{{{nl}{base}{style.indent}features: [{', '.join(names)}]{tc}{nl}{base}}}"))
    ins, _ = add_imports(doc, style, wanted)
    return out + ins, added, present


def add_features(src: str, feats: list[Feature], rel: str = REL) -> TsEdit:
    """Add each feature missing from createApp's features, with its import; idempotent."""
    doc = parse(src, is_tsx(rel))
    style = style_of(doc)
    done = _compute(doc, feats, style)
    local = _frontend(doc).local or "createApp"

    def manual(why: str) -> TsEdit:
        return TsEdit(src, src, [], [], f"{rel} {why}; {_by_hand(feats, style, local)}")

    if isinstance(done, str):
        return manual(done)
    insertions, added, present = done
    if not insertions:
        return TsEdit(src, src, [], present)
    if "\r" in src.replace("\r\n", ""):
        return manual("uses bare CR line endings, which this editor does not splice into")
    after = splice(src, insertions)
    new = parse(after, is_tsx(rel))
    again = _compute(new, feats, style_of(new))
    ok = (
        unsplice(after, insertions) == src
        and len(new.errors()) <= len(doc.errors())
        and all(has_feature(after, f, rel) for f in feats)
        and not isinstance(again, str)
        and not again[0]
        and (style.newline == "\n" or all("\n" not in i.text.replace("\r\n", "") for i in insertions))
    )
    if not ok:
        return manual("could not be edited safely by spectro-wizard")
    return TsEdit(src, after, added, present, None, sorted(insertions, key=lambda i: i.offset))


# ---- the module file ----------------------------------------------------------------------------

def module_file(app_src: str | None = None, app_rel: str = REL) -> str:
    """The text of packages/app/src/modules/spectrocloud/index.ts (the SpectroCloud auth API and the
    Kubernetes auth providers with spectrocloud, as a frontend module for the `kubernetes` plugin),
    written in the style of the app's own App.tsx when it is given (quotes, semicolons, indent,
    trailing commas, line endings)."""
    template = (templates_dir() / MODULE_TEMPLATE).read_text(encoding="utf-8")
    if app_src is None:
        return template
    return restyle(template, style_of(parse(app_src, is_tsx(app_rel))))


def is_module_file(src: str) -> bool:
    """Does this file export `spectroCloudKubernetesModule = createFrontendModule({ pluginId: 'kubernetes',
    ... })`? (The wizard writes the module file only where there is none: it never overwrites one.)"""
    doc = parse(src, False)
    found = toplevel_const(doc, SPECTROCLOUD_MODULE.name)
    if found is None or found[0].type != "export_statement":
        return False
    value = unwrap(found[1].child_by_field_name("value"))
    if value is None or value.type != "call_expression" or call_name(doc, value) != "createFrontendModule":
        return False
    args = arguments(value)
    plugin = properties(doc, args[0]).get("pluginId") if args and args[0].type == "object" else None
    plugin_value = plugin.child_by_field_name("value") if plugin is not None and plugin.type == "pair" else None
    return plugin_value is not None and doc.slice(plugin_value)[1:-1] == "kubernetes"

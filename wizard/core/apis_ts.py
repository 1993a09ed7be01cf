"""Wiring SpectroCloud sign-in into a legacy Backstage app's `packages/app/src/apis.ts`.

A legacy app (`createApp` from `@backstage/app-defaults`) registers its API factories in
`export const apis: AnyApiFactory[] = [createApiFactory({...}), ...];`. For the Kubernetes plugin to
offer `spectrocloud` as an OIDC provider the app needs, as verified in a real browser:

- `spectroCloudAuthApiRef`, an API ref with id `auth.spectrocloud`, declared above the array (the array
  is built when the module loads: a `const` declared below it would not exist yet);
- a factory for it (`OAuth2.create` against the backend's `spectrocloud` auth provider);
- a factory for `kubernetesAuthProvidersApiRef` whose `oidcProviders` holds the plugin's five providers
  (gitlab, google, microsoft, okta, onelogin) plus `spectrocloud`. Only one such factory may exist: the
  first one registered for a ref wins and a second is silently ignored. So when the app already has one
  (its own providers), `spectrocloud` is added to it (its deps, its factory's parameter, its
  `oidcProviders`) instead.

Pure text in, text out, like every edit here: the additions are spliced in at positions the parser
(wizard.core.tsparse) found, in the file's own style (wizard.core.tsedit), nothing else moves, and the
result is parsed again and checked before it is returned. A file whose shape is not one that can be
edited safely (no `apis` array literal, an array built with a spread, a providers factory whose
`oidcProviders` is built elsewhere...) is refused: `manual` says why in one sentence with the exact code
to add, `by_hand` holds the same code laid out in the file's style, and `after == before`.

Public: `wire_spectrocloud(src, rel) -> TsEdit`, `read_apis(src, rel) -> ApisWiring`,
`wires_spectrocloud(src, rel) -> bool`, `oidc_providers(src, rel) -> list[str] | None`, `PACKAGES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.core.backend_index import BLOCK_COMMENT
from wizard.core.tsedit import (
    Insertion,
    Style,
    TsEdit,
    Wanted,
    add_imports,
    append_items,
    attached_start,
    import_text,
    line_start,
    missing,
    newline_of,
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
    declared_names,
    has_spread,
    is_tsx,
    items,
    parse,
    prop_value,
    properties,
    toplevel_const,
    unwrap,
)

REL = "packages/app/src/apis.ts"
CORE = "@backstage/core-plugin-api"
CORE_APP = "@backstage/core-app-api"
K8S_REACT = "@backstage/plugin-kubernetes-react"
# the packages the added code imports from: packages/app must depend on them
PACKAGES = (CORE, CORE_APP, K8S_REACT)

REF = "spectroCloudAuthApiRef"
K8S_REF = "kubernetesAuthProvidersApiRef"
PROVIDER = "spectrocloud"
DEP = "spectroCloudAuthApi"
PLUGIN_PROVIDERS = ("gitlab", "google", "microsoft", "okta", "onelogin")

# What is added, in the canonical style restyle() starts from.
REF_DECL = """\
export const spectroCloudAuthApiRef = createApiRef<
  OAuthApi & OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi
>({ id: 'auth.spectrocloud' });
"""

AUTH_FACTORY = """\
createApiFactory({
  api: spectroCloudAuthApiRef,
  deps: {
    configApi: configApiRef,
    discoveryApi: discoveryApiRef,
    oauthRequestApi: oauthRequestApiRef,
  },
  factory: ({ configApi, discoveryApi, oauthRequestApi }) =>
    OAuth2.create({
      configApi,
      discoveryApi,
      oauthRequestApi,
      provider: { id: 'spectrocloud', title: 'SpectroCloud', icon: () => null },
      environment: configApi.getOptionalString('auth.environment'),
      defaultScopes: ['openid', 'profile', 'email'],
      popupOptions: { size: { fullscreen: true } },
    }),
})"""

PROVIDERS_FACTORY = """\
createApiFactory({
  api: kubernetesAuthProvidersApiRef,
  deps: {
    gitlabAuthApi: gitlabAuthApiRef,
    googleAuthApi: googleAuthApiRef,
    microsoftAuthApi: microsoftAuthApiRef,
    oktaAuthApi: oktaAuthApiRef,
    oneloginAuthApi: oneloginAuthApiRef,
    spectroCloudAuthApi: spectroCloudAuthApiRef,
  },
  factory: ({
    gitlabAuthApi,
    googleAuthApi,
    microsoftAuthApi,
    oktaAuthApi,
    oneloginAuthApi,
    spectroCloudAuthApi,
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
        spectrocloud: spectroCloudAuthApi,
      },
    }),
})"""

REF_IMPORTS = [Wanted("createApiRef", CORE)] + [
    Wanted(t, CORE, type_only=True)
    for t in ("OAuthApi", "OpenIdConnectApi", "ProfileInfoApi", "BackstageIdentityApi", "SessionApi")
]
AUTH_IMPORTS = [Wanted(n, CORE) for n in ("createApiFactory", "configApiRef", "discoveryApiRef", "oauthRequestApiRef")] + [
    Wanted("OAuth2", CORE_APP)
]
PROVIDERS_IMPORTS = [
    Wanted(n, CORE) for n in ("createApiFactory", "gitlabAuthApiRef", "googleAuthApiRef", "microsoftAuthApiRef",
                              "oktaAuthApiRef", "oneloginAuthApiRef")
] + [Wanted("KubernetesAuthProviders", K8S_REACT), Wanted(K8S_REF, K8S_REACT)]

# words for TsEdit.added / .present
ADDED_REF = f"{REF} (auth.spectrocloud)"
ADDED_AUTH = f"createApiFactory for {REF}"
ADDED_PROVIDERS = f"createApiFactory for {K8S_REF} with {PROVIDER}"
ADDED_TO_PROVIDERS = f"{PROVIDER} in the existing {K8S_REF} factory"


# ---- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApisWiring:
    """What an apis.ts wires, as `check` wants to know it."""

    array: bool  # a top-level `apis` array literal was found
    ref: bool  # spectroCloudAuthApiRef is declared or imported
    auth_factory: bool  # the array holds createApiFactory({ api: spectroCloudAuthApiRef, ... })
    providers_factory: bool  # the array holds createApiFactory({ api: kubernetesAuthProvidersApiRef, ... })
    # the keys of that factory's `oidcProviders` object; None when there is no such factory or the
    # object is not a literal this reader can list (built elsewhere, spread)
    oidc_providers: tuple[str, ...] | None = None

    @property
    def wired(self) -> bool:
        return self.ref and self.auth_factory and PROVIDER in (self.oidc_providers or ())


def _doc(src: str, rel: str) -> Doc:
    return parse(src, is_tsx(rel))


def _apis_array(doc: Doc) -> tuple[Node, Node] | str:
    """(statement, array) of the top-level `apis` array literal, or why there is none usable."""
    found = toplevel_const(doc, "apis")
    if found is None:
        return "does not declare an `apis` array at its top level"
    stmt, decl = found
    value = unwrap(decl.child_by_field_name("value"))
    if value is None or value.type != "array":
        return f"declares `apis` (line {doc.line(decl)}) as something other than an array literal"
    spread = next((c for c in items(value) if c.type == "spread_element"), None)
    if spread is not None:
        return (f"builds its `apis` array with a spread (line {doc.line(spread)}), which may already register "
                f"{K8S_REF} (the first factory for a ref wins)")
    if doc.in_error(stmt):
        return f"could not be parsed around its `apis` array (line {doc.line(stmt)})"
    return stmt, value


def _factory_object(doc: Doc, element: Node) -> Node | None:
    """The `{...}` of an array element `createApiFactory({...})`."""
    if element.type != "call_expression" or call_name(doc, element) != "createApiFactory":
        return None
    args = arguments(element)
    return args[0] if len(args) == 1 and args[0].type == "object" else None


def _factories(doc: Doc, array: Node, ref: str) -> list[tuple[Node, Node]]:
    """(element, object) of the array's `createApiFactory({ api: REF, ... })` elements."""
    out = []
    for el in items(array):
        obj = _factory_object(doc, el)
        api = prop_value(doc, obj, "api") if obj is not None else None
        if obj is not None and api is not None and api.type == "identifier" and doc.slice(api) == ref:
            out.append((el, obj))
    return out


@dataclass
class _Providers:
    """The parts of an existing kubernetesAuthProviders factory an edit touches."""

    deps: Node  # the deps object
    dep_key: str | None  # the deps key already mapped to spectroCloudAuthApiRef
    param: Node  # the factory's first parameter: an object pattern or an identifier
    ctor_obj: Node  # the object passed to `new KubernetesAuthProviders(...)`
    oidc: Node | None  # its `oidcProviders` object literal (None: no such key yet)


def _read_providers(doc: Doc, obj: Node) -> _Providers | str:
    """The editable parts of `createApiFactory({ api: kubernetesAuthProvidersApiRef, ... })`, or why
    this one cannot be edited safely."""
    if has_spread(obj):
        return "its options are spread from elsewhere"
    deps = prop_value(doc, obj, "deps")
    if deps is None or deps.type != "object" or has_spread(deps):
        return "its deps are not an object literal"
    fn = properties(doc, obj).get("factory")
    if fn is not None and fn.type == "pair":
        fn = unwrap(fn.child_by_field_name("value"))
    if fn is None or fn.type not in ("arrow_function", "function_expression", "function", "method_definition"):
        return "its factory is not a function written there"
    params = fn.child_by_field_name("parameters")
    param = fn.child_by_field_name("parameter")  # `deps => ...`
    if param is None and params is not None:
        first = items(params)[0] if items(params) else None
        if first is not None and first.type in ("required_parameter", "optional_parameter"):
            param = first.child_by_field_name("pattern")
        elif first is None:
            param = params  # `() => ...`: the factory takes no deps yet; `{ spectroCloudAuthApi }` goes in the parens
    if param is None or param.type not in ("object_pattern", "identifier", "formal_parameters"):
        return "its factory does not take its deps as a parameter"
    if param.type == "object_pattern" and any(c.type == "rest_pattern" for c in items(param)):
        return "its factory's parameter ends with a rest element"
    body = fn.child_by_field_name("body")
    news = [n for n in doc.walk(body) if n.type == "new_expression"
            and (c := n.child_by_field_name("constructor")) is not None and doc.slice(c) == "KubernetesAuthProviders"]
    if len(news) != 1:
        return "its factory does not build one `new KubernetesAuthProviders(...)`"
    ctor_args = [unwrap(a) for a in arguments(news[0])]  # `{} as any` is the object literal it wraps
    if len(ctor_args) != 1 or ctor_args[0] is None or ctor_args[0].type != "object" or has_spread(ctor_args[0]):
        return "KubernetesAuthProviders is not given an object literal"
    oidc = prop_value(doc, ctor_args[0], "oidcProviders")
    if oidc is not None and oidc.type != "object":
        return "its oidcProviders are built elsewhere"
    dep_key = next((k for k, p in properties(doc, deps).items() if p.type == "pair"
                    and (v := p.child_by_field_name("value")) is not None and doc.slice(v) == REF), None)
    return _Providers(deps, dep_key, param, ctor_args[0], oidc)


def _provider_keys(doc: Doc, array: Node) -> tuple[str, ...] | None:
    """The `oidcProviders` keys of the array's one kubernetesAuthProviders factory: () when it passes
    none, None when there is no such factory or its providers cannot be listed."""
    found = _factories(doc, array, K8S_REF)
    if len(found) != 1:
        return None
    read = _read_providers(doc, found[0][1])
    if isinstance(read, str) or (read.oidc is not None and has_spread(read.oidc)):
        return None
    return tuple(properties(doc, read.oidc)) if read.oidc is not None else ()


def read_apis(src: str, rel: str = REL) -> ApisWiring:
    """What this apis.ts wires (see ApisWiring)."""
    doc = _doc(src, rel)
    found = _apis_array(doc)
    ref = REF in declared_names(doc)
    if isinstance(found, str):
        return ApisWiring(False, ref, False, False, None)
    _, array = found
    return ApisWiring(
        True,
        ref,
        bool(_factories(doc, array, REF)),
        bool(_factories(doc, array, K8S_REF)),
        _provider_keys(doc, array),
    )


def wires_spectrocloud(src: str, rel: str = REL) -> bool:
    """Does this apis.ts register the SpectroCloud auth API and offer it to the Kubernetes plugin?"""
    return read_apis(src, rel).wired


def oidc_providers(src: str, rel: str = REL) -> list[str] | None:
    """The OIDC providers the app's own kubernetesAuthProviders factory offers (its `oidcProviders`
    keys), or None when the app has no such factory or builds the object elsewhere."""
    keys = read_apis(src, rel).oidc_providers
    return None if keys is None else list(keys)


# ---- editing ------------------------------------------------------------------------------------

@dataclass
class _Plan:
    insertions: list[Insertion] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def _one_line(code: str) -> str:
    """Code laid out on one line (for the manual sentence): lines joined, no space inside `(`/`[`/`<`,
    no trailing commas."""
    s = " ".join(line.strip() for line in code.splitlines() if line.strip())
    s = re.sub(r"([(\[<]) ", r"\1", s)
    s = re.sub(r",? ([)\]>])", r"\1", s)
    return re.sub(r", \}", " }", s)


def _is_dep_value(doc: Doc, n: Node) -> bool:
    """`someApi: kubernetesAuthProvidersApiRef` inside the `deps: { ... }` of a factory."""
    pair = n.parent
    value = pair.child_by_field_name("value") if pair is not None else None
    if pair is None or pair.type != "pair" or value is None or value.id != n.id:
        return False
    obj = pair.parent
    holder = obj.parent if obj is not None else None
    while holder is not None and holder.type in ("as_expression", "satisfies_expression", "parenthesized_expression"):
        holder = holder.parent
    key = holder.child_by_field_name("key") if holder is not None and holder.type == "pair" else None
    return obj is not None and obj.type == "object" and key is not None and doc.slice(key) == "deps"


def _compute(doc: Doc) -> _Plan | str:
    """The insertions wiring spectrocloud into this file, or why it cannot be edited safely."""
    style = style_of(doc)
    found = _apis_array(doc)
    if isinstance(found, str):
        return found
    stmt, array = found
    text, nl = doc.text, style.newline
    plan = _Plan()
    bound = declared_names(doc)

    # a ref declared below the array would not exist yet when the array is built
    ref_decl = toplevel_const(doc, REF)
    if ref_decl is not None and ref_decl[0].start_byte > stmt.start_byte:
        return f"declares {REF} (line {doc.line(ref_decl[0])}) below the `apis` array, which is built before it exists"

    providers = _factories(doc, array, K8S_REF)
    known = {f[0].id for f in providers}
    for n in doc.walk():
        if n.type == "identifier" and doc.slice(n) == K8S_REF and n.parent is not None:
            if n.parent.type in ("import_specifier",):
                continue
            el = n
            while el.parent is not None and el.parent.id != array.id:
                el = el.parent
            key = n.parent.child_by_field_name("key") if n.parent.type == "pair" else None
            if el.id in known and key is not None and doc.slice(key) == "api":
                continue
            if _is_dep_value(doc, n):  # another API depends on it (a KubernetesBackendClient): that uses it, not registers it
                continue
            return (f"uses {K8S_REF} at line {doc.line(n)} outside a `createApiFactory({{ api: {K8S_REF}, ... }})` "
                    f"of the `apis` array")
    if len(providers) > 1:
        return f"registers {K8S_REF} more than once (lines {', '.join(str(doc.line(p[0])) for p in providers)})"

    wanted: list[Wanted] = []
    if REF in bound:
        plan.present.append(ADDED_REF)
    else:
        at = line_start(text, attached_start(doc, stmt))
        before_line = text[line_start(text, at - 1): at] if at > 0 else ""
        head = "" if at == 0 or before_line.strip(" \t\r\n\ufeff") == "" else nl
        body = restyle(REF_DECL, style).rstrip("\r\n")
        plan.insertions.append(Insertion(at, f"{head}{BLOCK_COMMENT}{nl}{body}{nl}{nl}"))
        plan.added.append(ADDED_REF)
        wanted += REF_IMPORTS

    new_items: list[str] = []
    if _factories(doc, array, REF):
        plan.present.append(ADDED_AUTH)
    else:
        new_items.append(restyle(AUTH_FACTORY, style))
        plan.added.append(ADDED_AUTH)
        wanted += AUTH_IMPORTS

    if not providers:
        new_items.append(restyle(PROVIDERS_FACTORY, style))
        plan.added.append(ADDED_PROVIDERS)
        wanted += PROVIDERS_IMPORTS
    else:
        read = _read_providers(doc, providers[0][1])
        if isinstance(read, str):
            return f"registers {K8S_REF} (line {doc.line(providers[0][0])}) in a factory spectro-wizard cannot edit safely: {read}"
        edits = _extend_providers(doc, read, style)
        if isinstance(edits, str):
            return f"registers {K8S_REF} (line {doc.line(providers[0][0])}) in a factory spectro-wizard cannot edit safely: {edits}"
        if edits:
            plan.insertions += edits
            plan.added.append(ADDED_TO_PROVIDERS)
        else:
            plan.present.append(ADDED_TO_PROVIDERS)

    if new_items:
        new_items[0] = f"{BLOCK_COMMENT}{nl}{new_items[0]}"
        plan.insertions += append_items(doc, array, new_items, style, pad="", lines=True)
    ins, names = add_imports(doc, style, wanted)
    plan.insertions = ins + plan.insertions  # first where both go to one place (a file without imports)
    if names:
        plan.added.append("imports: " + ", ".join(names))
    return plan


def _extend_providers(doc: Doc, read: _Providers, style: Style) -> list[Insertion] | str:
    """Add spectrocloud to an existing kubernetesAuthProviders factory: to its deps, its factory's
    parameter and its oidcProviders, each only when missing. An `oidcProviders` that already has a
    `spectrocloud` key is the app's own wiring: nothing is added to that factory then."""
    if read.oidc is not None and PROVIDER in properties(doc, read.oidc):
        return []
    if read.dep_key is None and DEP in properties(doc, read.deps):
        return f"its deps already use the name {DEP} for something else"
    out: list[Insertion] = []
    dep = read.dep_key or DEP
    if read.dep_key is None:
        out += append_items(doc, read.deps, [f"{DEP}: {REF}"], style)
    if read.param.type == "formal_parameters":  # `()`: the parameter is added whole
        out.append(Insertion(doc.start(read.param) + 1, f"{{ {dep} }}"))
        value = dep
    elif read.param.type == "identifier":
        value = f"{doc.slice(read.param)}.{dep}"
    else:
        local = None
        for c in items(read.param):
            if c.type == "shorthand_property_identifier_pattern" and doc.slice(c) == dep:
                local = dep
            elif c.type == "pair_pattern" and (k := c.child_by_field_name("key")) is not None and doc.slice(k) == dep:
                v = c.child_by_field_name("value")
                local = doc.slice(v) if v is not None and v.type == "identifier" else None
        if local is None:
            out += append_items(doc, read.param, [dep], style)
            local = dep
        value = local
    if read.oidc is None:
        out += append_items(doc, read.ctor_obj, [f"oidcProviders: {{ {PROVIDER}: {value} }}"], style)
    else:
        out += append_items(doc, read.oidc, [f"{PROVIDER}: {value}"], style)
    return out


def _by_hand(doc: Doc, style: Style) -> tuple[list[str], str]:
    """What to add by hand to a file this editor refuses: sentence parts (one-line code) and the same
    code laid out in the file's style."""
    bound = declared_names(doc)
    parts: list[str] = []
    blocks: list[str] = []
    wanted: list[Wanted] = []
    found = _apis_array(doc)
    array = found[1] if not isinstance(found, str) else None
    # the app's own providers factory, or a use of its ref this editor could not follow: never a second one
    providers = bool(_factories(doc, array, K8S_REF)) if array is not None else False
    providers = providers or any(n.type == "identifier" and doc.slice(n) == K8S_REF and n.parent is not None
                                 and n.parent.type != "import_specifier" for n in doc.walk())
    if REF not in bound:
        parts.append(f"`{_one_line(restyle(REF_DECL, style))}` above the `apis` array")
        blocks.append(restyle(REF_DECL, style).rstrip("\r\n"))
        wanted += REF_IMPORTS
    factories = []
    if array is None or not _factories(doc, array, REF):
        factories.append(restyle(AUTH_FACTORY, style))
        wanted += AUTH_IMPORTS
    if not providers:
        factories.append(restyle(PROVIDERS_FACTORY, style))
        wanted += PROVIDERS_IMPORTS
    if factories:
        shown = " and ".join(f"`{_one_line(f)}`" for f in factories)
        parts.append(f"{shown} to the array of API factories given to createApp")
        blocks += [f + "," for f in factories]
    if providers:
        parts.append(f"`{DEP}: {REF}` to the deps of its {K8S_REF} factory, `{DEP}` to that factory's "
                     f"parameter and `{PROVIDER}: {DEP}` to its oidcProviders")
        nl, c = style.newline, "," if style.trailing_comma else ""
        blocks.append(f"// in the deps of the {K8S_REF} factory:{nl}{DEP}: {REF}{c}{nl}"
                      f"// in its factory's parameter:{nl}{DEP}{c}{nl}"
                      f"// in its oidcProviders:{nl}{PROVIDER}: {DEP}{c}")
    todo = missing(doc, wanted)
    by_source: dict[str, list[str]] = {}
    for w in todo:
        by_source.setdefault(w.source, []).append(w.name)
    one_line_style = Style(style.quote, style.semi, style.indent, "\n", style.trailing_comma)
    imports_code = []
    for source, names in by_source.items():
        parts.append(f"`{_one_line(import_text(names, source, one_line_style))}`")
        imports_code.append(import_text(names, source, style))
    return parts, (style.newline + style.newline).join(imports_code + blocks)


def _join(parts: list[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def wire_spectrocloud(src: str, rel: str = REL) -> TsEdit:
    """Add what is missing for spectrocloud to apis.ts (see the module docstring); idempotent."""
    doc = _doc(src, rel)
    plan = _compute(doc)

    def manual(why: str) -> TsEdit:
        style = style_of(doc)
        parts, code = _by_hand(doc, style)
        return TsEdit(src, src, [], [], f"{rel} {why}; add {_join(parts)} by hand", by_hand=code)

    if isinstance(plan, str):
        return manual(plan)
    if not plan.insertions:
        return TsEdit(src, src, [], plan.present)
    if "\r" in src.replace("\r\n", ""):
        return manual("uses bare CR line endings, which this editor does not splice into")
    after = splice(src, plan.insertions)
    if not _self_check(doc, src, after, plan, rel):
        return manual("could not be edited safely by spectro-wizard")
    return TsEdit(src, after, plan.added, plan.present, None, sorted(plan.insertions, key=lambda i: i.offset))


def _self_check(doc: Doc, src: str, after: str, plan: _Plan, rel: str) -> bool:
    """The edited file, parsed again, is wired, binds every name the added code uses, is understood
    no worse than before, gives the input back without the insertions, and needs nothing more."""
    if unsplice(after, plan.insertions) != src:
        return False
    if newline_of(src) == "\r\n" and any("\n" in i.text.replace("\r\n", "") for i in plan.insertions):
        return False
    new = _doc(after, rel)
    if len(new.errors()) > len(doc.errors()):
        return False
    if not read_apis(after, rel).wired:
        return False
    used = {w.name for w in REF_IMPORTS + AUTH_IMPORTS + PROVIDERS_IMPORTS}
    needed = {n for n in used if re.search(rf"(?<![\w$.]){re.escape(n)}\b", after)}
    if not needed <= set(declared_names(new)):
        return False
    again = _compute(new)
    return not isinstance(again, str) and not again.insertions

"""The answers model: validation errors name the key (and the line, from a file); defaults; no secrets."""

from __future__ import annotations

import base64

import pytest

from tests.support.configs import CA_FILE, CA_PEM
from wizard.core.answers import Answers, ClusterAnswer, dump, load_file, validate
from wizard.errors import BadInput

CA_DATA = base64.b64encode(CA_PEM).decode()


def cluster(**kw):
    return {"name": "c", "url": "https://c.example.com:6443", **kw}


# ---------------------------------------------------------------------------------------------
# validate(): every error names the key


@pytest.mark.parametrize("data, key, message", [
    ({"tenant": "t", "foo": 1}, "foo", "unknown key"),
    ({"tenant": "t", "clientSecret": "abc"}, "clientSecret", "secrets never go in an answers file"),
    ({"tenant": "t", "clientId": "abc"}, "clientId", "secrets never go in an answers file"),
    ({"tenant": "t", "apiToken": "abc"}, "apiToken", "secrets never go"),
    ({"tenant": "t", "password": "abc"}, "password", "secrets never go"),
    ({"tenant": "t", "mySecretThing": "abc"}, "mySecretThing", "secrets never go"),
    ({"tenant": "t", "clusters": [cluster(serviceAccountToken="x")]}, "clusters[0].serviceAccountToken", "secrets never go"),
    ({"tenant": "t", "clusterProvider": {"name": "p", "apiToken": "x"}}, "clusterProvider.apiToken", "secrets never go"),
    ({"tenant": "t", "clusters": [cluster(color="red")]}, "clusters[0].color", "unknown key"),
    ({"tenant": "t", "clusterProvider": {"name": "p", "region": "eu"}}, "clusterProvider.region", "unknown key"),
    ({"tenant": 123}, "tenant", "must be a non-empty string, not the number 123"),
    ({"tenant": ""}, "tenant", "must be a non-empty string"),
    ({"tenant": ["a"]}, "tenant", "not a list"),
    ({"tenant": "a/b"}, "tenant", "is not a tenant name"),
    ({}, "tenant", "missing"),
    ({"clusters": []}, "tenant", "missing"),
    ({"tenant": "t", "consoleUrl": "ftp://console.example.com"}, "consoleUrl", "is not an http(s) URL"),
    ({"authorizationUrl": "console.example.com/auth"}, "authorizationUrl", "is not an http(s) URL"),
    ({"tenant": "t", "callbackUrl": "file:///etc/passwd"}, "callbackUrl", "is not an http(s) URL"),
    ({"tenant": "t", "clusters": [cluster(url="https://")]}, "clusters[0].url", "is not an http(s) URL"),
    ({"tenant": "t", "clusters": [cluster(url="my-cluster:6443")]}, "clusters[0].url", "is not an http(s) URL"),
    ({"tenant": "t", "clusterProvider": {"name": "p", "url": "api.spectrocloud.com"}}, "clusterProvider.url", "http(s) URL"),
    ({"tenant": "t", "clientIdEnv": "1BAD"}, "clientIdEnv", "is not an environment variable name"),
    ({"tenant": "t", "clientSecretEnv": "has-dash"}, "clientSecretEnv", "is not an environment variable name"),
    ({"tenant": "t", "clientSecretEnv": "${X}"}, "clientSecretEnv", "is not an environment variable name"),
    ({"tenant": "t", "clusterProvider": {"name": "p", "apiTokenEnv": "A B"}}, "clusterProvider.apiTokenEnv", "environment variable"),
    ({"tenant": "t", "clusters": [cluster(name="a"), cluster(name="a")]}, "clusters[1].name", "cluster 'a' is listed twice"),
    ({"tenant": "t", "clusters": [cluster(skipTLSVerify=True, caFile=CA_FILE)]}, "clusters[0]",
     "give only one of skipTLSVerify, caData and caFile"),
    ({"tenant": "t", "clusters": [cluster(caData=CA_DATA, caFile=CA_FILE)]}, "clusters[0]", "give only one of"),
    ({"tenant": "t", "clusters": [cluster(caData="not base64!!")]}, "clusters[0].caData", "is not base64"),
    ({"tenant": "t", "clusters": [cluster(caData=base64.b64encode(b"hello").decode())]}, "clusters[0].caData",
     "does not decode to a PEM certificate"),
    ({"tenant": "t", "clusters": [cluster(skipTLSVerify="yes")]}, "clusters[0].skipTLSVerify", "must be true or false, not 'yes'"),
    ({"tenant": "t", "clusters": [cluster(skipTLSVerify=1)]}, "clusters[0].skipTLSVerify", "must be true or false"),
    ({"tenant": "t", "clusters": {"c": {}}}, "clusters", "must be a list of clusters, not a mapping"),
    ({"tenant": "t", "clusters": ["c"]}, "clusters[0]", "must be a mapping with name and url"),
    ({"tenant": "t", "clusters": [{"url": "https://x"}]}, "clusters[0].name", "must be a non-empty string, not nothing"),
    ({"tenant": "t", "clusters": [cluster(name="-bad-")]}, "clusters[0].name", "is not a valid cluster name"),
    ({"tenant": "t", "migrate": "some"}, "migrate", "list of cluster names or the word all"),
    ({"tenant": "t", "migrate": [1]}, "migrate[0]", "must be a non-empty string, not the number 1"),
    ({"tenant": "t", "migrate": {"a": 1}}, "migrate", "must be a list of names"),
    ({"tenant": "t", "installPackage": "no"}, "installPackage", "must be true or false, not 'no'"),
    ({"tenant": "t", "signInResolvers": {"a": 1}}, "signInResolvers", "must be a list of names"),
    ({"tenant": "t", "environment": "bad env"}, "environment", "is not a valid auth environment name"),
    ({"tenant": "t", "clusterProvider": "palette"}, "clusterProvider", "must be a mapping"),
    ({"tenant": "t", "clusterProvider": {"url": "https://x"}}, "clusterProvider.name", "must be a non-empty string"),
    (["tenant"], "(top level)", "the answers must be a mapping of keys, not a list"),
])
def test_every_validation_error_names_the_key(data, key, message):
    with pytest.raises(BadInput) as info:
        validate(data, "answers.yaml")
    text = str(info.value)
    assert text.startswith(f"answers.yaml: {key}: "), text
    assert message in text


# ---------------------------------------------------------------------------------------------
# load_file(): the same errors, with the file and the line


@pytest.mark.parametrize("text, where", [
    ("tenant: t\nfoo: 1\n", ":2: foo: unknown key"),
    ("tenant: t\n# a comment\nclientSecret: abc\n", ":3: clientSecret: secrets never go in an answers file"),
    ("tenant: t\nclusters:\n  - name: a\n    url: https://a\n    serviceAccountToken: x\n", ":5: clusters[0].serviceAccountToken: secrets"),
    ("tenant: 123\n", ":1: tenant: must be a non-empty string"),
    ("clusters: []\n", ":1: tenant: missing"),  # a missing key: the line of the mapping it is missing from
    ("tenant: t\nconsoleUrl: ftp://x\n", ":2: consoleUrl: 'ftp://x' is not an http(s) URL"),
    ("tenant: t\nclientIdEnv: 1BAD\n", ":2: clientIdEnv: '1BAD' is not an environment variable name"),
    ("tenant: t\nclusters:\n  - name: a\n    url: https://a\n  - name: a\n    url: https://b\n",
     ":5: clusters[1].name: cluster 'a' is listed twice"),
    ("tenant: t\nclusters:\n  - name: a\n    url: https://a\n    skipTLSVerify: true\n    caFile: /x\n",
     ":3: clusters[0]: give only one of"),
    ("tenant: t\nclusters:\n  - name: a\n    url: https://a\n    caData: notbase64!!\n", ":5: clusters[0].caData: is not base64"),
    ("tenant: t\nclusters:\n  - name: a\n    url: https://a\n    skipTLSVerify: yes\n",
     ":5: clusters[0].skipTLSVerify: must be true or false, not 'yes'"),
    ("tenant: t\ninstallPackage: on\n", ":2: installPackage: must be true or false, not 'on'"),
    ("tenant: t\nclusterProvider:\n  name: p\n  foo: 1\n", ":4: clusterProvider.foo: unknown key"),
    ("tenant: [t\n", ":2:1: not valid YAML: "),
    ("tenant: a\ntenant: b\n", ":2:1: duplicate key 'tenant'"),
    ("tenant: a\n---\nfoo: 1\n", ":2:1: not valid YAML: the file holds more than one YAML document"),
    ("- tenant\n", ":1: (top level): the answers must be a mapping"),
])
def test_errors_from_a_file_name_the_file_and_line(tmp_path, text, where):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        load_file(path)
    assert str(info.value).startswith(f"{path}{where}"), str(info.value)


def test_unreadable_answers_files(tmp_path):
    with pytest.raises(BadInput, match="answers file not found"):
        load_file(tmp_path / "missing.yaml")
    with pytest.raises(BadInput, match="is a directory"):
        load_file(tmp_path)
    (tmp_path / "latin1.yaml").write_bytes(b"tenant: caf\xe9\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        load_file(tmp_path / "latin1.yaml")
    (tmp_path / "big.yaml").write_bytes(b"# x\n" * 300_000)
    with pytest.raises(BadInput, match="larger than 1 MiB"):
        load_file(tmp_path / "big.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\x02")
    with pytest.raises(BadInput):
        load_file(tmp_path / "bin.yaml")


# ---------------------------------------------------------------------------------------------
# what valid answers mean


def test_defaults():
    a = validate({"tenant": "abc123"})
    assert a.consoleUrl == "https://console.spectrocloud.com"
    assert a.clientIdEnv == "SPECTROCLOUD_CLIENT_ID" and a.clientSecretEnv == "SPECTROCLOUD_CLIENT_SECRET"
    assert a.installPackage is True and a.clusters == [] and a.migrate is None and a.clusterProvider is None
    assert a.authorization_url() == "https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth"
    assert a.callback_url(None) == "http://localhost:7007/api/auth/spectrocloud/handler/frame"
    assert a.callback_url("https://bs.example.com/") == "https://bs.example.com/api/auth/spectrocloud/handler/frame"


def test_full_answers():
    a = validate({
        "environment": "production", "consoleUrl": "https://console.example.com/", "tenant": "acme",
        "callbackUrl": "${BACKEND_URL}/api/auth/spectrocloud/handler/frame",
        "clientIdEnv": "SC_ID", "clientSecretEnv": "SC_SECRET", "signInResolvers": "emailMatchingUserEntityProfileEmail",
        "clusters": [cluster(name="a", caData=CA_DATA), cluster(name="b", caFile=CA_FILE), cluster(name="c", skipTLSVerify=False),
                     {"name": "existing"}],
        "migrate": "all", "installPackage": False,
        "clusterProvider": {"name": "palette", "includeProjects": "production"},
    })
    assert a.consoleUrl == "https://console.example.com"
    assert a.authorization_url() == "https://console.example.com/v1/oidc/tenant/acme/auth"
    assert a.callback_url("http://ignored") == "${BACKEND_URL}/api/auth/spectrocloud/handler/frame"
    assert a.signInResolvers == ["emailMatchingUserEntityProfileEmail"]
    assert [c.tls_fields() for c in a.clusters] == [{"caData": CA_DATA}, {"caFile": CA_FILE}, {"skipTLSVerify": False}, {}]
    assert a.clusters[3] == ClusterAnswer("existing")
    assert a.migrate == "all" and a.installPackage is False
    p = a.clusterProvider
    assert (p.name, p.url, p.tenant, p.apiTokenEnv, p.includeProjects) == (
        "palette", "https://api.spectrocloud.com", "acme", "SPECTROCLOUD_API_TOKEN", ["production"])


def test_skip_tls_false_does_not_conflict_with_ca():
    a = validate({"tenant": "t", "clusters": [cluster(skipTLSVerify=False, caFile=CA_FILE)]})
    assert a.clusters[0].tls_fields() == {"caFile": CA_FILE}


def test_authorization_url_replaces_tenant():
    a = validate({"authorizationUrl": "https://sso.example.com/oidc/auth"})
    assert a.tenant is None and a.authorization_url() == "https://sso.example.com/oidc/auth"


def test_dump_round_trips_and_never_holds_a_secret(tmp_path):
    a = validate({"tenant": "acme", "environment": "production", "clientSecretEnv": "MY_SECRET",
                  "clusters": [cluster(caData=CA_DATA)], "migrate": ["old"],
                  "clusterProvider": {"name": "palette", "excludeProjects": ["x"]}, "installPackage": False})
    text = dump(a)
    assert text.startswith("# spectro-wizard answers: no secrets here")
    path = tmp_path / "saved.yaml"
    path.write_text(text)
    again = load_file(path)
    assert again == a
    assert again.to_dict() == a.to_dict()
    assert "clientSecret:" not in text and "MY_SECRET" in text


def test_dump_of_default_answers():
    assert dump(Answers()).endswith("{}\n")
    with pytest.raises(BadInput, match="tenant: missing"):
        validate(None)


def test_answers_from_yaml_12_text(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("tenant: on\nclusters:\n  - name: 'no'\n    url: https://no.example.com\n    skipTLSVerify: true\n")
    a = load_file(path)
    assert a.tenant == "on" and a.clusters[0].name == "no"  # yes/no/on/off are strings in YAML 1.2

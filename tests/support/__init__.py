"""What the tests share: plain modules, imported by the tests and by the conftest files' fixtures.

- repos: ONE builder of Backstage app repos (`make_repo`, presets and switches).
- tools: ONE stand-in package manager and node (`Tools`), recording every call.
- configs: the sample texts (create-app config, legacy cluster blocks, many-cluster generators, answers).
- net: closed and free loopback ports, TLS from a trustme CA.
- doubles: loopback servers speaking the real wire formats (kube-apiserver, Backstage, Palette), built on
  the demo's stand-ins and their plumbing (wizard/demo) plus what only tests need (recording, switches, fake secrets).
- servers: indiscreet echo servers (the secrets tests), on the same plumbing. oidc: the real OpenID provider
  (tests/oidc_provider); demo_browser: a browser for the demo's stand-in provider.
- cli (run the CLI), plans, text, files, results (check results), pilot (Textual pilot steps).
- secrets (a config with a secret in every position), secret_world (the secrets suite's world),
  crash (the SIGKILL loops' big repo), e2e (the real-backend suite's machinery).
- realapps: the hand-written real-app fixtures (tests/fixtures/realapps: `copy_fixture`, `SHAPES`);
  oracle: Backstage's own config loader (tests/config_oracle) as the judge of a config (`load_config`).

Nothing here is a pytest fixture: those live in the conftest.py files.
"""

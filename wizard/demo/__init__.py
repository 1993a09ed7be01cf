"""`--demo`'s world: local stand-ins for the servers the wizard's clients (wizard.remote) talk to.

Each stand-in speaks the real server's wire format on 127.0.0.1, served by the loopback plumbing in
servers.py; the tests' doubles (tests/support) are built on the same plumbing and stand-ins.

    servers.py    loopback HTTP(S) servers (bound when constructed), requests and responses, certificates
    oidc.py       an OpenID provider shaped like SpectroCloud's (discovery, JWKS, authorization code + PKCE)
    kube.py       a kube-apiserver (/version, SelfSubjectReview, SelfSubjectAccessReview, namespaces)
    backstage.py  a Backstage backend serving its config as of its last (re)start, with the Kubernetes proxy
    palette.py    the Palette API routes the cluster provider and the wizard's discovery call
    app.py        the demo app (a copy of templates/demo-app) and the stand-in node/yarn
    world.py      DemoWorld: all of them started and stopped by one object; `demo_run` for `--demo`

Layering (pyproject.toml): below wizard.session, which is the front ends' only way in; above
wizard.verify and wizard.core; never wizard.remote, so the stand-ins stay an independent reading of
the wire formats the clients are tested against. Nothing here is imported until a demo starts.
"""

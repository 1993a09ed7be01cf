"""spectro-wizard: set up the SpectroCloud Kubernetes auth module in a Backstage app."""

__version__ = "0.1.0"

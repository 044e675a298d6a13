"""The two ways a kustomization build stops: kustomize would refuse it, or we do not convert it."""


class BuildError(Exception):
    """A kustomization that cannot be built; the message is one line."""


class Unsupported(Exception):
    """A kustomization field we do not convert (`field` names it)."""

    def __init__(self, field: str, detail: str = "") -> None:
        super().__init__(f"{field}: {detail}" if detail else field)
        self.field = field

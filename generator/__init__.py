"""The spec-to-package generator: spec/*.yaml -> generated/smsc/."""
